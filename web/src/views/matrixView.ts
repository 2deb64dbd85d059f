// Matrix view: one head's attention as a heatmap, queries as rows, keys as columns.

import * as d3 from 'd3';
import type { Inspection } from '../types';
import { attentionScale } from './colors';
import { strongestLinks } from './describe';
import { appendViewSvg, describeFigure } from './figure';
import { drawHeatmapFigure, fitCell } from './heatmap';
import { clampIndex } from './math';
import { fill, type Translate } from './strings';
import { tokenLabels, tokenName } from './tokenLabels';
import { createTooltip } from './tooltip';

/** Room for the title line, the key-axis title above and the query-axis title on the left. */
const ORIGIN: [number, number] = [22, 42];

export function drawMatrixView(root: HTMLElement, ins: Inspection, layer: number, head: number, t: Translate): void {
  root.replaceChildren();
  const tooltip = createTooltip(root);
  const l = clampIndex(layer, ins.attentions.length);
  const h = clampIndex(head, ins.attentions[l]?.length ?? 0);
  const weights = ins.attentions[l]?.[h] ?? [];
  const max = d3.max(weights, (row) => d3.max(row)) ?? 0;
  const color = attentionScale(max);
  const labels = tokenLabels(ins);
  const cell = fitCell(labels.length, 520, 3, 28);

  const svg = appendViewSvg(root, 'matrix');
  const layout = drawHeatmapFigure(svg, {
    values: weights,
    color,
    cellWidth: cell,
    cellHeight: cell,
    rowLabels: labels,
    columns: labels,
    describe: (q, k, value) => `${tokenName(ins, q)} → ${tokenName(ins, k)}: ${value.toFixed(4)}`,
    tooltip,
  }, [{ color, domain: [0, max > 0 ? max : 1], title: t('matrix.legend') }], ORIGIN);

  svg.append('text').attr('class', 'view-title').attr('y', 14).text(`${t('matrix.layer')} ${l} · ${t('matrix.head')} ${h}`);
  svg.append('text').attr('class', 'axis-title').attr('x', layout.cellsX).attr('y', 32).text(`${t('matrix.keys')} →`);
  svg.append('text')
    .attr('class', 'axis-title')
    .attr('transform', `translate(8,${layout.cellsY}) rotate(90)`)
    .text(`${t('matrix.queries')} →`);
  const all = d3.range(labels.length);
  const links = strongestLinks((q, k) => weights[q]?.[k] ?? 0, all, all, (i) => tokenName(ins, i)).join(', ') || t('a11y.none');
  describeFigure(svg, fill(t('a11y.matrix'), { layer: l, head: h, links }));
}
