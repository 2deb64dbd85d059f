// Hidden states of one layer — token vectors, their cosine similarities, a PCA map — and the
// last layer's [CLS] vector beside the pooler output.

import * as d3 from 'd3';
import type { Inspection } from '../types';
import { divergingScale, segmentColor } from './colors';
import { appendCaption, appendViewSvg, describeFigure, fitSvg } from './figure';
import { drawHeatmapFigure, fitCell } from './heatmap';
import type { LegendSpec } from './legend';
import { clampIndex, cosine, cosineMatrix, robustMaxAbs } from './math';
import { pca2 } from './pca';
import { fill, type Translate } from './strings';
import { isSentencePair, plainLabels, tokenClass, tokenLabels, tokenName } from './tokenLabels';
import { createTooltip, type Tooltip } from './tooltip';

/** Width a vector's dimensions are spread over (1 px per dimension for BERT-base). */
const DIM_TARGET = 720;
const STRIP_HEIGHT = 18;
const PCA_SIZE = 360;
const PCA_MARGIN = { left: 48, right: 16, top: 12, bottom: 44 };
/** Above this many tokens point labels overlap into a blot; hover still names each point. */
const PCA_LABEL_LIMIT = 64;

export function drawHiddenStates(root: HTMLElement, ins: Inspection, layer: number, t: Translate): void {
  root.replaceChildren();
  const tooltip = createTooltip(root);
  const l = clampIndex(layer, ins.hidden_states.length);
  const vectors = ins.hidden_states[l] ?? [];
  const layerName = l === 0 ? t('hidden.embeddingOutput') : `${t('hidden.layerN')} ${l}`;
  drawTokenVectors(section(root, `${t('hidden.vectorsTitle')} — ${layerName}`, t('hidden.vectorsCaption')), ins, vectors, layerName, tooltip, t);
  drawCosine(section(root, `${t('hidden.cosineTitle')} — ${layerName}`, t('hidden.cosineCaption')), ins, vectors, layerName, tooltip, t);
  drawPca(section(root, `${t('hidden.pcaTitle')} — ${layerName}`, t('hidden.pcaCaption')), ins, vectors, layerName, tooltip, t);
  drawClsPooler(section(root, t('hidden.clsPoolerTitle'), t('hidden.explain')), ins, tooltip, t);
}

function section(root: HTMLElement, title: string, caption: string): HTMLElement {
  const el = document.createElement('section');
  el.className = 'view-section';
  const heading = document.createElement('h3');
  heading.textContent = title;
  el.append(heading);
  appendCaption(el, caption);
  root.append(el);
  return el;
}

/** Tooltip of a cell in a vector strip. */
function dimensionTip(t: Translate, row: string, dim: number, value: number): string {
  return `${row} · ${t('hidden.dim')} ${dim}: ${value.toFixed(4)}`;
}

/** (a) tokens × dimensions, clipped at the 99th percentile of |x|. */
function drawTokenVectors(
  parent: HTMLElement, ins: Inspection, vectors: number[][], layerName: string, tooltip: Tooltip, t: Translate,
): void {
  const values = vectors.flat();
  const limit = robustMaxAbs(values);
  const color = divergingScale(limit);
  const svg = appendViewSvg(parent, 'hidden-heatmap');
  const [min = 0, max = 0] = d3.extent(values);
  describeFigure(svg, fill(t('a11y.vectors'), {
    layer: layerName, tokens: vectors.length, dims: vectors[0]?.length ?? 0, min: min.toFixed(2), max: max.toFixed(2),
  }));
  drawHeatmapFigure(svg, {
    values: vectors,
    color,
    cellWidth: fitCell(vectors[0]?.length ?? 0, DIM_TARGET, 1, 12),
    cellHeight: fitCell(vectors.length, 480, 3, 16),
    rowLabels: tokenLabels(ins),
    columns: { axisTitle: t('hidden.dimension') },
    describe: (i, d, value) => dimensionTip(t, tokenName(ins, i), d, value),
    tooltip,
  }, [{ color, domain: [-limit, limit], title: t('hidden.valueLegend') }]);
}

/** (b) cosine similarity between every pair of token vectors. */
function drawCosine(
  parent: HTMLElement, ins: Inspection, vectors: number[][], layerName: string, tooltip: Tooltip, t: Translate,
): void {
  const color = divergingScale(1);
  const labels = tokenLabels(ins);
  const cell = fitCell(labels.length, 480, 2, 24);
  const similarity = cosineMatrix(vectors);
  const svg = appendViewSvg(parent, 'cosine');
  let pair: [number, number] | null = null;
  for (let i = 0; i < similarity.length; i++) {
    for (let j = i + 1; j < similarity.length; j++) {
      if (!pair || similarity[i][j] > similarity[pair[0]][pair[1]]) pair = [i, j];
    }
  }
  describeFigure(svg, fill(t('a11y.cosine'), {
    layer: layerName,
    tokens: vectors.length,
    pair: pair ? `${tokenName(ins, pair[0])} ↔ ${tokenName(ins, pair[1])} (${similarity[pair[0]][pair[1]].toFixed(2)})` : t('a11y.none'),
  }));
  drawHeatmapFigure(svg, {
    values: similarity,
    color,
    cellWidth: cell,
    cellHeight: cell,
    rowLabels: labels,
    columns: labels,
    describe: (i, j, value) => `${tokenName(ins, i)} ↔ ${tokenName(ins, j)}: ${value.toFixed(4)}`,
    tooltip,
  }, [{ color, domain: [-1, 1], title: t('hidden.cosineLegend') }]);
}

/** A scale domain around the values with some air, never empty (one token sits at 0). */
function paddedExtent(values: number[]): [number, number] {
  const [lo = 0, hi = 0] = d3.extent(values);
  const pad = (hi - lo) * 0.08 || 1;
  return [lo - pad, hi + pad];
}

/** (c) the token vectors projected on their top two principal components. */
function drawPca(
  parent: HTMLElement, ins: Inspection, vectors: number[][], layerName: string, tooltip: Tooltip, t: Translate,
): void {
  const points = pca2(vectors);
  const labels = tokenLabels(ins);
  const m = PCA_MARGIN;
  const x = d3.scaleLinear().domain(paddedExtent(points.map((p) => p[0]))).nice().range([m.left, m.left + PCA_SIZE]);
  const y = d3.scaleLinear().domain(paddedExtent(points.map((p) => p[1]))).nice().range([m.top + PCA_SIZE, m.top]);
  const svg = appendViewSvg(parent, 'pca');
  fitSvg(svg, m.left + PCA_SIZE + m.right, m.top + PCA_SIZE + m.bottom);
  const [cx = 0, cy = 0] = [d3.mean(points, (p) => p[0]), d3.mean(points, (p) => p[1])];
  const far = d3.maxIndex(points, (p) => Math.hypot(p[0] - cx, p[1] - cy));
  describeFigure(svg, fill(t('a11y.pca'), {
    layer: layerName, tokens: points.length, token: far >= 0 ? tokenName(ins, far) : t('a11y.none'),
  }));
  svg.append('g').attr('transform', `translate(0,${m.top + PCA_SIZE})`).call(d3.axisBottom(x).ticks(6));
  svg.append('g').attr('transform', `translate(${m.left},0)`).call(d3.axisLeft(y).ticks(6));
  svg.append('text').attr('class', 'axis-title').attr('x', m.left + PCA_SIZE / 2).attr('y', m.top + PCA_SIZE + 36)
    .attr('text-anchor', 'middle').text(t('hidden.pc1'));
  svg.append('text').attr('class', 'axis-title').attr('transform', `translate(12,${m.top + PCA_SIZE / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle').text(t('hidden.pc2'));

  const indexed = points.map(([px, py], i) => ({ i, px: x(px), py: y(py) }));
  svg.append('g').selectAll('circle').data(indexed).join('circle')
    .attr('class', (d) => (labels[d.i].special ? 'pca-point special' : 'pca-point'))
    .attr('cx', (d) => d.px)
    .attr('cy', (d) => d.py)
    .attr('r', 4)
    .attr('fill', (d) => segmentColor(ins.token_type_ids[d.i]))
    .on('pointermove', (event: PointerEvent, d) => tooltip.show(tokenName(ins, d.i), event))
    .on('pointerleave', () => tooltip.hide());
  if (indexed.length <= PCA_LABEL_LIMIT) {
    svg.append('g').selectAll('text').data(indexed).join('text')
      .attr('class', (d) => `pca-label ${tokenClass(labels[d.i])}`)
      .attr('x', (d) => d.px + 6)
      .attr('y', (d) => d.py)
      .attr('dominant-baseline', 'central')
      .text((d) => labels[d.i].text);
  }
  if (isSentencePair(ins)) {
    const key = svg.append('g').attr('transform', `translate(${m.left + 8},${m.top + 8})`)
      .selectAll('g').data([0, 1]).join('g').attr('transform', (s) => `translate(0,${s * 16})`);
    key.append('circle').attr('r', 4).attr('fill', segmentColor);
    key.append('text').attr('x', 8).attr('dominant-baseline', 'central')
      .text((s) => t(s === 0 ? 'hidden.sentenceA' : 'hidden.sentenceB'));
  }
}

/** (d) h[CLS] of the last layer beside pooler = tanh(W·h[CLS] + b), each on its own scale:
 * tanh bounds the pooler to (−1, 1), which its fixed scale shows. */
function drawClsPooler(parent: HTMLElement, ins: Inspection, tooltip: Tooltip, t: Translate): void {
  const cls = ins.hidden_states[ins.hidden_states.length - 1]?.[0] ?? [];
  const clsLimit = robustMaxAbs(cls);
  const clsColor = divergingScale(clsLimit);
  const poolerColor = divergingScale(1);
  const rows = ins.pooler ? [cls, ins.pooler] : [cls];
  const rowLabels = plainLabels([t('hidden.clsRow'), t('hidden.poolerRow')].slice(0, rows.length));
  const legends: LegendSpec[] = [{ color: clsColor, domain: [-clsLimit, clsLimit], title: t('hidden.clsRow') }];
  if (ins.pooler) legends.push({ color: poolerColor, domain: [-1, 1], title: t('hidden.poolerRow') });
  const svg = appendViewSvg(parent, 'cls-pooler');
  describeFigure(svg, ins.pooler
    ? fill(t('a11y.clsPooler'), { dims: cls.length, cosine: cosine(cls, ins.pooler).toFixed(3) })
    : fill(t('a11y.clsOnly'), { dims: cls.length }));
  drawHeatmapFigure(svg, {
    values: rows,
    color: (value, row) => (row === 0 ? clsColor : poolerColor)(value),
    cellWidth: fitCell(cls.length, DIM_TARGET, 1, 12),
    cellHeight: STRIP_HEIGHT,
    rowLabels,
    columns: { axisTitle: t('hidden.dimension') },
    describe: (row, d, value) => dimensionTip(t, rowLabels[row].text, d, value),
    tooltip,
  }, legends);
  if (!ins.pooler) appendCaption(parent, t('hidden.noPooler'), 'view-note');
}
