// Before and after training, side by side: every head's attention (the model view) for the same
// sentence, and the [CLS] and pooler vectors of the last layer as colour strips with their
// cosine similarity, so a student sees what fine-tuning changed and what it left alone.

import * as d3 from 'd3';
import type { Inspection } from '../types';
import { divergingScale } from './colors';
import { appendCaption, describeFigure, fitSvg } from './figure';
import { cosine, robustMaxAbs } from './math';
import { drawModelView } from './modelView';
import { fill, type Translate } from './strings';

const CELL = 3;
const STRIP_H = 14;

function strip(parent: HTMLElement, label: string, vectors: [number[], number[]], names: [string, string], t: Translate) {
  const limit = robustMaxAbs([...vectors[0], ...vectors[1]]);
  const color = divergingScale(limit);
  const width = 90 + CELL * vectors[0].length;
  const svg = d3.select(parent).append('svg').attr('class', 'compare-strip');
  fitSvg(svg, width, 2 * (STRIP_H + 4) + 18);
  const similarity = cosine(vectors[0], vectors[1]).toFixed(3);
  describeFigure(svg, fill(t('a11y.compare'), { name: label, cosine: similarity }));
  svg.append('text').attr('x', 0).attr('y', 12).attr('class', 'axis-label')
    .text(`${label}: cosine ${similarity}`);
  vectors.forEach((v, row) => {
    const g = svg.append('g').attr('transform', `translate(0,${18 + row * (STRIP_H + 4)})`);
    g.append('text').attr('x', 0).attr('y', STRIP_H - 3).attr('class', 'axis-label').text(names[row]);
    g.selectAll('rect').data(v).join('rect')
      .attr('x', (_, i) => 90 + i * CELL).attr('width', CELL).attr('height', STRIP_H).attr('fill', (x) => color(x));
  });
}

export function drawComparison(
  root: HTMLElement,
  pair: { before: Inspection; after: Inspection },
  names: { before: string; after: string; vectors: string },
  t: Translate,
): void {
  root.replaceChildren();
  const sides = document.createElement('div');
  sides.className = 'compare-sides';
  for (const [ins, name] of [[pair.before, names.before], [pair.after, names.after]] as const) {
    const side = document.createElement('div');
    side.dataset.testid = ins === pair.before ? 'compare-before' : 'compare-after';
    const h = document.createElement('h4');
    h.textContent = name;
    const view = document.createElement('div');
    side.append(h, view);
    sides.append(side);
    drawModelView(view, ins, () => {}, t);
  }
  root.append(sides);
  appendCaption(root, names.vectors);
  const last = (ins: Inspection) => ins.hidden_states[ins.hidden_states.length - 1][0];
  const rows: [string, string] = [t('train.rowBefore'), t('train.rowAfter')];
  strip(root, '[CLS]', [last(pair.before), last(pair.after)], rows, t);
  if (pair.before.pooler && pair.after.pooler) strip(root, 'pooler', [pair.before.pooler, pair.after.pooler], rows, t);
}
