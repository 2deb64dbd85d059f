// The training panel: joins its three rooms (data, settings, progress), starts, pauses, stops
// and resumes runs, offers the run kept in this browser, and exports, uses or compares the
// trained model. The run itself happens in the worker (worker/training.ts).

import { modelName, say, t } from '../../i18n';
import type { Engine } from '../../engine';
import type { ModelSummary } from '../../types';
import { drawComparison } from '../../views/compareView';
import { nest } from '../../inspection';
import { zipModel } from '../../zipFiles';
import type { EvalRecord, FileMap, RunStatus, RunView, TrainEvent } from '../../trainingTypes';
import { TrainingData } from './trainingData';
import { TrainingProgress } from './trainingProgress';
import { TrainingSettings, type TrainRequest } from './trainingSettings';

export type { TrainRequest };

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/** What a finished (or stopped) run resolves to through the API. */
export interface TrainResult {
  status: RunStatus;
  step: number;
  total_steps: number;
  seconds: number;
  tokens_per_s: number;
  /** Where the time went: training steps, validation, checkpoints (seconds). */
  train_seconds: number;
  eval_seconds: number;
  save_seconds: number;
  evals: EvalRecord[];
  final: EvalRecord['scores'] | null;
}

/** A run as the API hands it out: events as they happen, controls, and the result. */
export interface TrainHandle {
  events: TrainEvent[];
  on(listener: (event: TrainEvent) => void): void;
  pause(): Promise<unknown>;
  resume(): Promise<unknown>;
  stop(): Promise<unknown>;
  done: Promise<TrainResult>;
}

export class TrainingPanel {
  private readonly settings: TrainingSettings;
  private readonly data: TrainingData;
  private readonly progress = new TrainingProgress((text, error) => this.message(text, error));
  private listeners: ((e: TrainEvent) => void)[] = [];
  private running = false;

  constructor(
    private engine: Engine,
    private model: () => ModelSummary | null,
    private adopt: (summary: ModelSummary) => Promise<void>,
  ) {
    this.settings = new TrainingSettings(engine);
    this.data = new TrainingData(
      engine,
      () => this.model() !== null,
      () => this.settings.options(this.data.fileName).data,
      (message) => this.message(message, true),
    );
  }

  bind() {
    this.data.bind();
    this.settings.bind(() => this.data.schedulePreview());
    $('train-start').onclick = () => void this.start().catch(() => null);
    $('train-pause').onclick = () => void this.togglePause();
    $('train-stop').onclick = () => void this.engine.call('trainControl', ['stop']).catch((e) => this.message(e.message, true));
    $('train-export').onclick = () => void this.download().catch((e) => this.message(e.message, true));
    $('train-use').onclick = () => void this.useTrained('current').catch((e) => this.message(e.message, true));
    $('train-compare').onclick = () => void this.compare().catch((e) => this.message(e.message, true));
    $('train-resume-saved').onclick = () => void this.resumeSaved().catch(() => null);
    $('train-use-best').onclick = () => void this.useTrained('best').catch((e) => this.message(e.message, true));
    $('train-download-best').onclick = () => void this.download('best').catch((e) => this.message(e.message, true));
    $('train-discard').onclick = () => void this.discard().catch((e) => this.message(e.message, true));
  }

  /** A new model: the form starts from the settings that suit it (not during a run). */
  async fitModel() {
    if (!this.running) await this.settings.fit(await this.engine.call('trainingFit', []).catch(() => null));
    this.data.schedulePreview();
  }

  /** After the page has a model (and after an engine restart): the model's name, and the run
   * kept in this browser, to resume, use or download before a new run replaces it. */
  async afterLoad() {
    $('train-model-name').textContent = this.model()?.name ?? '—';
    await this.fitModel();
    const saved = await this.engine.call('savedRun', []).catch(() => null);
    if (!saved || saved.active || this.running) return;
    this.progress.run = saved;
    // A run still marked running was cut off (a reload, a closed tab, a crash).
    const status = t(`train.status.${saved.status === 'running' ? 'interrupted' : saved.status}`);
    const parts = [
      saved.latestStep === null
        ? t('train.savedNone', { data: saved.dataName, status })
        : t('train.saved', { data: saved.dataName, step: saved.latestStep, total: saved.info.total_steps, status }),
    ];
    if (saved.error) parts.push(t('train.failed', { why: saved.error }));
    if (saved.best) {
      const metric = t(`train.metric.${saved.best.metric}`);
      parts.push(t('train.savedBest', { metric, value: saved.best.value.toFixed(3), epoch: saved.best.epoch }));
    }
    parts.push(t('train.savedReplace'));
    $('train-saved-text').textContent = parts.join(' ');
    $<HTMLButtonElement>('train-resume-saved').hidden = saved.latestStep === null || saved.status === 'done';
    $<HTMLButtonElement>('train-use-best').hidden = !saved.best;
    $<HTMLButtonElement>('train-download-best').hidden = !saved.best && saved.latestStep === null;
    $('train-saved').hidden = false;
    this.progress.redraw();
  }

  /** Fills the panel from an API request, so the page shows what a script asked for. */
  async apply(req: TrainRequest) {
    await this.settings.ready;
    this.settings.apply(req);
    await this.data.apply(req);
  }

  private message(text: string, error = false) {
    const el = $('train-message');
    el.className = error ? 'message error' : 'message';
    el.textContent = text;
  }

  private setRunning(running: boolean) {
    this.running = running;
    // A button that disables itself would drop the keyboard focus: it moves to the next control.
    const [focused, start, pause, stop] = [document.activeElement, $('train-start'), $('train-pause'), $('train-stop')];
    const next = running && focused === start ? pause : !running && (focused === pause || focused === stop) ? start : null;
    $<HTMLButtonElement>('train-start').disabled = running;
    $<HTMLButtonElement>('train-pause').disabled = !running;
    $<HTMLButtonElement>('train-stop').disabled = !running;
    $('train-pause').textContent = t('train.pause');
    if (next) next.focus();
  }

  /** Calls `listener` with every training event until the returned function is called. */
  onEvent(listener: (e: TrainEvent) => void): () => void {
    this.listeners.push(listener);
    return () => (this.listeners = this.listeners.filter((l) => l !== listener));
  }

  /** A run for the API: starts it (after `apply`) and collects its events. */
  handle(begin: () => Promise<TrainResult>): TrainHandle {
    const events: TrainEvent[] = [];
    const listeners: ((e: TrainEvent) => void)[] = [];
    const off = this.onEvent((e) => {
      events.push(e);
      for (const l of listeners) l(e);
    });
    const control = (action: 'pause' | 'resume' | 'stop') => () => this.engine.call('trainControl', [action]);
    const done = begin().finally(off);
    return { events, on: (l) => void listeners.push(l), pause: control('pause'), resume: control('resume'), stop: control('stop'), done };
  }

  /** A new run with the panel's settings; resolves when it ends. */
  async start(): Promise<TrainResult> {
    this.claim();
    let request;
    try {
      if (this.data.isEmpty()) throw new Error(t('train.noData'));
      const preview = await this.data.refreshPreview();
      this.progress.warnings = preview?.warnings.map(say).join(' ') ?? '';
      this.message(this.progress.warnings);
      request = { options: this.settings.options(this.data.fileName), data: this.data.bytes(), dataName: this.data.name || t('train.pasted') };
    } catch (e) {
      this.setRunning(false);
      throw this.fail(e as Error);
    }
    return this.drive((onEvent) => this.engine.call('train', [request], undefined, onEvent));
  }

  async resumeSaved(): Promise<TrainResult> {
    this.claim();
    this.progress.warnings = '';
    return this.drive((onEvent) => this.engine.call('resumeRun', [], undefined, onEvent));
  }

  /** Refuses a second run at once; otherwise marks the panel busy before anything awaits. */
  private claim() {
    if (this.running) throw this.fail(new Error(t('train.busy')));
    this.setRunning(true);
    $('train-saved').hidden = true;
  }

  private async discard() {
    await this.engine.call('discardRun', []);
    $('train-saved').hidden = true;
    this.progress.clear();
    for (const id of ['train-export', 'train-use', 'train-compare']) $<HTMLButtonElement>(id).disabled = true;
  }

  private fail(e: Error): Error {
    this.message(t('train.failed', { why: e.message }), true);
    return e;
  }

  /** Runs a claimed training call in the worker, showing its events as they come. */
  private async drive(start: (onEvent: (e: TrainEvent) => void) => Promise<RunView>): Promise<TrainResult> {
    const started = performance.now();
    try {
      const run = await start((e) => {
        this.progress.onEvent(e);
        for (const l of this.listeners) l(e);
      });
      this.progress.run = run;
      this.progress.redraw();
      return {
        status: run.status,
        step: run.info.step,
        total_steps: run.info.total_steps,
        seconds: (performance.now() - started) / 1000,
        tokens_per_s: run.tokens / Math.max(run.trainSeconds, 1e-9),
        train_seconds: run.trainSeconds,
        eval_seconds: run.evalSeconds,
        save_seconds: run.saveSeconds,
        evals: run.evals,
        final: run.evals.at(-1)?.scores ?? null,
      };
    } catch (e) {
      throw this.fail(e as Error);
    } finally {
      this.setRunning(false);
      const run = this.progress.run;
      const trained = run !== null && run.records.length > 0;
      for (const id of ['train-export', 'train-use', 'train-compare']) $<HTMLButtonElement>(id).disabled = !trained;
    }
  }

  /** After a language switch: the pause button says what it will do now. */
  relabel() {
    $('train-pause').textContent = t(this.progress.run?.status === 'paused' ? 'train.resume' : 'train.pause');
    this.settings.relabel();
    this.progress.redraw();
  }

  private async togglePause() {
    const paused = this.progress.run?.status === 'paused';
    await this.engine.call('trainControl', [paused ? 'resume' : 'pause']).catch((e) => this.message(e.message, true));
    $('train-pause').textContent = t(paused ? 'train.pause' : 'train.resume');
  }

  async exportFiles(which: 'current' | 'best' = 'current'): Promise<FileMap> {
    return this.engine.call('exportModel', [which]);
  }

  private async download(which: 'current' | 'best' = 'current') {
    const files = await this.exportFiles(which);
    const folder = `bertplay-${(this.progress.run?.dataName ?? 'model').replace(/^.*\//, '').replace(/\.[a-z]+$/i, '').replace(/[^\w-]+/g, '-')}`;
    const blob = new Blob([zipModel(files, folder) as BlobPart], { type: 'application/zip' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `${folder}.zip`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }

  private async useTrained(which: 'current' | 'best') {
    const summary: ModelSummary = await this.engine.useTrained(which);
    $('train-saved').hidden = true;
    await this.adopt(summary);
    this.message(t('train.inUse'));
  }

  async compare(text?: string) {
    if (text !== undefined) $<HTMLInputElement>('train-compare-text').value = text;
    text = $<HTMLInputElement>('train-compare-text').value;
    const packed = await this.engine.call('compare', [text]);
    const pair = { before: nest(packed.before), after: nest(packed.after) };
    drawComparison($('train-compare-view'), pair, {
      before: t('train.before', { name: modelName(this.progress.run?.baseModel ?? this.model()?.name ?? '') }),
      after: t('train.after'),
      vectors: t('train.pooler'),
    }, t);
    return pair;
  }
}
