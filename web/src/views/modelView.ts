// Model view: every layer (rows) × head (columns) as a thumbnail head view; a click picks one.

import * as d3 from 'd3';
import type { Inspection } from '../types';
import { drawAttention } from './attentionLines';
import { headColor } from './colors';
import { appendCaption, appendViewSvg, asButton, describeFigure, fitSvg, textWidth } from './figure';
import { fill, type Translate } from './strings';

const THUMB_WIDTH = 56;
const GAP = 8;
const PAD = 4;
const HEADER_FONT = 11;
const TOP = 22;
/** Thumbnails are small: fainter lines would not show, and skipping them keeps 72 heads fast. */
const MIN_WEIGHT = 0.05;

export function drawModelView(
  root: HTMLElement, ins: Inspection, onPick: (layer: number, head: number) => void, t: Translate,
): void {
  root.replaceChildren();
  const n = ins.tokens.length;
  const layers = ins.attentions;
  const headCount = layers[0]?.length ?? 0;
  const thumbHeight = Math.min(96, Math.max(48, 2 * n));
  const y = (pos: number) => PAD + ((pos + 0.5) * (thumbHeight - 2 * PAD)) / Math.max(1, n);
  const tokens = d3.range(n);
  const layerName = (l: number) => `${t('model.layerAbbr')}${l}`;
  const headName = (h: number) => `${t('model.headAbbr')}${h}`;
  const left = textWidth(layerName(layers.length), HEADER_FONT) + GAP;
  const x = (h: number) => left + h * (THUMB_WIDTH + GAP);
  const rowY = (l: number) => TOP + l * (thumbHeight + GAP);

  appendCaption(root, t('model.hint'));
  const svg = appendViewSvg(root, 'model');
  fitSvg(svg, x(headCount), rowY(layers.length));
  describeFigure(svg, fill(t('a11y.model'), { layers: layers.length, heads: headCount }), 'group');
  svg.append('g').selectAll('text').data(d3.range(headCount)).join('text')
    .attr('class', 'axis-label')
    .attr('x', (h) => x(h) + THUMB_WIDTH / 2)
    .attr('y', TOP - 8)
    .attr('text-anchor', 'middle')
    .attr('font-size', HEADER_FONT)
    .text(headName);
  svg.append('g').selectAll('text').data(d3.range(layers.length)).join('text')
    .attr('class', 'axis-label')
    .attr('x', left - GAP)
    .attr('y', (l) => rowY(l) + thumbHeight / 2)
    .attr('text-anchor', 'end')
    .attr('dominant-baseline', 'central')
    .attr('font-size', HEADER_FONT)
    .text(layerName);

  layers.forEach((heads, l) => heads.forEach((weights, h) => {
    const thumb = svg.append('g').attr('class', 'thumb').attr('transform', `translate(${x(h)},${rowY(l)})`);
    drawAttention(thumb, weights, tokens, tokens, { x1: PAD, x2: THUMB_WIDTH - PAD, yFrom: y, yTo: y },
      { color: headColor(h), minWeight: MIN_WEIGHT, maxStroke: 1.5 });
    const name = `${layerName(l)} ${headName(h)}`;
    const hit = thumb.append('rect')
      .attr('class', 'thumb-hit')
      .attr('data-testid', `thumb-${l}-${h}`)
      .attr('aria-label', name)
      .attr('width', THUMB_WIDTH)
      .attr('height', thumbHeight);
    hit.append('title').text(name);
    asButton(hit, () => onPick(l, h));
  }));
}
