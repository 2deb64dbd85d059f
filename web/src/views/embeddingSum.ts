// Embedding sum of one token: word + position + segment embeddings, then LayerNorm gives
// hidden_states[0] — the input of the first encoder layer.

import type { Inspection } from '../types';
import { divergingScale } from './colors';
import { appendViewSvg, describeFigure } from './figure';
import { drawHeatmapFigure, fitCell } from './heatmap';
import { clampIndex, robustMaxAbs } from './math';
import { fill, type Translate } from './strings';
import { plainLabels } from './tokenLabels';
import { createTooltip } from './tooltip';

const DIM_TARGET = 720;
const STRIP_HEIGHT = 18;
/** Room for the caption line above the strips. */
const ORIGIN: [number, number] = [0, 28];
/** Rows before the LayerNorm share one scale, so the sum visibly adds its three parts. */
const INPUT_ROWS = 4;

export function drawEmbeddingSum(root: HTMLElement, ins: Inspection, token: number, t: Translate): void {
  root.replaceChildren();
  const tooltip = createTooltip(root);
  const i = clampIndex(token, ins.tokens.length);
  const { word, position, token_type } = ins.embeddings;
  const parts = [word[i] ?? [], position[i] ?? [], token_type[i] ?? []];
  const sum = parts[0].map((_, d) => parts[0][d] + (parts[1][d] ?? 0) + (parts[2][d] ?? 0));
  const normed = ins.hidden_states[0]?.[i] ?? [];
  const rows = [...parts, sum, normed];
  const rowLabels = plainLabels([
    t('emb.word'),
    `+ ${t('emb.position')}`,
    `+ ${t('emb.segment')}`,
    `= ${t('emb.sum')}`,
    `LayerNorm → ${t('emb.output')}`,
  ]);
  const inputLimit = robustMaxAbs(rows.slice(0, INPUT_ROWS).flat());
  const outputLimit = robustMaxAbs(normed);
  const inputColor = divergingScale(inputLimit);
  const outputColor = divergingScale(outputLimit);
  const segment = ins.token_type_ids[i] ?? 0;

  const svg = appendViewSvg(root, 'embedding-sum');
  drawHeatmapFigure(svg, {
    values: rows,
    color: (value, row) => (row < INPUT_ROWS ? inputColor : outputColor)(value),
    cellWidth: fitCell(normed.length, DIM_TARGET, 1, 12),
    cellHeight: STRIP_HEIGHT,
    rowLabels,
    columns: { axisTitle: t('emb.dimension') },
    describe: (row, d, value) => `${rowLabels[row].text} · ${t('emb.dim')} ${d}: ${value.toFixed(4)}`,
    tooltip,
  }, [
    { color: inputColor, domain: [-inputLimit, inputLimit], title: t('emb.inputLegend') },
    { color: outputColor, domain: [-outputLimit, outputLimit], title: t('emb.outputLegend') },
  ], ORIGIN);
  svg.append('text').attr('class', 'view-title').attr('y', 14).text([
    `${t('emb.token')} “${ins.tokens[i] ?? ''}”`,
    `${t('emb.id')} ${ins.input_ids[i] ?? ''}`,
    `${t('emb.position')} ${i}`,
    `${t('emb.segment')} ${segment} (${segment === 1 ? 'B' : 'A'})`,
  ].join(' · '));
  describeFigure(svg, fill(t('a11y.embSum'), {
    token: ins.tokens[i] ?? '', position: i, segment: segment === 1 ? 'B' : 'A', dims: normed.length,
  }));
}
