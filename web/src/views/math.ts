// Vector arithmetic for the hidden-state views.

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

export function norm(a: ArrayLike<number>): number {
  return Math.sqrt(dot(a, a));
}

/** Cosine similarity; 0 when a vector is all zeros, where the angle is undefined. */
export function cosine(a: number[], b: number[]): number {
  const lengths = norm(a) * norm(b);
  return lengths === 0 ? 0 : dot(a, b) / lengths;
}

/** Every pair's cosine. Normalises each vector once rather than once per pair (512² pairs). */
export function cosineMatrix(vectors: number[][]): number[][] {
  const units = vectors.map((v) => {
    const length = norm(v);
    return Float64Array.from(v, (x) => (length === 0 ? 0 : x / length));
  });
  const m = units.map(() => new Array<number>(units.length).fill(0));
  for (let i = 0; i < units.length; i++) {
    for (let j = i; j < units.length; j++) m[i][j] = m[j][i] = dot(units[i], units[j]);
  }
  return m;
}

/**
 * The q-quantile of |x|. Colour scales clip there rather than at the maximum, because BERT's
 * hidden states have a few outlier dimensions that would wash every other cell out to white.
 * Returns 1 for all-zero input so a scale never gets an empty domain.
 */
export function robustMaxAbs(values: number[], q = 0.99): number {
  const abs = Float64Array.from(values, (x) => Math.abs(x)).sort();
  return abs[Math.floor(q * (abs.length - 1))] || 1;
}

/** A layer/head/token index the caller chose, clamped to what this inspection has (a stale
 * choice after switching to a smaller model must not break the page). */
export function clampIndex(i: number, count: number): number {
  return Number.isFinite(i) ? Math.max(0, Math.min(count - 1, Math.trunc(i))) : 0;
}
