// The four task panels: fill-mask, next sentence, question answering, classification. Each
// form runs its task in the engine and draws the result (or the error) under it.

import * as d3 from 'd3';
import { t } from '../i18n';
import type { Engine } from '../engine';
import type { Answer, Classification, FillMask, NextSentence } from '../types';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export class TasksPanel {
  constructor(private engine: Engine) {}

  bind() {
    const form = (id: string, run: () => Promise<unknown>) => {
      $(id).onsubmit = (e) => {
        e.preventDefault();
        void run().catch(() => null);
      };
    };
    const value = (id: string) => $<HTMLInputElement>(id).value;
    form('fill-mask-form', () => this.fillMask(value('fill-text'), Number(value('fill-k')) || 5));
    form('nsp-form', () => this.nsp(value('nsp-a'), value('nsp-b')));
    form('qa-form', () => this.qa(value('qa-question'), $<HTMLTextAreaElement>('qa-context').value));
    form('classify-form', () => this.classify(value('classify-text'), value('classify-text-b') || null));
  }

  fillMask(text: string, k = 5): Promise<FillMask> {
    return this.task('fill-mask-result', () => this.engine.call('fillMask', [text, k]), renderFillMask);
  }

  nsp(a: string, b: string): Promise<NextSentence> {
    return this.task('nsp-result', () => this.engine.call('nsp', [a, b]), renderNsp);
  }

  qa(question: string, context: string): Promise<Answer> {
    return this.task('qa-result', () => this.engine.call('qa', [question, context]), (el, out: Answer) => renderQa(el, out, context));
  }

  classify(text: string, textB: string | null = null): Promise<Classification> {
    return this.task('classify-result', () => this.engine.call('classify', [text, textB]), renderClassify);
  }

  private async task<T>(testid: string, run: () => Promise<T>, render: (el: HTMLElement, out: T) => void): Promise<T> {
    const el = document.querySelector<HTMLElement>(`[data-testid="${testid}"]`)!;
    el.textContent = '…';
    try {
      const out = await run();
      render(el, out);
      return out;
    } catch (e) {
      showError(el, (e as Error).message);
      throw e;
    }
  }
}

/** A labelled horizontal bar per row: the same look for every probability list. */
function bars(el: HTMLElement, rows: { label: string; value: number }[]) {
  const list = document.createElement('div');
  list.className = 'bars';
  for (const r of rows) {
    const row = document.createElement('div');
    row.className = 'bar-row';
    row.innerHTML = `<span class="bar-label"></span><span class="bar-track"><span class="bar-fill"></span></span><span class="bar-value"></span>`;
    row.querySelector<HTMLElement>('.bar-label')!.textContent = r.label;
    row.querySelector<HTMLElement>('.bar-fill')!.style.width = `${(r.value * 100).toFixed(1)}%`;
    row.querySelector<HTMLElement>('.bar-value')!.textContent = r.value.toFixed(4);
    list.append(row);
  }
  el.append(list);
}

function showError(el: HTMLElement, message: string) {
  el.replaceChildren();
  const p = document.createElement('p');
  p.className = 'error';
  p.textContent = message;
  el.append(p);
}

function renderFillMask(el: HTMLElement, out: FillMask) {
  el.replaceChildren();
  for (const m of out.masks) {
    const h = document.createElement('h4');
    h.textContent = `[MASK] @ ${m.position}`;
    el.append(h);
    bars(el, m.candidates.map((c) => ({ label: c.token, value: c.probability })));
  }
}

function renderNsp(el: HTMLElement, out: NextSentence) {
  el.replaceChildren();
  const p = document.createElement('p');
  p.textContent = t('nsp.result', { p: out.is_next.toFixed(4) });
  el.append(p);
  bars(el, [
    { label: 'IsNext', value: out.is_next },
    { label: 'NotNext', value: 1 - out.is_next },
  ]);
}

function renderClassify(el: HTMLElement, out: Classification) {
  el.replaceChildren();
  bars(el, out.labels.map((l) => ({ label: l.label, value: l.probability })));
}

/** The context with the answer highlighted, then start/end logits over the window's tokens. */
function renderQa(el: HTMLElement, out: Answer, context: string) {
  el.replaceChildren();
  // Offsets count Unicode scalar values, as Rust's chars do; JS strings count UTF-16 units.
  const chars = Array.from(context);
  const p = document.createElement('p');
  p.className = 'qa-context';
  const mark = document.createElement('mark');
  mark.textContent = chars.slice(out.start, out.end).join('');
  p.append(chars.slice(0, out.start).join(''), mark, chars.slice(out.end).join(''));
  const score = document.createElement('p');
  score.className = 'muted';
  score.textContent = t('qa.score', { s: out.score.toFixed(4), w: out.window + 1, n: out.windows });
  el.append(p, score, logitsChart(out));
}

function logitsChart(out: Answer): SVGSVGElement {
  const n = out.tokens.length;
  const step = 14;
  const [w, h, top] = [Math.max(300, n * step + 40), 170, 10];
  const svg = d3.create('svg').attr('width', w).attr('height', h).attr('class', 'view-svg').attr('data-view', 'qa-logits');
  const all = [...out.start_logits, ...out.end_logits];
  const y = d3.scaleLinear().domain(d3.extent(all) as [number, number]).nice().range([h - 60, top]);
  const x = (i: number) => 36 + i * step;
  svg.append('g').attr('transform', 'translate(34,0)').call(d3.axisLeft(y).ticks(4));
  const series = [
    { key: 'start', values: out.start_logits, colour: '#1f77b4', best: out.start_token },
    { key: 'end', values: out.end_logits, colour: '#d62728', best: out.end_token },
  ];
  for (const s of series) {
    svg.append('path')
      .attr('fill', 'none').attr('stroke', s.colour).attr('stroke-width', 1.5)
      .attr('d', d3.line<number>().x((_, i) => x(i) + step / 2).y((v) => y(v))(s.values));
    svg.append('circle').attr('cx', x(s.best) + step / 2).attr('cy', y(s.values[s.best])).attr('r', 4).attr('fill', s.colour);
    svg.append('text').attr('x', w - 50).attr('y', s.key === 'start' ? 14 : 28).attr('fill', s.colour).text(s.key);
  }
  svg.append('g').selectAll('text').data(out.tokens).join('text')
    .attr('transform', (_, i) => `translate(${x(i) + step / 2 + 3},${h - 55}) rotate(-90)`)
    .attr('text-anchor', 'end').attr('font-size', 10)
    .attr('font-weight', (_, i) => (i >= out.start_token && i <= out.end_token ? 'bold' : null))
    .text((d) => d);
  return svg.node()!;
}
