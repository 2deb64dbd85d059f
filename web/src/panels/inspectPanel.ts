// The inspect panel: runs one text (or pair) through the model keeping every attention and
// hidden state, and draws the tokens and embeddings, the attention views (head, model, matrix)
// and the hidden states vs the pooler. Layer, head and view live in the page's URL state.

import { t } from '../i18n';
import type { Engine } from '../engine';
import type { Inspection } from '../types';
import type { PageState } from '../urlState';
import { nest } from '../inspection';
import { renderTokens } from './tokens';
import { showBanner } from './banner';
import { drawHeadView } from '../views/headView';
import { drawModelView } from '../views/modelView';
import { drawMatrixView } from '../views/matrixView';
import { drawHiddenStates } from '../views/hiddenStates';
import { drawEmbeddingSum } from '../views/embeddingSum';
import { exportPng, exportSvg } from '../views/exportImage';
import { roving } from '../views/roving';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export class InspectPanel {
  inspection: Inspection | null = null;
  /** The last inspect: the engine's time (worker, wasm, GPU reads) and the whole time with drawing. */
  timing: { engine_ms: number; total_ms: number; tokens: number } | null = null;
  /** The heads the head view shows (all, after a new model). */
  private heads: boolean[] = [];
  private filter: 'all' | 'ab' | 'ba' = 'all';
  private token = 1;
  private hiddenLayer = -1;
  /** The number of the newest inspect: older answers are dropped. */
  private inspects = 0;

  constructor(
    private engine: Engine,
    /** The page's URL state: text, layer, head and view are this panel's. */
    private state: PageState,
    private save: () => void,
    /** The backend the numbers came from, for the timing line. */
    private backendName: () => 'webgpu' | 'cpu' | undefined,
    /** Called after each inspection is drawn (the learn mode follows it). */
    private inspected: () => void,
  ) {}

  bind() {
    $('run-inspect').onclick = () =>
      void this.inspect($<HTMLTextAreaElement>('text-a').value, $<HTMLTextAreaElement>('text-b').value || null).catch(() => null);
    const tabs = [...document.querySelectorAll<HTMLElement>('.tabs button')];
    for (const b of tabs) b.onclick = () => this.setView(b.dataset.view as PageState['view']);
    // A tablist: arrow keys move between the tabs, Enter or Space shows one.
    roving(tabs, { current: 0, keys: ['ArrowLeft', 'ArrowRight'] });
    $<HTMLSelectElement>('layer-select').onchange = (e) => {
      this.state.layer = Number((e.target as HTMLSelectElement).value);
      this.renderAttention();
      this.save();
    };
    $<HTMLSelectElement>('head-select').onchange = (e) => {
      this.state.head = Number((e.target as HTMLSelectElement).value);
      this.renderAttention();
      this.save();
    };
    $<HTMLSelectElement>('filter-select').onchange = (e) => {
      this.filter = (e.target as HTMLSelectElement).value as 'all' | 'ab' | 'ba';
      this.renderAttention();
    };
    $<HTMLInputElement>('hidden-layer').oninput = (e) => {
      this.hiddenLayer = Number((e.target as HTMLInputElement).value);
      this.renderHidden();
    };
    const svg = () => $('attention-view').querySelector<SVGSVGElement>('svg.view-svg');
    const name = () => `bertplay-${this.state.view}-L${this.state.layer}${this.state.view === 'matrix' ? `-H${this.state.head}` : ''}`;
    $('export-png').onclick = () =>
      svg() && void exportPng(svg()!, `${name()}.png`).catch((e) => showBanner(`PNG: ${(e as Error).message}`, 'warn'));
    $('export-svg').onclick = () => svg() && exportSvg(svg()!, `${name()}.svg`);
  }

  /** A new model: every head shows again. */
  newModel() {
    this.heads = [];
  }

  /** Inspects the texts the state holds again (after a new model or backend). */
  again(): Promise<Inspection> {
    return this.inspect(this.state.text, this.state.textB || null);
  }

  async inspect(text: string, textB: string | null): Promise<Inspection> {
    const message = $('inspect-message');
    message.textContent = '';
    $<HTMLTextAreaElement>('text-a').value = text;
    $<HTMLTextAreaElement>('text-b').value = textB ?? '';
    const turn = ++this.inspects;
    try {
      const t0 = performance.now();
      const ins: Inspection = nest(await this.engine.call('inspect', [text, textB || null]));
      const t1 = performance.now();
      if (turn !== this.inspects) return ins;
      this.inspection = ins;
      this.state.text = text;
      this.state.textB = textB ?? '';
      const layers = ins.attentions.length;
      const heads = ins.attentions[0]?.length ?? 0;
      this.state.layer = Math.min(this.state.layer, layers - 1);
      this.state.head = Math.min(this.state.head, heads - 1);
      if (this.heads.length !== heads) this.heads = Array(heads).fill(true);
      if (this.hiddenLayer < 0 || this.hiddenLayer > layers) this.hiddenLayer = layers;
      this.token = Math.min(this.token, ins.tokens.length - 1);
      fillSelect($<HTMLSelectElement>('layer-select'), layers, this.state.layer);
      fillSelect($<HTMLSelectElement>('head-select'), heads, this.state.head);
      const pair = ins.token_type_ids.includes(1);
      $<HTMLSelectElement>('filter-select').disabled = !pair;
      if (!pair) this.filter = 'all';
      this.renderAll();
      this.timing = { engine_ms: t1 - t0, total_ms: performance.now() - t0, tokens: ins.tokens.length };
      message.className = 'message';
      message.textContent = t('input.timing', {
        n: ins.tokens.length,
        engine: Math.round(this.timing.engine_ms),
        total: Math.round(this.timing.total_ms),
        backend: this.backendName() === 'webgpu' ? 'WebGPU' : 'CPU',
      });
      if (ins.truncated) message.textContent += ' ' + t('input.truncated');
      this.save();
      this.inspected();
      return ins;
    } catch (e) {
      if (turn === this.inspects) {
        message.className = 'message error';
        message.textContent = (e as Error).message;
      }
      throw e;
    }
  }

  /** A link's layer, head and view, within what the model has. */
  applyLink(next: PageState) {
    const ins = this.inspection;
    const layers = ins?.attentions.length ?? 1;
    const heads = ins?.attentions[0]?.length ?? 1;
    this.state.layer = Math.min(next.layer, layers - 1);
    this.state.head = Math.min(next.head, heads - 1);
    this.state.view = next.view;
    $<HTMLSelectElement>('layer-select').value = String(this.state.layer);
    $<HTMLSelectElement>('head-select').value = String(this.state.head);
  }

  /** Draws every figure again (after a language switch or a link). */
  renderAll() {
    if (!this.inspection) return;
    this.renderTokens();
    this.renderAttention();
    this.renderHidden();
  }

  setView(view: PageState['view']) {
    this.state.view = view;
    this.renderAttention();
    this.save();
  }

  private renderTokens() {
    const ins = this.inspection!;
    renderTokens($('tokens'), ins, this.token, (i) => {
      this.token = i;
      this.renderTokens();
    });
    drawEmbeddingSum($('embedding-sum'), ins, this.token, t);
  }

  private renderAttention() {
    const ins = this.inspection;
    if (!ins) return;
    const root = $('attention-view');
    for (const b of document.querySelectorAll<HTMLElement>('.tabs button')) {
      const on = b.dataset.view === this.state.view;
      b.classList.toggle('active', on);
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
    }
    root.setAttribute('aria-labelledby', `tab-${this.state.view}`);
    $<HTMLSelectElement>('head-select').disabled = this.state.view !== 'matrix';
    const { layer, head } = this.state;
    if (this.state.view === 'head') {
      drawHeadView(root, ins, {
        layer,
        heads: this.heads,
        filter: this.filter,
        onHeadsChange: (h) => {
          this.heads = h;
          this.renderAttention();
        },
      }, t);
    } else if (this.state.view === 'model') {
      drawModelView(root, ins, (l, h) => {
        // Enlarge: the head view of that one head.
        this.state.layer = l;
        this.state.head = h;
        this.heads = this.heads.map((_, i) => i === h);
        this.setView('head');
        $<HTMLSelectElement>('layer-select').value = String(l);
        $<HTMLSelectElement>('head-select').value = String(h);
      }, t);
    } else {
      drawMatrixView(root, ins, layer, head, t);
    }
  }

  private renderHidden() {
    const ins = this.inspection!;
    const slider = $<HTMLInputElement>('hidden-layer');
    slider.max = String(ins.hidden_states.length - 1);
    slider.value = String(this.hiddenLayer);
    $('hidden-layer-out').textContent = String(this.hiddenLayer);
    drawHiddenStates($('hidden-view'), ins, this.hiddenLayer, t);
  }
}

function fillSelect(select: HTMLSelectElement, n: number, value: number) {
  select.replaceChildren(...Array.from({ length: n }, (_, i) => new Option(String(i), String(i))));
  select.value = String(value);
}
