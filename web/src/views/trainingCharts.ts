// Small line charts for a training run: the loss of every step (with a running mean), the
// learning-rate schedule drawn ahead of time with the current step marked, and validation
// scores per epoch.

import * as d3 from 'd3';
import { describeFigure, fitSvg } from './figure';
import { fill, type Translate } from './strings';

const W = 360;
const H = 180;
const M = { top: 10, right: 12, bottom: 30, left: 52 };

interface Series { points: [number, number][]; className: string }

interface ChartOptions {
  /** What the chart shows, in words (its text alternative). */
  label: string;
  xLabel: string;
  xMax: number;
  yDomain?: [number, number];
  /** A vertical line at this x (the current step). */
  marker?: number;
  /** Draw each point as a dot too (few points, e.g. epochs). */
  dots?: boolean;
  yFormat?: (v: number) => string;
}

function chart(el: HTMLElement, series: Series[], o: ChartOptions) {
  el.replaceChildren();
  const svg = d3.select(el).append('svg').attr('class', 'train-chart');
  fitSvg(svg, W, H);
  describeFigure(svg, o.label);
  const all = series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite);
  const [lo, hi] = o.yDomain ?? [Math.min(0, d3.min(all) ?? 0), d3.max(all) ?? 1];
  const x = d3.scaleLinear().domain([0, Math.max(o.xMax, 1)]).range([M.left, W - M.right]);
  const y = d3.scaleLinear().domain([lo, hi > lo ? hi : lo + 1]).nice().range([H - M.bottom, M.top]);
  svg.append('g').attr('transform', `translate(0,${H - M.bottom})`).call(d3.axisBottom(x).ticks(5, 'd'));
  const yAxis = d3.axisLeft(y).ticks(5);
  if (o.yFormat) yAxis.tickFormat((v) => o.yFormat!(Number(v)));
  svg.append('g').attr('transform', `translate(${M.left},0)`).call(yAxis);
  svg.append('text').attr('x', (M.left + W - M.right) / 2).attr('y', H - 2).attr('text-anchor', 'middle').attr('class', 'axis-label').text(o.xLabel);
  const line = d3.line<[number, number]>().x((p) => x(p[0])).y((p) => y(p[1])).defined((p) => Number.isFinite(p[1]));
  for (const s of series) {
    svg.append('path').attr('class', s.className).attr('fill', 'none').attr('d', line(s.points) ?? '');
    if (o.dots) {
      svg.append('g').attr('class', s.className).selectAll('circle').data(s.points).join('circle')
        .attr('cx', (p) => x(p[0])).attr('cy', (p) => y(p[1])).attr('r', 3);
    }
  }
  if (o.marker !== undefined) {
    svg.append('line').attr('class', 'chart-marker').attr('x1', x(o.marker)).attr('x2', x(o.marker)).attr('y1', M.top).attr('y2', H - M.bottom);
  }
}

/** Mean of the last `n` values at each point: the trend under noisy per-batch losses. */
function runningMean(points: [number, number][], n: number): [number, number][] {
  let sum = 0;
  return points.map((p, i) => {
    sum += p[1];
    if (i >= n) sum -= points[i - n][1];
    return [p[0], sum / Math.min(i + 1, n)];
  });
}

export function drawLoss(el: HTMLElement, steps: { step: number; loss: number }[], totalSteps: number, xLabel: string, t: Translate) {
  const points = steps.map((r) => [r.step, r.loss] as [number, number]);
  const window = Math.max(1, Math.round(totalSteps / 30));
  const trend = runningMean(points, window);
  const label = fill(t('a11y.loss'), {
    steps: points.length, total: totalSteps, first: (trend[0]?.[1] ?? 0).toFixed(3), last: (trend.at(-1)?.[1] ?? 0).toFixed(3),
  });
  chart(el, [
    { points, className: 'series-raw' },
    { points: trend, className: 'series-main' },
  ], { label, xLabel, xMax: totalSteps });
}

export function drawSchedule(el: HTMLElement, schedule: number[], step: number, xLabel: string, t: Translate) {
  const points = schedule.map((lr, i) => [i + 1, lr] as [number, number]);
  const peak = d3.maxIndex(schedule);
  const label = fill(t('a11y.schedule'), {
    total: schedule.length, peak: (schedule[peak] ?? 0).toExponential(1), peakStep: peak + 1, step,
    now: (schedule[Math.max(0, step - 1)] ?? 0).toExponential(1),
  });
  chart(el, [{ points, className: 'series-main' }], { label, xLabel, xMax: schedule.length, marker: step, yFormat: (v) => v.toExponential(0) });
}

export function drawScores(el: HTMLElement, epochs: { epoch: number; value: number }[], totalEpochs: number, xLabel: string, t: Translate) {
  const points = epochs.map((e) => [e.epoch, e.value] as [number, number]);
  const label = fill(t('a11y.scores'), {
    epochs: epochs.length, total: totalEpochs, values: epochs.map((e) => `${e.epoch}: ${e.value.toFixed(3)}`).join(', ') || t('a11y.none'),
  });
  chart(el, [{ points, className: 'series-main' }], { label, xLabel, xMax: totalEpochs, yDomain: [0, 1], dots: true });
}
