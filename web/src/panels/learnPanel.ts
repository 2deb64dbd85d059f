// The learn mode: one token's trip through BERT in the course's order (learn/steps.ts), with
// the engine's numbers for the page's text. The token, layer, head and step live in the URL
// state; a step change only redraws, a new token, layer or head asks the engine once.

import { t } from '../i18n';
import type { Engine } from '../engine';
import type { Inspection, ModelSummary } from '../types';
import type { PageState } from '../urlState';
import { drawStep, FORMULAS, shapes, STEPS, type LearnData, type StepId } from '../learn/steps';
import { createTooltip, type Tooltip } from '../views/tooltip';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export class LearnPanel {
  private data: LearnData | null = null;
  /** What `data` was computed for; a different focus or text asks the engine again. */
  private dataKey = '';
  private turn = 0;
  private tooltip: Tooltip | null = null;

  constructor(
    private engine: Engine,
    /** The page's URL state: `learn` (the step), `token`, and the shared `layer` and `head`. */
    private state: PageState,
    private save: () => void,
    private inspection: () => Inspection | null,
    private model: () => ModelSummary | null,
  ) {}

  bind() {
    this.tooltip = createTooltip($('learn-section'));
    $('learn-open').onclick = () => void this.open(this.state.learn ?? 0);
    $('learn-close').onclick = () => this.close();
    $('learn-prev').onclick = () => this.go((this.state.learn ?? 0) - 1);
    $('learn-next').onclick = () => this.go((this.state.learn ?? 0) + 1);
    const slider = $<HTMLInputElement>('learn-slider');
    slider.max = String(STEPS.length - 1);
    slider.oninput = () => this.go(Number(slider.value));
    const pick = (id: string, apply: (n: number) => void) => {
      $<HTMLSelectElement>(id).onchange = (e) => {
        apply(Number((e.target as HTMLSelectElement).value));
        void this.refresh();
      };
    };
    pick('learn-token', (n) => (this.state.token = n));
    pick('learn-layer', (n) => (this.state.layer = n));
    pick('learn-head', (n) => (this.state.head = n));
    document.addEventListener('keydown', (e) => {
      if (this.state.learn === null || (e.target as HTMLElement).closest('input, textarea, select')) return;
      if (e.key === 'ArrowRight') this.go((this.state.learn ?? 0) + 1);
      if (e.key === 'ArrowLeft') this.go((this.state.learn ?? 0) - 1);
    });
  }

  /** Shows the learn mode at `step`. */
  async open(step: number) {
    this.state.learn = clamp(step, 0, STEPS.length - 1);
    $('learn-section').hidden = false;
    $('learn-section').scrollIntoView({ block: 'start' });
    this.save();
    await this.refresh();
  }

  close() {
    this.state.learn = null;
    $('learn-section').hidden = true;
    this.tooltip?.hide();
    this.save();
  }

  /** Moves to step `step` (clamped); only redraws. */
  go(step: number) {
    if (this.state.learn === null) return;
    this.state.learn = clamp(step, 0, STEPS.length - 1);
    this.save();
    this.draw();
  }

  /** After a new inspection, model or focus: asks the engine for the numbers the steps need. */
  async refresh() {
    if (this.state.learn === null) return;
    const ins = this.inspection();
    const model = this.model();
    if (!ins || !model) {
      $('learn-step').textContent = t('learn.needInspect');
      return;
    }
    const layers = ins.hidden_states.length - 1;
    const heads = ins.attentions[0]?.length ?? 1;
    this.state.layer = clamp(this.state.layer, 0, layers - 1);
    this.state.head = clamp(this.state.head, 0, heads - 1);
    this.state.token = clamp(this.state.token, 0, ins.tokens.length - 1);
    fill($<HTMLSelectElement>('learn-token'), ins.tokens.map((tok, i) => `${i}: ${tok}`), this.state.token);
    fill($<HTMLSelectElement>('learn-layer'), range(layers), this.state.layer);
    fill($<HTMLSelectElement>('learn-head'), range(heads), this.state.head);
    const { text, textB, layer, head, token } = this.state;
    const key = JSON.stringify([model.name, ins.tokens, ins.pooler?.[0], text, textB, layer, head, token]);
    if (key === this.dataKey && this.data) return this.draw();
    const turn = ++this.turn;
    $('learn-step').textContent = t('learn.loading');
    try {
      const hasMask = ins.tokens.includes('[MASK]') && model.heads.includes('masked_lm');
      const hasNsp = model.heads.includes('next_sentence') && textB !== '';
      const [explanation, fillMask, nsp] = await Promise.all([
        this.engine.call('explain', [text, textB || null, { layer, head, token }]),
        hasMask ? this.engine.call('fillMask', [text, 5]) : null,
        hasNsp ? this.engine.call('nsp', [text, textB]) : null,
      ]);
      if (turn !== this.turn) return;
      this.data = { inspection: ins, explanation, model, fillMask, nsp };
      this.dataKey = key;
      this.save();
      this.draw();
    } catch (e) {
      if (turn === this.turn) {
        const p = document.createElement('p');
        p.className = 'error';
        p.textContent = (e as Error).message;
        $('learn-step').replaceChildren(p);
      }
      throw e;
    }
  }

  /** Draws the current step from the numbers at hand. */
  draw() {
    const step = this.state.learn;
    if (step === null || !this.data) return;
    const id: StepId = STEPS[step];
    $('learn-counter').textContent = t('learn.step', { n: step + 1, total: STEPS.length });
    $<HTMLInputElement>('learn-slider').value = String(step);
    $<HTMLButtonElement>('learn-prev').disabled = step === 0;
    $<HTMLButtonElement>('learn-next').disabled = step === STEPS.length - 1;
    $('learn-section').dataset.step = id;
    $('learn-step-title').textContent = `${step + 1}. ${t(`learn.${id}.title`)}`;
    $('learn-formula').textContent = FORMULAS[id];
    $('learn-shape').textContent = shapes(id, this.data);
    $('learn-why').textContent = t(`learn.${id}.why`);
    drawStep($('learn-step'), id, this.data, {
      tooltip: this.tooltip!,
      chooseToken: (i) => {
        this.state.token = i;
        void this.refresh();
      },
      nextLayer: () => {
        this.state.layer += 1;
        this.state.learn = STEPS.indexOf('qkv');
        void this.refresh();
      },
    });
  }
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, n));
}

function range(n: number): string[] {
  return Array.from({ length: n }, (_, i) => String(i));
}

function fill(select: HTMLSelectElement, labels: string[], value: number) {
  select.replaceChildren(...labels.map((label, i) => new Option(label, String(i))));
  select.value = String(value);
}
