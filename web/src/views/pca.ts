// Principal component analysis down to two dimensions, for the hidden-state scatter.

import { dot, norm } from './math';

/** Enough for hidden states, whose leading components stand well apart; data without a clear
 * leading direction gets an approximate one, which a scatter plot does not mind. */
const MAX_STEPS = 100;
const TOLERANCE = 1e-9;

/**
 * Each vector's coordinates on the top two principal components of the centred set
 * ([n][2]; zeros where there is no variance left, e.g. for a single token).
 */
export function pca2(vectors: number[][]): number[][] {
  const n = vectors.length;
  const d = vectors[0]?.length ?? 0;
  const mean = new Float64Array(d);
  for (const v of vectors) for (let k = 0; k < d; k++) mean[k] += v[k] / n;
  const centred = vectors.map((v) => Float64Array.from(v, (x, k) => x - mean[k]));
  const components: Float64Array[] = [];
  for (let c = 0; c < 2; c++) components.push(leadingComponent(centred, components));
  return centred.map((row) => components.map((pc) => dot(row, pc)));
}

/**
 * Power iteration for the covariance's leading eigenvector, deflated by the components already
 * found. The covariance is never built: Xᵀ(X·v) costs O(n·d) per step instead of d² memory
 * (768² for BERT-base), and the 1/n is dropped because only the direction matters. Deflating
 * by λ·u·uᵀ for an eigenvector u equals projecting u out of C·v, which is how it is done here.
 */
function leadingComponent(x: Float64Array[], found: Float64Array[]): Float64Array {
  const d = x[0]?.length ?? 0;
  // A fixed start keeps the result (and its sign) the same on every redraw.
  const start = Float64Array.from({ length: d }, (_, k) => Math.sin(k + 1));
  let v = start.map((y) => y / norm(start));
  for (let step = 0; step < MAX_STEPS; step++) {
    const next = new Float64Array(d);
    for (const row of x) {
      const score = dot(row, v);
      for (let k = 0; k < d; k++) next[k] += score * row[k];
    }
    const raw = norm(next);
    for (const u of found) {
      const overlap = dot(next, u);
      for (let k = 0; k < d; k++) next[k] -= overlap * u[k];
    }
    const length = norm(next);
    // Nothing but rounding error left in this direction: no further variance.
    if (length === 0 || length <= 1e-9 * raw) return new Float64Array(d);
    const unit = next.map((y) => y / length);
    const change = 1 - Math.abs(dot(unit, v));
    v = unit;
    if (change < TOLERANCE) break;
  }
  return v;
}
