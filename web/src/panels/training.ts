// The training panel: data (sample, upload or paste) with a live preview of how it is read and
// split, hyperparameters, Train / Pause / Stop, live charts and status, the validation errors,
// export, and before/after views. The run itself happens in the worker (worker/training.ts).

import { t } from '../i18n';
import type { Engine } from '../engine';
import type { ModelSummary } from '../types';
import { drawLoss, drawSchedule, drawScores } from '../views/trainingCharts';
import { drawComparison } from '../views/compareView';
import { nest } from '../inspection';
import { zipModel } from '../zipFiles';
import { epochOf } from '../trainingTypes';
import type {
  ClassificationScores, DataPreview, EvalRecord, FileMap, RunView, RunStatus, Shape, TrainEvent, TrainOptions,
} from '../trainingTypes';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const num = (id: string) => Number($<HTMLInputElement>(id).value);

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

/** Options of `bertplay.train` (all optional; the panel's values fill the rest). */
export interface TrainRequest {
  /** Data text, or the path of a bundled sample (e.g. "samples/topics-en-500.csv"). */
  data?: string;
  sample?: string;
  fileName?: string | null;
  task?: 'classify' | 'pretrain';
  lr?: number;
  batchSize?: number;
  epochs?: number;
  maxLen?: number;
  warmup?: number;
  weightDecay?: number;
  freezeLayers?: number;
  seed?: number;
  validation?: number;
  fresh?: Shape | null;
}

/** The course's table (for a pretrained BERT), and what a mini-BERT needs to learn much at all. */
const PRESETS: Record<'course' | 'small', TrainRequest> = {
  course: { lr: 2e-5, batchSize: 8, epochs: 3, maxLen: 128, warmup: 0, weightDecay: 0.01 },
  small: { lr: 5e-4, batchSize: 16, epochs: 8, maxLen: 64, warmup: 0.1, weightDecay: 0.01 },
};

export class TrainingPanel {
  private fileName: string | null = null;
  private dataName = '';
  private previewTurn = 0;
  private run: RunView | null = null;
  private listeners: ((e: TrainEvent) => void)[] = [];
  private running = false;
  /** The data's warnings (e.g. a single label), kept in view above each epoch's scores. */
  private warnings = '';
  private drawPending = false;

  constructor(
    private engine: Engine,
    private model: () => ModelSummary | null,
    private adopt: (summary: ModelSummary) => Promise<void>,
  ) {}

  bind() {
    $<HTMLSelectElement>('train-sample').onchange = (e) => {
      const path = (e.target as HTMLSelectElement).value;
      if (path) void this.loadSample(path).catch((err) => this.message(err.message, true));
    };
    $<HTMLInputElement>('train-file').onchange = async (e) => {
      const file = (e.target as HTMLInputElement).files?.[0];
      if (!file) return;
      $<HTMLTextAreaElement>('train-text').value = await file.text();
      this.setData(file.name, file.name);
    };
    $<HTMLTextAreaElement>('train-text').oninput = () => {
      if (!this.dataName || this.dataName.startsWith('samples/')) this.setData('pasted text', this.fileName);
      else this.schedulePreview();
    };
    for (const id of ['train-task', 'train-validation', 'train-max-len', 'train-seed']) $(id).onchange = () => this.schedulePreview();
    $('train-preset-course').onclick = () => void this.apply(PRESETS.course);
    $('train-preset-small').onclick = () => void this.apply(PRESETS.small);
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

  /** After the page has a model (and after an engine restart): the model's name, and the run
   * kept in this browser, to resume, use or download before a new run replaces it. */
  async afterLoad() {
    $('train-model-name').textContent = this.model()?.name ?? '—';
    this.schedulePreview();
    const saved = await this.engine.call('savedRun', []).catch(() => null);
    if (!saved || saved.active || this.running) return;
    this.run = saved;
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
    this.redraw();
  }

  private async loadSample(path: string) {
    const response = await fetch(new URL(path, location.href));
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    $<HTMLTextAreaElement>('train-text').value = await response.text();
    this.setData(path, path.split('/').pop()!);
  }

  private setData(name: string, fileName: string | null) {
    this.dataName = name;
    this.fileName = fileName;
    $('train-data-name').textContent = name;
    this.schedulePreview();
  }

  private dataBytes(): Uint8Array {
    return new TextEncoder().encode($<HTMLTextAreaElement>('train-text').value);
  }

  options(): TrainOptions {
    const fresh = document.querySelector<HTMLInputElement>('input[name="train-start"][value="fresh"]')!.checked;
    const task = $<HTMLSelectElement>('train-task').value as TrainOptions['data']['task'];
    return {
      data: {
        task,
        // Pretraining reads plain text whatever the file is called.
        file_name: task === 'classify' ? this.fileName : null,
        max_len: num('train-max-len'),
        validation: num('train-validation'),
        seed: num('train-seed'),
      },
      lr: num('train-lr'),
      batch_size: num('train-batch'),
      epochs: num('train-epochs'),
      warmup: num('train-warmup'),
      weight_decay: num('train-weight-decay'),
      freeze_layers: num('train-freeze'),
      fresh: fresh
        ? { layers: num('train-fresh-layers'), hidden: num('train-fresh-hidden'), heads: num('train-fresh-heads'), intermediate: num('train-fresh-intermediate') }
        : null,
    };
  }

  /** Fills the panel from an API request, so the page shows what a script asked for. */
  async apply(req: TrainRequest) {
    const set = (id: string, v: unknown) => {
      if (v !== undefined && v !== null) $<HTMLInputElement>(id).value = String(v);
    };
    set('train-task', req.task);
    set('train-lr', req.lr);
    set('train-batch', req.batchSize);
    set('train-epochs', req.epochs);
    set('train-max-len', req.maxLen);
    set('train-warmup', req.warmup);
    set('train-weight-decay', req.weightDecay);
    set('train-freeze', req.freezeLayers);
    set('train-seed', req.seed);
    set('train-validation', req.validation);
    if (req.fresh !== undefined) {
      document.querySelector<HTMLInputElement>(`input[name="train-start"][value="${req.fresh ? 'fresh' : 'loaded'}"]`)!.checked = true;
      if (req.fresh) {
        set('train-fresh-layers', req.fresh.layers);
        set('train-fresh-hidden', req.fresh.hidden);
        set('train-fresh-heads', req.fresh.heads);
        set('train-fresh-intermediate', req.fresh.intermediate);
      }
    }
    if (req.sample) {
      $<HTMLSelectElement>('train-sample').value = req.sample;
      await this.loadSample(req.sample);
    } else if (req.data !== undefined) {
      $<HTMLTextAreaElement>('train-text').value = req.data;
      this.setData(req.fileName ?? 'pasted text', req.fileName ?? null);
    } else this.schedulePreview();
  }

  private previewTimer = 0;
  private schedulePreview() {
    clearTimeout(this.previewTimer);
    // Its errors are shown in the preview itself.
    this.previewTimer = window.setTimeout(() => void this.refreshPreview().catch(() => null), 250);
  }

  /** How the data will be read: counts, labels, first rows, bad rows; or why it cannot be. */
  async refreshPreview(): Promise<DataPreview | null> {
    const turn = ++this.previewTurn;
    const el = $('train-preview');
    const text = $<HTMLTextAreaElement>('train-text').value;
    if (!text.trim() || !this.model()) {
      el.replaceChildren();
      return null;
    }
    try {
      const preview: DataPreview = await this.engine.call('previewData', [this.dataBytes(), this.options().data]);
      if (turn !== this.previewTurn) return preview;
      renderPreview(el, preview);
      return preview;
    } catch (e) {
      if (turn !== this.previewTurn) throw e;
      el.replaceChildren(errorLine((e as Error).message));
      throw e;
    }
  }

  private message(text: string, error = false) {
    const el = $('train-message');
    el.className = error ? 'message error' : 'message';
    el.textContent = text;
  }

  private setRunning(running: boolean) {
    this.running = running;
    $<HTMLButtonElement>('train-start').disabled = running;
    $<HTMLButtonElement>('train-pause').disabled = !running;
    $<HTMLButtonElement>('train-stop').disabled = !running;
    $('train-pause').textContent = t('train.pause');
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
      if (!$<HTMLTextAreaElement>('train-text').value.trim()) throw new Error(t('train.noData'));
      const preview = await this.refreshPreview();
      this.warnings = preview?.warnings.join(' ') ?? '';
      this.message(this.warnings);
      request = { options: this.options(), data: this.dataBytes(), dataName: this.dataName || 'pasted text' };
    } catch (e) {
      this.setRunning(false);
      throw this.fail(e as Error);
    }
    return this.drive((onEvent) => this.engine.call('train', [request], undefined, onEvent));
  }

  async resumeSaved(): Promise<TrainResult> {
    this.claim();
    this.warnings = '';
    return this.drive((onEvent) => this.engine.call('resumeRun', [], undefined, onEvent));
  }

  /** Refuses a second run at once; otherwise marks the panel busy before anything awaits. */
  private claim() {
    if (this.running) throw this.fail(new Error('a training run is already in progress'));
    this.setRunning(true);
    $('train-saved').hidden = true;
  }

  private async discard() {
    await this.engine.call('discardRun', []);
    this.run = null;
    $('train-saved').hidden = true;
    for (const id of ['train-loss-chart', 'train-lr-chart', 'train-eval-chart', 'train-results', 'train-compare-view', 'train-status']) $(id).replaceChildren();
    $<HTMLProgressElement>('train-progress').value = 0;
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
      const run = await start((e) => this.onTrainEvent(e));
      this.run = run;
      this.redraw();
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
      const trained = this.run !== null && this.run.records.length > 0;
      for (const id of ['train-export', 'train-use', 'train-compare']) $<HTMLButtonElement>(id).disabled = !trained;
    }
  }

  private onTrainEvent(e: TrainEvent) {
    const run = this.run;
    switch (e.type) {
      case 'started':
        this.run = e.run;
        break;
      case 'steps':
        run?.records.push(...e.records);
        if (run) run.info.step = e.step;
        this.status(e);
        break;
      case 'eval':
        run?.evals.push(e.eval);
        this.message([this.warnings, evalLine(e.eval)].filter(Boolean).join(' '));
        break;
      case 'saved':
        if (run && e.slot === 'latest') run.latestStep = e.step;
        break;
      case 'status':
        if (run) run.status = e.status;
        if (e.status === 'paused') $('train-status').textContent = t('train.statusPaused', { step: run?.info.step ?? 0, total: run?.info.total_steps ?? 0 });
        break;
      case 'storage-error':
        this.message(t('train.storage', { why: e.message }), true);
        break;
    }
    this.scheduleRedraw();
    for (const l of this.listeners) l(e);
  }

  private status(e: Extract<TrainEvent, { type: 'steps' }>) {
    const run = this.run!;
    const last = e.records.at(-1)!;
    const epochs = run.info.epochs;
    $<HTMLProgressElement>('train-progress').value = e.step / run.info.total_steps;
    $('train-status').textContent = t('train.status', {
      step: e.step,
      total: run.info.total_steps,
      epoch: epochOf(e.step, run.info.steps_per_epoch),
      epochs,
      loss: last.loss.toFixed(4),
      tps: Math.round(e.tokens_per_s),
      eta: duration(e.eta_s),
    });
  }

  /** Charts redraw at most once per frame however fast events arrive. */
  private scheduleRedraw() {
    if (this.drawPending) return;
    this.drawPending = true;
    requestAnimationFrame(() => {
      this.drawPending = false;
      this.redraw();
    });
  }

  private redraw() {
    const run = this.run;
    if (!run) return;
    const stepLabel = t('train.stepAxis');
    drawLoss($('train-loss-chart'), run.records, run.info.total_steps, stepLabel);
    drawSchedule($('train-lr-chart'), run.info.schedule, run.info.step, stepLabel);
    const value = (e: EvalRecord) => ('accuracy' in e.scores ? e.scores.accuracy : e.scores.mlm_top1);
    drawScores($('train-eval-chart'), run.evals.map((e) => ({ epoch: e.epoch, value: value(e) })), run.info.epochs, t('train.epochAxis'));
    $<HTMLProgressElement>('train-progress').value = run.info.step / Math.max(1, run.info.total_steps);
    if (run.status === 'done' || run.status === 'stopped') {
      const key = run.status === 'done' ? 'train.statusDone' : 'train.statusStopped';
      $('train-status').textContent = t(key, {
        step: run.info.step, total: run.info.total_steps, time: duration(run.trainSeconds), tps: Math.round(run.tokens / Math.max(run.trainSeconds, 1e-9)),
      });
    }
    const last = run.evals.at(-1);
    if (last && 'predictions' in last.scores) renderErrors($('train-results'), last.scores);
    else $('train-results').replaceChildren();
  }

  /** After a language switch: the pause button says what it will do now. */
  relabel() {
    $('train-pause').textContent = t(this.run?.status === 'paused' ? 'train.resume' : 'train.pause');
    this.redraw();
  }

  private async togglePause() {
    const paused = this.run?.status === 'paused';
    await this.engine.call('trainControl', [paused ? 'resume' : 'pause']).catch((e) => this.message(e.message, true));
    $('train-pause').textContent = t(paused ? 'train.pause' : 'train.resume');
  }

  async exportFiles(which: 'current' | 'best' = 'current'): Promise<FileMap> {
    return this.engine.call('exportModel', [which]);
  }

  private async download(which: 'current' | 'best' = 'current') {
    const files = await this.exportFiles(which);
    const folder = `bertplay-${(this.run?.dataName ?? 'model').replace(/^.*\//, '').replace(/\.[a-z]+$/i, '').replace(/[^\w-]+/g, '-')}`;
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
      before: t('train.before', { name: this.run?.baseModel ?? this.model()?.name ?? '' }),
      after: t('train.after'),
      vectors: t('train.pooler'),
    }, t);
    return pair;
  }
}

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function evalLine(e: EvalRecord): string {
  const f = (x: number) => x.toFixed(3);
  const s = e.scores;
  return 'accuracy' in s
    ? t('train.evalLine', { epoch: e.epoch, acc: f(s.accuracy), f1: f(s.macro_f1), loss: f(s.loss) })
    : t('train.evalLinePretrain', { epoch: e.epoch, top1: f(s.mlm_top1), top5: f(s.mlm_top5), nsp: f(s.nsp_accuracy) });
}

function errorLine(text: string): HTMLElement {
  const p = document.createElement('p');
  p.className = 'error';
  p.dataset.testid = 'train-preview-error';
  p.textContent = text;
  return p;
}

function table(headers: string[], rows: (string | number)[][], testid: string): HTMLTableElement {
  const tableEl = document.createElement('table');
  tableEl.className = 'rows';
  tableEl.dataset.testid = testid;
  const head = tableEl.createTHead().insertRow();
  for (const h of headers) head.appendChild(document.createElement('th')).textContent = h;
  const body = tableEl.createTBody();
  for (const r of rows) {
    const tr = body.insertRow();
    for (const cell of r) tr.insertCell().textContent = String(cell);
  }
  return tableEl;
}

function renderPreview(el: HTMLElement, p: DataPreview) {
  const parts: HTMLElement[] = [];
  const line = (text: string, cls = '') => {
    const e = document.createElement('p');
    e.textContent = text;
    if (cls) e.className = cls;
    parts.push(e);
  };
  if (p.task === 'classify') {
    line(t('train.previewCounts', { train: p.train, validation: p.validation }));
    parts.push(table([t('train.label'), t('train.train'), t('train.validationCol')], p.counts!.map((c) => [c.label, c.train, c.validation]), 'train-preview-counts'));
  } else {
    line(t('train.previewDocs', { train: p.train, validation: p.validation, dtrain: p.documents!.train, dvalidation: p.documents!.validation }));
  }
  for (const w of p.warnings) line(w, 'warning');
  if (p.skipped.length) {
    line(t('train.previewSkipped', { n: p.skipped.length }), 'error');
    parts.push(table([t('train.line'), ''], p.skipped.map((s) => [s.line, s.reason]), 'train-preview-skipped'));
  }
  if (p.rows?.length) {
    line(t('train.previewRows'));
    parts.push(table([t('train.line'), t('train.text'), t('train.label')], p.rows.slice(0, 8).map((r) => [r.line, r.text_b ? `${r.text} ‖ ${r.text_b}` : r.text, r.label]), 'train-preview-rows'));
  }
  el.replaceChildren(...parts);
}

function renderErrors(el: HTMLElement, s: ClassificationScores) {
  const wrong = s.predictions.filter((p) => p.predicted !== p.label);
  const title = document.createElement('p');
  title.textContent = wrong.length ? t('train.errors', { n: wrong.length, total: s.predictions.length }) : t('train.noErrors');
  const rows = wrong.map((p) => [p.line, p.text_b ? `${p.text} ‖ ${p.text_b}` : p.text, p.label, p.predicted]);
  el.replaceChildren(title, ...(wrong.length ? [table([t('train.line'), t('train.text'), t('train.label'), t('train.predicted')], rows, 'train-errors')] : []));
}

