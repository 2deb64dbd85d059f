// Head view: two columns of tokens, queries (left) attending to keys (right), one colour per
// head; toggle heads, hover a token to see only its lines and the weights.

import * as d3 from 'd3';
import type { Inspection } from '../types';
import { drawAttention, type LinkGeometry } from './attentionLines';
import { headColor } from './colors';
import { strongestLinks } from './describe';
import { appendCaption, appendViewSvg, asButton, describeFigure, fitSvg, textWidth } from './figure';
import { clampIndex } from './math';
import { roving } from './roving';
import { fill, type Translate } from './strings';
import { isSentencePair, tokenClass, tokenLabels, tokenName } from './tokenLabels';

export interface HeadViewOptions {
  layer: number;
  /** Which heads are shown; a missing entry counts as shown. Never mutated. */
  heads: boolean[];
  /** For sentence pairs: every line, only sentence A → B, or only B → A. */
  filter: 'all' | 'ab' | 'ba';
  /** After a toggle; the view has already updated itself. */
  onHeadsChange?: (heads: boolean[]) => void;
}

type Side = 'left' | 'right';

/** A token row: its index in the inspection and its position in its column. */
interface Row {
  index: number;
  pos: number;
}

const LINK_WIDTH = 220;
const PAD = 6;
const TOGGLE_SIZE = 14;
const TOGGLE_GAP = 4;
const MIN_WEIGHT = 0.01;
const MAX_STROKE = 3;
const TOGGLES_Y = 24;
const STATUS_Y = TOGGLES_Y + TOGGLE_SIZE + 18;
const STATUS_FONT = 11;
const HEADER_Y = STATUS_Y + 22;
const HEADER_FONT = 11;
const TOP = HEADER_Y + 10;
const formatWeight = d3.format('.3f');

/** Readable rows for short inputs; 512 tokens still fit a scrollable page. */
function rowHeight(rows: number): number {
  return rows <= 32 ? 20 : rows <= 128 ? 12 : 8;
}

/** Token indices of the left (query) and right (key) columns under the pair filter. */
function columns(ins: Inspection, filter: HeadViewOptions['filter']): [number[], number[]] {
  const all = d3.range(ins.tokens.length);
  if (filter === 'all' || !isSentencePair(ins)) return [all, all];
  const a = all.filter((i) => ins.token_type_ids[i] !== 1);
  const b = all.filter((i) => ins.token_type_ids[i] === 1);
  return filter === 'ab' ? [a, b] : [b, a];
}

export function drawHeadView(root: HTMLElement, ins: Inspection, opts: HeadViewOptions, t: Translate): void {
  root.replaceChildren();
  const layer = clampIndex(opts.layer, ins.attentions.length);
  const attention = ins.attentions[layer] ?? [];
  let heads = attention.map((_, h) => opts.heads[h] ?? true);
  const filtered = opts.filter !== 'all' && isSentencePair(ins);
  const [left, right] = columns(ins, opts.filter);
  const labels = tokenLabels(ins);

  const rowCount = Math.max(left.length, right.length);
  const rowH = rowHeight(rowCount);
  const font = Math.min(13, rowH - 1);
  const labelW = d3.max(labels, (l) => textWidth(l.text, font)) ?? 0;
  const weightW = textWidth(formatWeight(0), font) + PAD;
  const [leftName, rightName] = opts.filter === 'ab' ? ['head.sentenceA', 'head.sentenceB'] : ['head.sentenceB', 'head.sentenceA'];
  const leftHeader = filtered ? `${t('head.from')} · ${t(leftName)}` : t('head.from');
  const rightHeader = filtered ? `${t('head.to')} · ${t(rightName)}` : t('head.to');
  // Hover target of a token: its weight, its label and the gap to the lines; wide enough for the
  // column's header too.
  const hitW = Math.max(weightW + labelW, textWidth(leftHeader, HEADER_FONT), textWidth(rightHeader, HEADER_FONT)) + 1.5 * PAD;
  const x1 = hitW + PAD / 2;
  const x2 = x1 + LINK_WIDTH;
  const y = (pos: number) => TOP + (pos + 0.5) * rowH;
  const statusTexts = [
    fill(t('head.shown'), { heads: d3.range(attention.length).join(', ') }),
    fill(t('head.weightsMean'), { count: attention.length }),
    t('head.noHeads'),
  ];
  const width = Math.max(
    x2 + PAD / 2 + hitW,
    attention.length * (TOGGLE_SIZE + TOGGLE_GAP),
    d3.max(statusTexts, (text) => textWidth(text, STATUS_FONT)) ?? 0,
  );

  appendCaption(root, t('head.hint'));
  const svg = appendViewSvg(root, 'head').classed('head-view', true);
  fitSvg(svg, width, TOP + rowCount * rowH + PAD);
  svg.append('text').attr('class', 'view-title').attr('y', 14).text(`${t('head.layer')} ${layer}`);
  // Which heads are shown, or while a token is hovered, what the weights beside the tokens are.
  const status = svg.append('text').attr('class', 'view-hint').attr('y', STATUS_Y).attr('font-size', STATUS_FONT);
  const shownHeads = () => d3.range(attention.length).filter((h) => heads[h]);
  const showHeadsStatus = () => {
    const shown = shownHeads();
    status.text(shown.length === 0 ? t('head.noHeads') : fill(t('head.shown'), { heads: shown.join(', ') }));
  };
  svg.append('text').attr('class', 'column-header').attr('x', x1 - PAD).attr('y', HEADER_Y)
    .attr('text-anchor', 'end').attr('font-size', HEADER_FONT).text(leftHeader);
  svg.append('text').attr('class', 'column-header').attr('x', x2 + PAD).attr('y', HEADER_Y)
    .attr('font-size', HEADER_FONT).text(rightHeader);

  // Every shown head's lines; hidden while a token is hovered and the focus layer takes over.
  const geometry: LinkGeometry = { x1, x2, yFrom: y, yTo: y };
  const linkStyle = (h: number) => ({ color: headColor(h), minWeight: MIN_WEIGHT, maxStroke: MAX_STROKE });
  const allLinks = svg.append('g').attr('class', 'all-links');
  const headGroups = attention.map((weights, h) => {
    const g = allLinks.append('g').attr('data-head', h);
    drawAttention(g, weights, left, right, geometry, linkStyle(h));
    return g;
  });
  const focusLinks = svg.append('g').attr('class', 'focus-links');

  const toggles = svg.append('g').attr('transform', `translate(0,${TOGGLES_Y})`)
    .selectAll<SVGRectElement, number>('rect').data(d3.range(attention.length)).join('rect')
    .attr('class', 'head-toggle')
    .attr('data-testid', (h) => `head-toggle-${h}`)
    .attr('x', (h) => h * (TOGGLE_SIZE + TOGGLE_GAP))
    .attr('width', TOGGLE_SIZE)
    .attr('height', TOGGLE_SIZE)
    .attr('stroke', headColor);
  toggles.append('title').text((h) => `${t('head.head')} ${h}: ${t('head.toggleHelp')}`);
  const paint = () => {
    toggles.attr('fill', (h) => (heads[h] ? headColor(h) : 'white')).attr('aria-pressed', (h) => String(heads[h]));
    headGroups.forEach((g, h) => g.attr('display', heads[h] ? null : 'none'));
    showHeadsStatus();
  };
  asButton(toggles, (h, double) => {
    heads = double ? heads.map((_, k) => k === h) : heads.map((on, k) => (k === h ? !on : on));
    paint();
    opts.onHeadsChange?.([...heads]);
  });
  paint();

  // Each column is a list of tokens for the keyboard too: focusing one does what hovering does.
  const column = (side: Side, indices: number[]) => {
    const rows = svg.append('g').attr('class', `token-column ${side}`)
      .attr('role', 'listbox')
      .attr('aria-label', side === 'left' ? leftHeader : rightHeader)
      .selectAll<SVGGElement, Row>('g').data(indices.map((index, pos): Row => ({ index, pos }))).join('g')
      .attr('class', 'token-row')
      .attr('role', 'option')
      .attr('aria-selected', 'false')
      .attr('transform', (d) => `translate(0,${y(d.pos)})`);
    roving(rows.nodes(), { current: 0, keys: ['ArrowUp', 'ArrowDown'] });
    rows.append('rect')
      .attr('class', 'token-hit')
      .attr('x', side === 'left' ? 0 : x2 + PAD / 2)
      .attr('y', -rowH / 2)
      .attr('width', hitW)
      .attr('height', rowH);
    rows.append('text')
      .attr('class', (d) => `token-label ${tokenClass(labels[d.index])}`)
      .attr('x', side === 'left' ? x1 - PAD : x2 + PAD)
      .attr('text-anchor', side === 'left' ? 'end' : 'start')
      .attr('dominant-baseline', 'central')
      .attr('font-size', font)
      .text((d) => labels[d.index].text);
    rows.append('text')
      .attr('class', 'token-weight')
      .attr('x', side === 'left' ? PAD / 2 : x2 + hitW)
      .attr('text-anchor', side === 'left' ? 'start' : 'end')
      .attr('dominant-baseline', 'central')
      .attr('font-size', font);
    return rows;
  };
  const leftRows = column('left', left);
  const rightRows = column('right', right);

  /** Only this token's lines, for the shown heads, and the weights beside the other column
   * (the mean over the shown heads when there are several). */
  const focus = (side: Side, row: Row) => {
    const shown = shownHeads();
    const [from, to] = side === 'left' ? [[row.index], right] : [left, [row.index]];
    const at = () => y(row.pos);
    const focusGeometry = side === 'left' ? { ...geometry, yFrom: at } : { ...geometry, yTo: at };
    svg.classed('focused', true);
    focusLinks.selectAll('*').remove();
    for (const h of shown) drawAttention(focusLinks, attention[h], from, to, focusGeometry, linkStyle(h));
    const weight = (other: Row) => d3.mean(shown, (h) =>
      side === 'left' ? attention[h][row.index][other.index] : attention[h][other.index][row.index]);
    (side === 'left' ? rightRows : leftRows).select('.token-weight').text((d) => {
      const w = weight(d);
      return w === undefined ? '' : formatWeight(w);
    });
    (side === 'left' ? leftRows : rightRows).classed('active', (d) => d === row).attr('aria-selected', (d) => String(d === row));
    status.text(
      shown.length === 0 ? t('head.noHeads')
        : shown.length === 1 ? fill(t('head.weightsOne'), { head: shown[0] })
          : fill(t('head.weightsMean'), { count: shown.length }),
    );
  };
  const unfocus = () => {
    svg.classed('focused', false);
    focusLinks.selectAll('*').remove();
    svg.selectAll('.token-weight').text('');
    svg.selectAll('.token-row').classed('active', false).attr('aria-selected', 'false');
    showHeadsStatus();
  };
  leftRows.on('pointerenter', (_, d) => focus('left', d)).on('pointerleave', unfocus);
  rightRows.on('pointerenter', (_, d) => focus('right', d)).on('pointerleave', unfocus);
  leftRows.on('focus', (_, d) => focus('left', d)).on('blur', unfocus);
  rightRows.on('focus', (_, d) => focus('right', d)).on('blur', unfocus);

  // In words: the strongest links of the shown heads' mean attention.
  const shown = shownHeads();
  const mean = (q: number, k: number) => shown.reduce((sum, h) => sum + attention[h][q][k], 0) / shown.length;
  const links = (shown.length ? strongestLinks(mean, left, right, (i) => tokenName(ins, i)).join(', ') : '') || t('a11y.none');
  describeFigure(svg, fill(t('a11y.head'), { layer, heads: shown.join(', ') || t('a11y.none'), links }), 'group');
}
