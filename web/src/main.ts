// The playground page: wires the inputs, the engine (a Web Worker running the core) and the
// views together, and keeps the page state in its URL.

import './style.css';
import './views/views.css';
import { Engine } from './engine';
import { setLang, t, type Lang } from './i18n';
import type { ModelSource } from './worker/modelSource';
import { installApi, type Playground } from './api';
import { renderTokens } from './panels/tokens';
import { renderClassify, renderFillMask, renderNsp, renderQa, showError } from './panels/tasks';
import { readState, writeState, type PageState } from './urlState';
import type { BackendInfo, Classification, FillMask, Inspection, ModelSummary, NextSentence, Answer } from './types';
import { nest } from './inspection';
import { drawHeadView } from './views/headView';
import { drawModelView } from './views/modelView';
import { drawMatrixView } from './views/matrixView';
import { drawHiddenStates } from './views/hiddenStates';
import { drawEmbeddingSum } from './views/embeddingSum';
import { exportPng, exportSvg } from './views/exportImage';
import { TrainingPanel } from './panels/training';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

class App implements Playground {
  readonly engine = new Engine();
  readonly training = new TrainingPanel(this.engine, () => this.summary, (s) => this.adopt(s));
  state: PageState = readState(location.hash);
  summary: ModelSummary | null = null;
  inspection: Inspection | null = null;
  info: BackendInfo | null = null;
  /** The last inspect: the engine's time (worker, wasm, GPU reads) and the whole time with drawing. */
  timing: { engine_ms: number; total_ms: number; tokens: number } | null = null;
  private heads: boolean[] = [];
  private filter: 'all' | 'ab' | 'ba' = 'all';
  private token = 1;
  private hiddenLayer = -1;
  /** Loads in flight, and the number of the newest inspect (older answers are dropped). */
  private loads = 0;
  private inspects = 0;
  /** The self-test of the current model, while it runs. */
  private selfTest: Promise<void> | null = null;

  async boot() {
    this.bindControls();
    setLang(this.state.lang);
    $<HTMLSelectElement>('lang-select').value = this.state.lang;
    $<HTMLSelectElement>('backend-select').value = this.state.backend;
    $<HTMLTextAreaElement>('text-a').value = this.state.text;
    $<HTMLTextAreaElement>('text-b').value = this.state.textB;
    $<HTMLInputElement>('model-url').value = this.state.model;
    this.engine.onRestart = (message) => {
      this.banner(message, 'warn');
      // Show the model the engine came back with, and offer to resume a run the crash cut off.
      void this.engine.call('summary', []).then((s: ModelSummary | null) => {
        if (s) {
          this.summary = s;
          this.renderSummary();
        }
        return this.training.afterLoad();
      });
    };
    try {
      await this.startEngine();
      const shared = this.state.model;
      const loaded = shared
        ? await this.loadModel({ kind: 'url', url: shared }).catch((e) => {
            this.banner(t('model.sharedFailed', { url: shared, why: (e as Error).message }), 'warn');
            return null;
          })
        : null;
      if (!loaded) await this.loadModel({ kind: 'builtin' }).catch(() => null);
      await this.inspect(this.state.text, this.state.textB || null).catch(() => null);
      await this.training.afterLoad();
    } catch (e) {
      // Nothing can run (e.g. the browser cannot instantiate the WebAssembly engine).
      this.banner(t('app.noEngine', { why: (e as Error).message }), 'error');
      $('backend-badge').textContent = '—';
    }
    document.body.dataset.ready = 'true';
  }

  /** The backend the URL asks for, else the CPU, saying why. */
  private async startEngine() {
    try {
      this.showBackend(await this.engine.start(this.state.backend));
    } catch (e) {
      this.banner(t('backend.fallback', { why: (e as Error).message }), 'warn');
      this.state.backend = 'cpu';
      $<HTMLSelectElement>('backend-select').value = 'cpu';
      this.showBackend(await this.engine.start('cpu'));
    }
    if (this.info?.name === 'cpu' && this.state.backend === 'auto' && this.info.webgpu_error) {
      this.banner(t('backend.fallback', { why: this.info.webgpu_error }), 'info');
    }
  }

  // ---- model ----

  async loadModel(source: ModelSource): Promise<ModelSummary> {
    const bar = $<HTMLProgressElement>('model-progress');
    const label = $('model-progress-label');
    const message = $('model-message');
    bar.hidden = false;
    message.className = 'message';
    message.textContent = t('model.loading') + '…';
    this.loads++;
    document.body.dataset.loading = 'true';
    try {
      const summary: ModelSummary = await this.engine.load(source, (name, loaded, total) => {
        if (total > 0) {
          // A compressed download can deliver more bytes than its content-length.
          bar.max = Math.max(total, loaded);
          bar.value = loaded;
        } else bar.removeAttribute('value');
        label.textContent = `${t('model.loading')} ${name}${total ? ` ${(loaded / 2 ** 20).toFixed(1)} / ${(total / 2 ** 20).toFixed(1)} MB` : '…'}`;
      });
      this.summary = summary;
      this.state.model = source.kind === 'url' ? summary.source : '';
      this.heads = [];
      message.textContent = t('model.loaded', { name: summary.name });
      this.renderSummary();
      $('train-model-name').textContent = summary.name;
      this.selfTest = this.info?.name === 'webgpu' ? this.runSelfTest() : null;
      if (this.inspection) await this.inspect(this.state.text, this.state.textB || null).catch(() => null);
      this.saveState();
      return summary;
    } catch (e) {
      const why = (e as Error).message;
      message.className = 'message error';
      message.textContent = t(this.summary ? 'model.failed' : 'model.failedNone', { why });
      throw e;
    } finally {
      if (--this.loads === 0) {
        bar.hidden = true;
        label.textContent = '';
        delete document.body.dataset.loading;
      }
    }
  }

  /** A model the worker already switched to (the trained one): show it as if it was loaded. */
  async adopt(summary: ModelSummary) {
    this.summary = summary;
    this.state.model = '';
    this.heads = [];
    $('model-message').textContent = t('model.loaded', { name: summary.name });
    $('train-model-name').textContent = summary.name;
    this.renderSummary();
    this.selfTest = this.info?.name === 'webgpu' ? this.runSelfTest() : null;
    this.saveState();
    await this.inspect(this.state.text, this.state.textB || null).catch(() => null);
  }

  private renderSummary() {
    const s = this.summary!;
    const c = s.config;
    const el = $('model-summary');
    el.replaceChildren();
    const dl = document.createElement('dl');
    const add = (k: string, v: string) => {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = v;
      dl.append(dt, dd);
    };
    add(s.name, `${s.architecture} · ${s.source}`);
    add(t('model.layers'), String(c.num_hidden_layers));
    add(t('model.hidden'), String(c.hidden_size));
    add(t('model.heads'), String(c.num_attention_heads));
    add(t('model.vocab'), String(s.vocab_size));
    add(t('model.taskHeads'), s.heads.length ? s.heads.join(', ') : t('model.none'));
    if (s.report.missing.length) add(t('model.missing'), s.report.missing.join('; '));
    if (s.report.unused.length) add(t('model.unused'), `${s.report.unused.length}: ${s.report.unused.slice(0, 5).join(', ')}`);
    el.append(dl);
    if (c.bertplay_untrained) {
      const warn = document.createElement('p');
      warn.className = 'placeholder';
      warn.dataset.testid = 'placeholder-note';
      warn.textContent = t('model.placeholder');
      el.append(warn);
    }
  }

  // ---- backend ----

  private showBackend(info: BackendInfo) {
    this.info = info;
    $('backend-badge').textContent = `${info.name === 'webgpu' ? 'WebGPU' : 'CPU'}: ${info.adapter}`;
  }

  async setBackend(name: 'auto' | 'webgpu' | 'cpu'): Promise<BackendInfo> {
    const target = name === 'auto' ? (this.info?.webgpu_available || !this.info?.webgpu_error ? 'webgpu' : 'cpu') : name;
    let info: BackendInfo;
    try {
      info = await this.engine.setBackend(target);
    } catch (e) {
      if (name !== 'auto') throw e;
      info = await this.engine.setBackend('cpu');
    }
    this.state.backend = name;
    $<HTMLSelectElement>('backend-select').value = name;
    this.showBackend(info);
    this.saveState();
    if (info.name === 'webgpu' && this.summary && !info.self_test) this.selfTest = this.runSelfTest();
    if (this.inspection) await this.inspect(this.state.text, this.state.textB || null);
    return info;
  }

  async backend(): Promise<BackendInfo> {
    await this.selfTest;
    this.showBackend(await this.engine.call('backend', []));
    return this.info!;
  }

  private async runSelfTest() {
    try {
      const r = await this.engine.call('selfTest', []);
      const d = r.max_diff.toExponential(1);
      if (r.ok) this.banner(t('backend.agree', { d }), 'info');
      else this.banner(t('backend.mismatch', { d }), 'error');
    } catch (e) {
      this.banner(t('backend.selfTestFailed', { why: (e as Error).message }), 'warn');
    }
  }

  private banner(text: string, kind: 'info' | 'warn' | 'error') {
    const el = $('banner');
    el.hidden = false;
    el.className = `banner ${kind}`;
    el.textContent = text;
  }

  // ---- inspect and views ----

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
        backend: this.info?.name === 'webgpu' ? 'WebGPU' : 'CPU',
      });
      if (ins.truncated) message.textContent += ' ' + t('input.truncated');
      this.saveState();
      return ins;
    } catch (e) {
      if (turn === this.inspects) {
        message.className = 'message error';
        message.textContent = (e as Error).message;
      }
      throw e;
    }
  }

  private renderAll() {
    this.renderTokens();
    this.renderAttention();
    this.renderHidden();
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
      b.classList.toggle('active', b.dataset.view === this.state.view);
    }
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

  private setLanguage(lang: Lang) {
    this.state.lang = lang;
    setLang(lang);
    $<HTMLSelectElement>('lang-select').value = lang;
    this.saveState();
    if (this.summary) this.renderSummary();
    if (this.inspection) this.renderAll();
    this.training.relabel();
  }

  setView(view: PageState['view']) {
    this.state.view = view;
    this.renderAttention();
    this.saveState();
  }

  private saveState() {
    // Only when it changed: replacing the history entry was 8% of a 128-token inspect's page time.
    const hash = writeState(this.state);
    if (hash !== location.hash) history.replaceState(null, '', hash);
  }

  // ---- tasks ----

  async fillMask(text: string, k = 5): Promise<FillMask> {
    return this.task('fill-mask-result', () => this.engine.call('fillMask', [text, k]), renderFillMask);
  }

  async nsp(a: string, b: string): Promise<NextSentence> {
    return this.task('nsp-result', () => this.engine.call('nsp', [a, b]), renderNsp);
  }

  async qa(question: string, context: string): Promise<Answer> {
    return this.task('qa-result', () => this.engine.call('qa', [question, context]), (el, out: Answer) =>
      renderQa(el, out, context),
    );
  }

  async classify(text: string, textB: string | null = null): Promise<Classification> {
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

  // ---- controls ----

  private bindControls() {
    const quiet = (p: Promise<unknown>) => void p.catch(() => null);
    $('load-builtin').onclick = () => quiet(this.loadModel({ kind: 'builtin' }));
    $('load-url').onclick = () => quiet(this.loadModel({ kind: 'url', url: $<HTMLInputElement>('model-url').value }));
    for (const id of ['model-files', 'model-folder']) {
      const input = $<HTMLInputElement>(id);
      input.onchange = () => {
        const files = Array.from(input.files ?? []);
        input.value = '';
        if (files.length) quiet(this.loadModel({ kind: 'files', files }));
      };
    }
    const drop = $('drop-zone');
    drop.ondragover = (e) => {
      e.preventDefault();
      drop.classList.add('over');
    };
    drop.ondragleave = () => drop.classList.remove('over');
    drop.ondrop = (e) => {
      e.preventDefault();
      drop.classList.remove('over');
      quiet(droppedFiles(e.dataTransfer!).then((files) => this.loadModel({ kind: 'files', files })));
    };
    $('run-inspect').onclick = () =>
      quiet(this.inspect($<HTMLTextAreaElement>('text-a').value, $<HTMLTextAreaElement>('text-b').value || null));
    $<HTMLSelectElement>('lang-select').onchange = (e) => this.setLanguage((e.target as HTMLSelectElement).value as Lang);
    $<HTMLSelectElement>('backend-select').onchange = (e) =>
      quiet(this.setBackend((e.target as HTMLSelectElement).value as PageState['backend']).catch((err) => {
        this.banner(err.message, 'warn');
        $<HTMLSelectElement>('backend-select').value = this.state.backend;
      }));
    for (const b of document.querySelectorAll<HTMLElement>('.tabs button')) {
      b.onclick = () => this.setView(b.dataset.view as PageState['view']);
    }
    $<HTMLSelectElement>('layer-select').onchange = (e) => {
      this.state.layer = Number((e.target as HTMLSelectElement).value);
      this.renderAttention();
      this.saveState();
    };
    $<HTMLSelectElement>('head-select').onchange = (e) => {
      this.state.head = Number((e.target as HTMLSelectElement).value);
      this.renderAttention();
      this.saveState();
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
      svg() && void exportPng(svg()!, `${name()}.png`).catch((e) => this.banner(`PNG: ${(e as Error).message}`, 'warn'));
    $('export-svg').onclick = () => svg() && exportSvg(svg()!, `${name()}.svg`);
    const form = (id: string, run: () => Promise<unknown>) => {
      $(id).onsubmit = (e) => {
        e.preventDefault();
        quiet(run());
      };
    };
    const value = (id: string) => $<HTMLInputElement>(id).value;
    form('fill-mask-form', () => this.fillMask(value('fill-text'), Number(value('fill-k')) || 5));
    form('nsp-form', () => this.nsp(value('nsp-a'), value('nsp-b')));
    form('qa-form', () => this.qa(value('qa-question'), $<HTMLTextAreaElement>('qa-context').value));
    form('classify-form', () => this.classify(value('classify-text'), value('classify-text-b') || null));
    this.training.bind();
    window.addEventListener('hashchange', () => this.applyHash());
  }

  /** A pasted or edited link: apply what changed. */
  private applyHash() {
    const next = readState(location.hash);
    if (next.lang !== this.state.lang) this.setLanguage(next.lang);
    if (next.backend !== this.state.backend) void this.setBackend(next.backend).catch((e) => this.banner(e.message, 'warn'));
    const ins = this.inspection;
    const layers = ins?.attentions.length ?? 1;
    const heads = ins?.attentions[0]?.length ?? 1;
    Object.assign(this.state, {
      layer: Math.min(next.layer, layers - 1),
      head: Math.min(next.head, heads - 1),
      view: next.view,
    });
    $<HTMLSelectElement>('layer-select').value = String(this.state.layer);
    $<HTMLSelectElement>('head-select').value = String(this.state.head);
    if (next.model && next.model !== this.state.model) void this.loadModel({ kind: 'url', url: next.model }).catch(() => null);
    if (next.text !== this.state.text || next.textB !== this.state.textB) {
      void this.inspect(next.text, next.textB || null).catch(() => null);
    } else if (this.inspection) this.renderAll();
  }
}

function fillSelect(select: HTMLSelectElement, n: number, value: number) {
  select.replaceChildren(...Array.from({ length: n }, (_, i) => new Option(String(i), String(i))));
  select.value = String(value);
}

/** Files from a drop, walking into dropped folders. */
async function droppedFiles(dt: DataTransfer): Promise<File[]> {
  const entries = Array.from(dt.items)
    .map((i) => i.webkitGetAsEntry())
    .filter((e): e is FileSystemEntry => e !== null);
  if (!entries.length) return Array.from(dt.files);
  const files: File[] = [];
  const walk = async (entry: FileSystemEntry): Promise<void> => {
    if (entry.isFile) {
      files.push(await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej)));
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (!batch.length) break;
        for (const e of batch) await walk(e);
      }
    }
  };
  for (const e of entries) await walk(e);
  return files;
}

const app = new App();
installApi(app);
void app.boot();
