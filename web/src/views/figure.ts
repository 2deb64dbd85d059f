// Scaffolding shared by every view: the one exportable <svg>, its size, text layout, buttons,
// and the HTML caption beside it.

import * as d3 from 'd3';

export type Svg = d3.Selection<SVGSVGElement, unknown, null, undefined>;
export type Group = d3.Selection<SVGGElement, unknown, null, undefined>;

/** Names browser tests and the export button look for in `data-view`. */
export type ViewName =
  | 'head' | 'model' | 'matrix' | 'hidden-heatmap' | 'cosine' | 'pca' | 'cls-pooler' | 'embedding-sum';

export function appendViewSvg(parent: HTMLElement, view: ViewName): Svg {
  return d3.select(parent).append('svg').attr('class', 'view-svg').attr('data-view', view);
}

/** Names a figure for screen readers with what it shows in words: `img` for a picture, `group`
 * for one holding controls (an img's content would be hidden from them). */
export function describeFigure(svg: Svg, text: string, role: 'img' | 'group' = 'img'): void {
  svg.attr('role', role).attr('aria-label', text);
}

/** Help text above a figure, in HTML so it wraps to the page (an svg would clip it) and stays
 * out of exported images. */
export function appendCaption(parent: HTMLElement, text: string, className = 'view-caption'): void {
  const p = document.createElement('p');
  p.className = className;
  p.textContent = text;
  parent.append(p);
}

/** Explicit width/height give exports their size; the viewBox lets CSS shrink the figure to fit. */
export function fitSvg(svg: Svg, width: number, height: number): void {
  const w = Math.ceil(width);
  const h = Math.ceil(height);
  svg.attr('width', w).attr('height', h).attr('viewBox', `0 0 ${w} ${h}`);
}

/**
 * Estimated text width (average glyph ≈ 0.6 em). Views lay out before they are visible — a
 * hidden tab measures every text as 0 — so they estimate instead of measuring.
 */
export function textWidth(text: string, fontSize: number): number {
  return text.length * fontSize * 0.6;
}

/** Makes SVG rects act as buttons: focusable, activated by click or Enter/Space. `double` is
 * true on the second click of a double-click (from the click count, so it still works when the
 * first click made the caller redraw and the second lands on a new element). */
export function asButton<D, P extends d3.BaseType, PD>(
  selection: d3.Selection<SVGRectElement, D, P, PD>,
  activate: (datum: D, double: boolean) => void,
): void {
  selection
    .attr('tabindex', 0)
    .attr('role', 'button')
    .on('click', (event: MouseEvent, d) => activate(d, event.detail >= 2))
    .on('keydown', (event: KeyboardEvent, d) => {
      if (event.key !== 'Enter' && event.key !== ' ') return;
      event.preventDefault();
      activate(d, false);
    });
}
