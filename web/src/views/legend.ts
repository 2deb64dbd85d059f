// Colour legends: a gradient bar with a title and a few ticks.

import * as d3 from 'd3';
import { textWidth, type Group } from './figure';

export interface LegendSpec {
  color: (value: number) => string;
  domain: [number, number];
  title: string;
}

const BAR_WIDTH = 160;
const BAR_HEIGHT = 10;
const TITLE_FONT = 11;
const SPACING = 28;
const HEIGHT = 46;
const STOPS = 10;

/** Gradient ids must be unique in the page, which may hold several views at once. */
let gradients = 0;

/** Legends side by side; returns the block's size for the caller's layout. */
export function drawLegends(g: Group, legends: LegendSpec[]): { width: number; height: number } {
  let x = 0;
  for (const spec of legends) {
    drawLegend(g.append('g').attr('transform', `translate(${x},0)`), spec);
    x += Math.max(BAR_WIDTH, textWidth(spec.title, TITLE_FONT)) + SPACING;
  }
  return { width: Math.max(0, x - SPACING), height: legends.length > 0 ? HEIGHT : 0 };
}

function drawLegend(g: Group, { color, domain: [lo, hi], title }: LegendSpec): void {
  const id = `view-legend-${++gradients}`;
  const gradient = g.append('defs').append('linearGradient').attr('id', id);
  for (let i = 0; i <= STOPS; i++) {
    gradient.append('stop').attr('offset', `${(100 * i) / STOPS}%`).attr('stop-color', color(lo + ((hi - lo) * i) / STOPS));
  }
  g.append('text').attr('class', 'legend-title').attr('y', TITLE_FONT).attr('font-size', TITLE_FONT).text(title);
  g.append('rect').attr('y', 16).attr('width', BAR_WIDTH).attr('height', BAR_HEIGHT).attr('fill', `url(#${id})`);
  const x = d3.scaleLinear().domain([lo, hi]).range([0, BAR_WIDTH]);
  g.append('g')
    .attr('transform', `translate(0,${16 + BAR_HEIGHT})`)
    .call(d3.axisBottom(x).ticks(4).tickSize(4).tickFormat(d3.format('.2~f')));
}
