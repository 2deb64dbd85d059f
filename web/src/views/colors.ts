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
  const top = max > 0 ? max : 1;
  return tabulated(d3.scaleSequential(d3.interpolateBlues).domain([0, top]).clamp(true), 0, top);
}

/** Signed values: blue below zero, white at zero, red above, clamped at ±limit. */
export function divergingScale(limit: number): (value: number) => string {
  return tabulated(d3.scaleDiverging(d3.interpolateRdBu).domain([limit, 0, -limit]).clamp(true), -limit, limit);
}

/** Steps a colour scale is tabulated at: finer than a screen's 8-bit channels tell apart. */
const STEPS = 1024;

/** `scale` on [lo, hi] (clamped outside) as a lookup table: a heatmap colours tens of thousands
 * of cells per view, and interpolating a scheme for each took longer than the model. The same
 * value always gets the same string object, so callers may cache per string. */
function tabulated(scale: (value: number) => string, lo: number, hi: number): (value: number) => string {
  const span = hi - lo || 1;
  const table = Array.from({ length: STEPS + 1 }, (_, i) => scale(lo + (span * i) / STEPS));
  return (value) => {
    const t = (value - lo) / span;
    return table[t > 0 ? (t < 1 ? Math.round(t * STEPS) : STEPS) : 0];
  };
}
