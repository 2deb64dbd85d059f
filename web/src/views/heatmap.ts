// The heatmap every matrix-shaped view draws: attention, token vectors, cosine similarity,
// embedding strips. Cells, labels, hover read-out, and the legends underneath.

import * as d3 from 'd3';
import { fitSvg, textWidth, type Group, type Svg } from './figure';
import { drawLegends, type LegendSpec } from './legend';
import { tokenClass, type Label } from './tokenLabels';
import type { Tooltip } from './tooltip';

export interface HeatmapSpec {
  /** [row][column], all rows the same length. */
  values: number[][];
  /** A cell's colour; gets the row so strips of different kinds can use their own scales. */
  color: (value: number, row: number) => string;
  cellWidth: number;
  cellHeight: number;
  rowLabels: Label[];
  /** Token labels (above, rotated), or the title of a numeric axis (below) for vector dimensions. */
  columns: Label[] | { axisTitle: string };
  /** Tooltip text for the hovered cell. */
  describe: (row: number, column: number, value: number) => string;
  tooltip: Tooltip;
}

export interface HeatmapLayout {
  width: number;
  height: number;
  /** Where the cells start inside the figure, for titles placed around them. */
  cellsX: number;
  cellsY: number;
}

const GAP = 4;
/** Labels closer together than this overlap, so dense axes label every k-th row or column. */
const MIN_LABEL_PITCH = 9;
const MAX_FONT = 12;
const AXIS_HEIGHT = 36;
const LEGEND_GAP = 14;

/** Cell size that spreads `count` cells over about `targetPx`, within [min, max]. */
export function fitCell(count: number, targetPx: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, Math.floor(targetPx / Math.max(1, count))));
}

/**
 * A heatmap at `origin` with its legends underneath; sizes the svg to fit. Returns the layout
 * relative to the svg.
 */
export function drawHeatmapFigure(
  svg: Svg, spec: HeatmapSpec, legends: LegendSpec[], origin: [number, number] = [0, 0],
): HeatmapLayout {
  const [ox, oy] = origin;
  const layout = drawHeatmap(svg.append('g').attr('transform', `translate(${ox},${oy})`), spec);
  const legendY = oy + layout.height + LEGEND_GAP;
  const legend = drawLegends(svg.append('g').attr('transform', `translate(${ox + layout.cellsX},${legendY})`), legends);
  fitSvg(svg, ox + Math.max(layout.width, layout.cellsX + legend.width), legendY + legend.height);
  return { ...layout, cellsX: ox + layout.cellsX, cellsY: oy + layout.cellsY };
}

function drawHeatmap(g: Group, spec: HeatmapSpec): HeatmapLayout {
  const { values, cellWidth: cw, cellHeight: ch, rowLabels, columns } = spec;
  const rows = values.length;
  const cols = values[0]?.length ?? 0;
  const rowAxis = labelAxis(rowLabels, ch);
  const colAxis = Array.isArray(columns) ? labelAxis(columns, cw) : null;
  const axisTitle = Array.isArray(columns) ? null : columns.axisTitle;
  const left = rowAxis.extent + GAP;
  const top = colAxis ? colAxis.extent + GAP : 0;
  const cells = g.append('g').attr('transform', `translate(${left},${top})`);

  const canvas = cellCanvas(values, spec.color);
  if (canvas) {
    canvas.style.width = `${cols * cw}px`;
    canvas.style.height = `${rows * ch}px`;
    canvas.style.imageRendering = 'pixelated';
    canvas.style.display = 'block';
    cells.append('foreignObject')
      .attr('width', cols * cw)
      .attr('height', rows * ch)
      .node()!
      .append(canvas);
  }

  g.append('g').selectAll('text').data(rowAxis.shown).join('text')
    .attr('class', (i) => tokenClass(rowAxis.labels[i]))
    .attr('x', left - GAP)
    .attr('y', (i) => top + (i + 0.5) * ch)
    .attr('text-anchor', 'end')
    .attr('dominant-baseline', 'central')
    .attr('font-size', rowAxis.font)
    .text((i) => rowAxis.labels[i].text);

  if (colAxis) {
    g.append('g').selectAll('text').data(colAxis.shown).join('text')
      .attr('class', (j) => tokenClass(colAxis.labels[j]))
      .attr('transform', (j) => `translate(${left + (j + 0.5) * cw},${top - GAP}) rotate(-90)`)
      .attr('dominant-baseline', 'central')
      .attr('font-size', colAxis.font)
      .text((j) => colAxis.labels[j].text);
  }
  if (axisTitle !== null) {
    const x = d3.scaleLinear().domain([0, cols]).range([0, cols * cw]);
    cells.append('g')
      .attr('transform', `translate(0,${rows * ch})`)
      .call(d3.axisBottom(x).tickValues(x.ticks(6).filter(Number.isInteger)).tickFormat(d3.format('d')));
    cells.append('text')
      .attr('class', 'axis-title')
      .attr('x', (cols * cw) / 2)
      .attr('y', rows * ch + AXIS_HEIGHT - 6)
      .attr('text-anchor', 'middle')
      .text(axisTitle);
  }

  addHover(cells, spec, rows, cols);
  const bottom = axisTitle === null ? 0 : AXIS_HEIGHT;
  // The numeric axis's last tick label reaches a little past the cells.
  const right = axisTitle === null ? 0 : 12;
  return { width: left + cols * cw + right, height: top + rows * ch + bottom, cellsX: left, cellsY: top };
}

/** Which labels fit at this pitch, their font size, and how far the longest reaches. */
function labelAxis(labels: Label[], pitch: number): { labels: Label[]; shown: number[]; font: number; extent: number } {
  const step = Math.ceil(MIN_LABEL_PITCH / pitch);
  const font = Math.min(MAX_FONT, pitch * step - 1);
  const shown = d3.range(0, labels.length, step);
  return { labels, shown, font, extent: d3.max(shown, (i) => textWidth(labels[i].text, font)) ?? 0 };
}

/**
 * The cells as one bitmap, a pixel per cell, scaled up unsmoothed: a 512 × 768 hidden-state
 * matrix would otherwise be 393k <rect>s. A canvas, not an image with a data: URL: the page
 * keeps every URL it ever loaded, so a new one per drawing grew memory with every inspect
 * (export turns the canvas into an image, see exportImage.ts). Null when there is nothing to
 * draw or no 2D canvas.
 */
function cellCanvas(values: number[][], color: HeatmapSpec['color']): HTMLCanvasElement | null {
  const rows = values.length;
  const cols = values[0]?.length ?? 0;
  if (rows === 0 || cols === 0) return null;
  const canvas = document.createElement('canvas');
  canvas.width = cols;
  canvas.height = rows;
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  const image = ctx.createImageData(cols, rows);
  // Scales hand out a few thousand distinct colour strings; parse each once.
  const parsed = new Map<string, d3.RGBColor>();
  values.forEach((row, r) => {
    for (let c = 0; c < cols; c++) {
      const css = color(row[c], r);
      let rgb = parsed.get(css);
      if (!rgb) parsed.set(css, (rgb = d3.rgb(css)));
      const o = 4 * (r * cols + c);
      image.data[o] = rgb.r;
      image.data[o + 1] = rgb.g;
      image.data[o + 2] = rgb.b;
      image.data[o + 3] = 255;
    }
  });
  ctx.putImageData(image, 0, 0);
  return canvas;
}

/** Outlines the cell under the pointer and shows its value: one listener for all cells. */
function addHover(cells: Group, spec: HeatmapSpec, rows: number, cols: number): void {
  const { cellWidth: cw, cellHeight: ch, tooltip } = spec;
  const outline = cells.append('rect')
    .attr('class', 'heatmap-highlight')
    .attr('width', cw)
    .attr('height', ch)
    .attr('visibility', 'hidden');
  const leave = () => {
    outline.attr('visibility', 'hidden');
    tooltip.hide();
  };
  cells.append('rect')
    .attr('class', 'heatmap-hit')
    .attr('width', cols * cw)
    .attr('height', rows * ch)
    .on('pointermove', (event: PointerEvent) => {
      const [x, y] = d3.pointer(event);
      const c = Math.floor(x / cw);
      const r = Math.floor(y / ch);
      if (r < 0 || r >= rows || c < 0 || c >= cols) return leave();
      outline.attr('x', c * cw).attr('y', r * ch).attr('visibility', 'visible');
      tooltip.show(spec.describe(r, c, spec.values[r][c]), event);
    })
    .on('pointerleave', leave);
}
