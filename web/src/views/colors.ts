// Colours shared across views, so a head or a sign looks the same everywhere.

import * as d3 from 'd3';

/** One colour per attention head (head and model views agree); cycles after ten heads. */
export function headColor(head: number): string {
  return d3.schemeCategory10[head % d3.schemeCategory10.length];
}

/** Sentence A and B (segment 0 and 1). */
export function segmentColor(segment: number): string {
  return segment === 1 ? '#e15759' : '#4e79a7';
}

/** Attention weights (≥ 0), up to the matrix's own maximum so that diffuse heads still show a
 * pattern; the legend gives the range. */
export function attentionScale(max: number): (value: number) => string {
  return d3.scaleSequential(d3.interpolateBlues).domain([0, max > 0 ? max : 1]);
}

/** Signed values: blue below zero, white at zero, red above, clamped at ±limit. */
export function divergingScale(limit: number): (value: number) => string {
  return d3.scaleDiverging(d3.interpolateRdBu).domain([limit, 0, -limit]).clamp(true);
}
