// Text alternatives of the figures: what a chart shows, in words, for readers who cannot see
// it. Figures carry them as their aria-label (figure.ts, describeFigure).

/** The `k` largest `weight(row, column)` over the given rows and columns, strongest first, as
 * "from → to (weight)": what an attention pattern is mostly about. */
export function strongestLinks(
  weight: (row: number, column: number) => number, rows: number[], columns: number[], name: (i: number) => string, k = 3,
): string[] {
  const top: { r: number; c: number; w: number }[] = [];
  for (const r of rows) {
    for (const c of columns) {
      const w = weight(r, c);
      if (top.length === k && w <= top[k - 1].w) continue;
      top.push({ r, c, w });
      top.sort((a, b) => b.w - a.w);
      if (top.length > k) top.pop();
    }
  }
  return top.map((l) => `${name(l.r)} → ${name(l.c)} (${l.w.toFixed(2)})`);
}
