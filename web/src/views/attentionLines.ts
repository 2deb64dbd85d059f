// Attention drawn as lines between two columns of tokens (head view and its thumbnails).

import type { Group } from './figure';

export interface LinkGeometry {
  x1: number;
  x2: number;
  /** y of the a-th entry of `from` and of the b-th entry of `to`. */
  yFrom: (a: number) => number;
  yTo: (b: number) => number;
}

export interface LinkStyle {
  color: string;
  /** Lighter lines are skipped; below 0.01 they are invisible anyway. */
  minWeight: number;
  maxStroke: number;
}

/** Weights are rounded to 1/LEVELS; each level is one <path>. */
const LEVELS = 50;

/**
 * Draws weights[from[a]][to[b]] as lines from (x1, yFrom(a)) to (x2, yTo(b)) whose opacity and
 * width grow with the weight. Lines of one rounded weight share a <path>, so a 512-token head
 * costs at most 50 DOM nodes instead of up to 262k <line>s.
 */
export function drawAttention(
  g: Group, weights: number[][], from: number[], to: number[], geometry: LinkGeometry, style: LinkStyle,
): void {
  const { x1, x2, yFrom, yTo } = geometry;
  const levels = new Map<number, string[]>();
  from.forEach((query, a) => {
    const row = weights[query] ?? [];
    to.forEach((key, b) => {
      const weight = row[key] ?? 0;
      const level = Math.round(weight * LEVELS);
      if (weight < style.minWeight || level === 0) return;
      const segment = `M${x1},${yFrom(a).toFixed(1)}L${x2},${yTo(b).toFixed(1)}`;
      const paths = levels.get(level);
      if (paths) paths.push(segment);
      else levels.set(level, [segment]);
    });
  });
  for (const [level, segments] of levels) {
    const share = level / LEVELS;
    g.append('path')
      .attr('class', 'attention-link')
      .attr('d', segments.join(''))
      .attr('fill', 'none')
      .attr('stroke', style.color)
      .attr('stroke-opacity', share)
      .attr('stroke-width', 0.5 + (style.maxStroke - 0.5) * share);
  }
}
