// The training panel's run room: the status line and progress bar, the loss, learning-rate and
// validation charts, and the validation rows the model got wrong. It follows the worker's
// training events; charts redraw at most once per frame.

import { describe, t } from '../../i18n';
import { drawLoss, drawSchedule, drawScores } from '../../views/trainingCharts';
import { rowsTable } from '../../views/rowsTable';
import { epochOf } from '../../trainingTypes';
import type { ClassificationScores, EvalRecord, RunView, TrainEvent } from '../../trainingTypes';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export class TrainingProgress {
  /** The run on show: live, finished, or kept in browser storage. */
  run: RunView | null = null;
  /** The data's warnings (e.g. a single label), kept in view above each epoch's scores. */
  warnings = '';
  private drawPending = false;

  /** `message` shows a line above the charts (`error` in red). */
  constructor(private message: (text: string, error?: boolean) => void) {}

  onEvent(e: TrainEvent) {
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
      case 'saving':
        $('train-status').dataset.saving = t('train.saving');
        break;
      case 'saved':
        delete $('train-status').dataset.saving;
        if (run && e.slot === 'latest') run.latestStep = e.step;
        break;
      case 'status':
        if (run) run.status = e.status;
        if (e.status === 'paused') $('train-status').textContent = t('train.statusPaused', { step: run?.info.step ?? 0, total: run?.info.total_steps ?? 0 });
        break;
      case 'storage-error':
        delete $('train-status').dataset.saving;
        this.message(t('train.storage', { why: describe(e) }), true);
        break;
    }
    this.scheduleRedraw();
  }

  private status(e: Extract<TrainEvent, { type: 'steps' }>) {
    const run = this.run!;
    const last = e.records.at(-1)!;
    $<HTMLProgressElement>('train-progress').value = e.step / run.info.total_steps;
    $('train-status').textContent = t('train.status', {
      step: e.step,
      total: run.info.total_steps,
      epoch: epochOf(e.step, run.info.steps_per_epoch),
      epochs: run.info.epochs,
      loss: last.loss.toFixed(4),
      tps: Math.round(e.tokens_per_s),
      eta: duration(e.eta_s),
    });
  }

  private scheduleRedraw() {
    if (this.drawPending) return;
    this.drawPending = true;
    requestAnimationFrame(() => {
      this.drawPending = false;
      this.redraw();
    });
  }

  redraw() {
    const run = this.run;
    if (!run) return;
    const stepLabel = t('train.stepAxis');
    drawLoss($('train-loss-chart'), run.records, run.info.total_steps, stepLabel, t);
    drawSchedule($('train-lr-chart'), run.info.schedule, run.info.step, stepLabel, t);
    const value = (e: EvalRecord) => ('accuracy' in e.scores ? e.scores.accuracy : e.scores.mlm_top1);
    drawScores($('train-eval-chart'), run.evals.map((e) => ({ epoch: e.epoch, value: value(e) })), run.info.epochs, t('train.epochAxis'), t);
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

  /** Empties the charts and tables (the run was discarded). */
  clear() {
    this.run = null;
    for (const id of ['train-loss-chart', 'train-lr-chart', 'train-eval-chart', 'train-results', 'train-compare-view', 'train-status']) $(id).replaceChildren();
    $<HTMLProgressElement>('train-progress').value = 0;
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

function renderErrors(el: HTMLElement, s: ClassificationScores) {
  const wrong = s.predictions.filter((p) => p.predicted !== p.label);
  const title = document.createElement('p');
  title.textContent = wrong.length ? t('train.errors', { n: wrong.length, total: s.predictions.length }) : t('train.noErrors');
  const rows = wrong.map((p) => [p.line, p.text_b ? `${p.text} ‖ ${p.text_b}` : p.text, p.label, p.predicted]);
  el.replaceChildren(title, ...(wrong.length ? [rowsTable([t('train.line'), t('train.text'), t('train.label'), t('train.predicted')], rows, 'train-errors')] : []));
}
