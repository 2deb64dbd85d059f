// The playground page: boots the engine and the panels, keeps the page's state in its URL and
// the language, and answers `window.bertplay` (api.ts) through the panels. Each panel owns its
// part of the page: model, backend, inspect (tokens, attention, hidden states), learn, tasks,
// training.

import './style.css';
import './views/views.css';
import { Engine } from './engine';
import { setLang, t, type Lang } from './i18n';
import type { ModelSource } from './worker/modelSource';
import { installApi, type Playground } from './api';
import { readState, writeState, type PageState } from './urlState';
import type { BackendInfo, Inspection, ModelSummary, SaliencyMethod, SaliencyTask } from './types';
import { showBanner } from './panels/banner';
import { ModelPanel } from './panels/modelPanel';
import { BackendPanel } from './panels/backendPanel';
import { InspectPanel } from './panels/inspectPanel';
import { TasksPanel } from './panels/tasks';
import { LearnPanel } from './panels/learnPanel';
import { SaliencyPanel } from './panels/saliencyPanel';
import { TrainingPanel } from './panels/training/trainingPanel';
import { registerServiceWorker } from './offline/register';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

class App implements Playground {
  readonly engine = new Engine();
  private readonly state: PageState = readState(location.hash);
  private readonly save = () => this.saveState();
  private readonly model = new ModelPanel(this.engine);
  private readonly backendPanel = new BackendPanel(this.engine, this.state, this.save);
  private readonly views = new InspectPanel(this.engine, this.state, this.save, () => this.backendPanel.info?.name, () =>
    void this.learn.refresh().catch(() => null),
  );
  private readonly learn = new LearnPanel(this.engine, this.state, this.save, () => this.views.inspection, () => this.summary, {
    load: (source) => this.loadModel(source),
    inspect: (text, textB) => this.views.inspect(text, textB),
    adopt: (summary) => this.adopt(summary),
  });
  private readonly tasks = new TasksPanel(this.engine);
  private readonly why = new SaliencyPanel(this.engine);
  readonly training = new TrainingPanel(this.engine, () => this.summary, (s) => this.adopt(s));

  get summary(): ModelSummary | null {
    return this.model.summary;
  }

  get timing() {
    return this.views.timing;
  }

  async boot() {
    this.bind();
    setLang(this.state.lang);
    $<HTMLSelectElement>('lang-select').value = this.state.lang;
    $<HTMLTextAreaElement>('text-a').value = this.state.text;
    $<HTMLTextAreaElement>('text-b').value = this.state.textB;
    $<HTMLInputElement>('model-url').value = this.state.model;
    this.engine.onWebgpuLost = (why, info) => {
      this.backendPanel.lost(why, info);
      void this.views.again().catch(() => null);
    };
    this.engine.onRestart = (message) => {
      showBanner(message, 'warn');
      // Show the model the engine came back with, and offer to resume a run the crash cut off.
      void this.engine.call('summary', []).then((s: ModelSummary | null) => {
        if (s) {
          this.model.summary = s;
          this.model.render();
        }
        return this.training.afterLoad();
      });
    };
    try {
      await this.backendPanel.start();
      const shared = this.state.model;
      const loaded = shared
        ? await this.loadModel({ kind: 'url', url: shared }).catch((e) => {
            showBanner(t('model.sharedFailed', { url: shared, why: (e as Error).message }), 'warn');
            return null;
          })
        : null;
      if (!loaded) await this.loadModel({ kind: 'builtin' }).catch(() => null);
      await this.views.again().catch(() => null);
      if (this.state.learn !== null) await this.learn.open(this.state.learn).catch(() => null);
      await this.training.afterLoad();
    } catch (e) {
      // Nothing can run (e.g. the browser cannot instantiate the WebAssembly engine).
      showBanner(t('app.noEngine', { why: (e as Error).message }), 'error');
      this.backendPanel.none();
    }
    document.body.dataset.ready = 'true';
  }

  private bind() {
    this.model.bind((source) => this.loadModel(source));
    this.backendPanel.bind((name) => this.setBackend(name));
    this.views.bind();
    this.learn.bind();
    this.why.bind();
    this.tasks.bind();
    this.training.bind();
    $<HTMLSelectElement>('lang-select').onchange = (e) => this.setLanguage((e.target as HTMLSelectElement).value as Lang);
    window.addEventListener('hashchange', () => this.applyHash());
  }

  async loadModel(source: ModelSource): Promise<ModelSummary> {
    return this.model.load(source, async (summary) => {
      this.state.model = source.kind === 'url' ? summary.source : '';
      this.views.newModel();
      this.backendPanel.newModel(summary);
      await this.training.fitModel();
      if (this.views.inspection) await this.views.again().catch(() => null);
      this.saveState();
    });
  }

  /** A model the worker already switched to (the trained one): show it as if it was loaded. */
  private async adopt(summary: ModelSummary) {
    this.model.show(summary);
    this.state.model = '';
    this.views.newModel();
    this.backendPanel.newModel(summary);
    this.saveState();
    await this.views.again().catch(() => null);
  }

  async setBackend(name: PageState['backend']): Promise<BackendInfo> {
    const info = await this.backendPanel.set(name, this.summary !== null);
    if (this.views.inspection) await this.views.again();
    return info;
  }

  backend(): Promise<BackendInfo> {
    return this.backendPanel.current();
  }

  inspect(text: string, textB: string | null): Promise<Inspection> {
    return this.views.inspect(text, textB);
  }

  fillMask(text: string, k: number) {
    return this.tasks.fillMask(text, k);
  }

  nsp(a: string, b: string) {
    return this.tasks.nsp(a, b);
  }

  qa(question: string, context: string) {
    return this.tasks.qa(question, context);
  }

  classify(text: string, textB: string | null) {
    return this.tasks.classify(text, textB);
  }

  saliency(task: SaliencyTask, method: SaliencyMethod, steps: number) {
    return this.why.run(task, method, steps);
  }

  private setLanguage(lang: Lang) {
    this.state.lang = lang;
    setLang(lang);
    $<HTMLSelectElement>('lang-select').value = lang;
    this.saveState();
    this.model.render();
    this.backendPanel.render();
    this.views.renderAll();
    this.learn.draw();
    this.training.relabel();
  }

  private saveState() {
    // Only when it changed: replacing the history entry was 8% of a 128-token inspect's page time.
    const hash = writeState(this.state);
    if (hash !== location.hash) history.replaceState(null, '', hash);
  }

  /** A pasted or edited link: apply what changed. */
  private applyHash() {
    const next = readState(location.hash);
    if (next.lang !== this.state.lang) this.setLanguage(next.lang);
    if (next.backend !== this.state.backend) void this.setBackend(next.backend).catch((e) => showBanner(e.message, 'warn'));
    this.views.applyLink(next);
    if (next.model && next.model !== this.state.model) void this.loadModel({ kind: 'url', url: next.model }).catch(() => null);
    const learnMoved = next.learn !== this.state.learn || next.token !== this.state.token;
    this.state.token = next.token;
    if (next.learn === null) this.learn.close();
    else if (learnMoved) void this.learn.open(next.learn).catch(() => null);
    if (next.text !== this.state.text || next.textB !== this.state.textB) {
      void this.views.inspect(next.text, next.textB || null).catch(() => null);
    } else {
      this.views.renderAll();
      if (!learnMoved) void this.learn.refresh().catch(() => null);
    }
  }
}

const app = new App();
installApi(app);
void app.boot();
registerServiceWorker();
