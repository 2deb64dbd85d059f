// One vector as a strip of coloured cells (blue below zero, red above), for the learn mode's
// steps. Short vectors show their numbers in the cells; every cell carries its exact value,
// shown on hover, so nothing is rounded away.

import { divergingScale } from './colors';
import type { Tooltip } from './tooltip';

/** Vectors up to this long print their numbers in the cells. */
const PRINTED = 16;

export interface StripOptions {
  /** A label before the strip (e.g. "q", "[CLS]"). */
  label: string;
  /** Names the strip for the tests: `data-testid="strip-<name>"`. */
  name: string;
  /** Cells to outline (one head's slice of a concatenation). */
  outline?: [number, number];
  /** The colour scale's limit; by default the vector's own largest magnitude. */
  limit?: number;
  /** Makes the cells clickable (e.g. to change the weight a number comes from). */
  onCell?: (index: number) => void;
}

export function vectorStrip(values: ArrayLike<number>, tooltip: Tooltip, o: StripOptions): HTMLElement {
  const row = document.createElement('div');
  row.className = 'strip-row';
  const label = document.createElement('span');
  label.className = 'strip-label';
  label.textContent = o.label;
  const strip = document.createElement('div');
  strip.className = values.length <= PRINTED ? 'strip printed' : 'strip';
  strip.dataset.testid = `strip-${o.name}`;
  let limit = o.limit ?? 0;
  if (!o.limit) for (let i = 0; i < values.length; i++) limit = Math.max(limit, Math.abs(values[i]));
  const colour = divergingScale(limit || 1);
  const cells: HTMLElement[] = [];
  for (let i = 0; i < values.length; i++) {
    const cell = document.createElement('span');
    cell.style.background = colour(values[i]);
    cell.dataset.i = String(i);
    cell.dataset.v = String(values[i]);
    if (values.length <= PRINTED) {
      cell.textContent = values[i].toFixed(3);
      // Dark cells (the far ends of the scale) read better in white.
      if (Math.abs(values[i]) > 0.6 * (limit || 1)) cell.style.color = '#fff';
    }
    if (o.outline && i >= o.outline[0] && i < o.outline[1]) cell.classList.add('outlined');
    cells.push(cell);
  }
  strip.append(...cells);
  strip.onmousemove = (e) => {
    const cell = e.target as HTMLElement;
    if (cell.dataset.v === undefined) return;
    tooltip.show(`${o.label}[${cell.dataset.i}] = ${cell.dataset.v}`, e);
  };
  strip.onmouseleave = () => tooltip.hide();
  if (o.onCell) {
    const onCell = o.onCell;
    strip.classList.add('editable');
    strip.onclick = (e) => {
      const i = (e.target as HTMLElement).dataset.i;
      if (i !== undefined) onCell(Number(i));
    };
  }
  const size = document.createElement('span');
  size.className = 'strip-size';
  size.textContent = `[${values.length}]`;
  row.append(label, strip, size);
  return row;
}
