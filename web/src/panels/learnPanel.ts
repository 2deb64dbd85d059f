// The learn mode: one token's trip through BERT in the course's order (learn/steps.ts), with
// the engine's numbers for the page's text. The token, layer, head and step live in the URL
// state; a step change only redraws, a new token, layer or head asks the engine once. With the
// course's toy model every step fits on screen at once, and any weight can be changed: the
// engine reloads the model and every step recomputes.

import { t } from '../i18n';
import type { Engine } from '../engine';
import type { Inspection, ModelSummary } from '../types';
import type { ModelSource } from '../worker/modelSource';
import type { PageState } from '../urlState';
import { drawStep, FORMULAS, shapes, STEPS, type LearnData, type StepActions, type StepId } from '../learn/steps';
import { createTooltip, type Tooltip } from '../views/tooltip';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** Models up to this hidden size offer to change their weights (the toy has 10). */
const EDITABLE_HIDDEN = 64;
/** The course's three tokens on the toy: [CLS] paris [SEP]. */
const TOY_TEXT = 'paris';

/** What the learn mode asks of the page. */
export interface LearnHost {
  /** Loads a model as the page does (views and URL follow). */
  load(source: ModelSource): Promise<unknown>;
  /** Inspects a text as the page does (the learn mode follows). */
  inspect(text: string, textB: string | null): Promise<unknown>;
  /** Shows a model the engine already switched to (after a weight changed). */
  adopt(summary: ModelSummary): Promise<void>;
}

export class LearnPanel {
  private data: LearnData | null = null;
  /** The focus `data` was computed for. */
  private dataKey = '';
  private turn = 0;
  private tooltip: Tooltip | null = null;
  /** The tensors of the model the edit form lists (fetched once per model). */
  private tensorsOf = '';
  private tensors: { name: string; shape: number[] }[] = [];

  constructor(
    private engine: Engine,
    /** The page's URL state: `learn` (the step), `token`, and the shared `layer` and `head`. */
    private state: PageState,
    private save: () => void,
    private inspection: () => Inspection | null,
    private model: () => ModelSummary | null,
    private host: LearnHost,
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
    $('learn-toy').onclick = () => void this.openToy().catch(() => null);
    $<HTMLInputElement>('learn-all').onchange = () => this.draw();
    $('learn-apply').onclick = () => void this.applyEdit().catch(() => null);
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

  /** The course's toy model on its three tokens, every step on screen at once. */
  async openToy() {
    await this.host.load({ kind: 'toy' });
    this.state.token = 1;
    $<HTMLInputElement>('learn-all').checked = true;
    await this.host.inspect(TOY_TEXT, null);
    await this.open(0);
  }

  /** Changes the weight the edit form names; the page then shows the changed model. */
  async applyEdit(): Promise<ModelSummary> {
    const message = $('learn-edit-message');
    const name = $<HTMLSelectElement>('learn-weight').value;
    const index = Number($<HTMLInputElement>('learn-index').value);
    const value = Number($<HTMLInputElement>('learn-value').value);
    message.className = 'muted';
    try {
      const summary = await this.engine.call('setWeight', [name, index, value]);
      await this.host.adopt(summary);
      message.textContent = t('learn.edited', { name, index, value });
      return summary;
    } catch (e) {
      message.className = 'error';
      message.textContent = (e as Error).message;
      throw e;
    }
  }

  /** Fills the edit form with one number of a tensor (a click on an embedding's cell). */
  private pickWeight(suffix: string, index: number, value: number) {
    const tensor = this.tensors.find((x) => x.name.endsWith(suffix));
    if (!tensor) return;
    $<HTMLSelectElement>('learn-weight').value = tensor.name;
    $<HTMLInputElement>('learn-index').value = String(index);
    const input = $<HTMLInputElement>('learn-value');
    input.value = String(value);
    input.focus();
    input.select();
  }

  /** The edit form, for models small enough to edit by hand. */
  private async showEditor(model: ModelSummary) {
    const editable = model.config.hidden_size <= EDITABLE_HIDDEN;
    $('learn-edit').hidden = !editable;
    if (!editable || this.tensorsOf === model.name + model.source) return;
    this.tensors = await this.engine.call('weights', []);
    this.tensorsOf = model.name + model.source;
    const select = $<HTMLSelectElement>('learn-weight');
    select.replaceChildren(...this.tensors.map((x) => new Option(`${x.name} [${x.shape.join(' × ')}]`, x.name)));
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
    // A new inspection (another text, model or changed weight) or focus asks the engine again.
    const key = JSON.stringify([text, textB, layer, head, token]);
    if (key === this.dataKey && this.data?.inspection === ins) return this.draw();
    const turn = ++this.turn;
    $('learn-step').textContent = t('learn.loading');
    try {
      // The heads' answers depend on the text, not on the token, layer or head followed.
      const same = this.data?.inspection === ins;
      const hasMask = ins.tokens.includes('[MASK]') && model.heads.includes('masked_lm');
      const hasNsp = model.heads.includes('next_sentence') && textB !== '';
      const [explanation, fillMask, nsp] = await Promise.all([
        this.engine.call('explain', [text, textB || null, { layer, head, token }]),
        same ? this.data!.fillMask : hasMask ? this.engine.call('fillMask', [text, 5]) : null,
        same ? this.data!.nsp : hasNsp ? this.engine.call('nsp', [text, textB]) : null,
        this.showEditor(model),
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
    const actions = {
      tooltip: this.tooltip!,
      chooseToken: (i: number) => {
        this.state.token = i;
        void this.refresh();
      },
      nextLayer: () => {
        this.state.layer += 1;
        this.state.learn = STEPS.indexOf('qkv');
        void this.refresh();
      },
      pickWeight: $('learn-edit').hidden ? null : (tensor: string, i: number, v: number) => this.pickWeight(tensor, i, v),
    };
    const all = $<HTMLInputElement>('learn-all').checked;
    $('learn-step-head').hidden = all;
    $('learn-why-line').hidden = all;
    if (all) return this.drawAll(actions);
    $('learn-counter').textContent = t('learn.step', { n: step + 1, total: STEPS.length });
    $<HTMLInputElement>('learn-slider').value = String(step);
    $<HTMLButtonElement>('learn-prev').disabled = step === 0;
    $<HTMLButtonElement>('learn-next').disabled = step === STEPS.length - 1;
    $('learn-section').dataset.step = id;
    $('learn-step-title').textContent = `${step + 1}. ${t(`learn.${id}.title`)}`;
    $('learn-formula').textContent = FORMULAS[id];
    $('learn-shape').textContent = shapes(id, this.data);
    $('learn-why').textContent = t(`learn.${id}.why`);
    drawStep($('learn-step'), id, this.data, actions);
  }

  /** Every step at once, one below the other (the toy fits on one screen). */
  private drawAll(actions: StepActions) {
    const data = this.data!;
    $('learn-section').dataset.step = 'all';
    const sections = STEPS.map((id, n) => {
      const section = document.createElement('section');
      section.className = 'learn-all-step';
      section.dataset.step = id;
      const title = document.createElement('h4');
      title.textContent = `${n + 1}. ${t(`learn.${id}.title`)}  ·  ${FORMULAS[id]}  ·  ${shapes(id, data)}`;
      const body = document.createElement('div');
      drawStep(body, id, data, actions);
      const why = document.createElement('p');
      why.className = 'muted';
      why.textContent = t(`learn.${id}.why`);
      section.append(title, body, why);
      return section;
    });
    $('learn-step').replaceChildren(...sections);
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
