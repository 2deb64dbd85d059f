// The training loop of the Web Worker: the core trains a chunk of steps at a time (one device
// read per chunk), and between chunks this loop reports progress, obeys pause and stop, scores
// the validation data at each epoch's end and saves checkpoints to browser storage.

import type { Training } from '../pkg/bertplay_wasm.js';
import type { Turns } from './turns';
import { saveCheckpoint, saveMeta, StorageError } from './runStore';
import { epochOf, type EvalRecord, type FileMap, type RunMeta, type RunStatus, type Scores, type StepRecord, type TrainEvent } from '../trainingTypes';

/** How long one chunk of steps should take: short enough for live charts and a quick pause. */
const CHUNK_MS = 700;
/** Besides every epoch's end, a checkpoint at least this often while training. */
const SAVE_EVERY_MS = 60_000;

export class TrainLoop {
  private paused = false;
  private stopped = false;
  private wake: (() => void) | null = null;

  constructor(
    readonly training: Training,
    /** Every call on `training` goes through here, so exports never overlap a chunk. */
    readonly turns: Turns,
    readonly run: RunMeta,
    private emit: (event: TrainEvent) => void,
  ) {}

  pause() {
    this.paused = true;
  }

  resume() {
    this.paused = false;
    this.wake?.();
  }

  /** Ends the run after the chunk in flight; the model trained so far is kept and saved. */
  stop() {
    this.stopped = true;
    this.wake?.();
  }

  private setStatus(status: RunStatus) {
    this.run.status = status;
    this.emit({ type: 'status', status });
  }

  /** Trains to the end (or until stopped); resolves to the run's record. */
  async go(): Promise<RunMeta> {
    const run = this.run;
    this.setStatus('running');
    await this.persist(() => saveMeta(run));
    let chunk = 1;
    let lastSave = performance.now();
    try {
      while (!this.stopped && run.info.step < run.info.total_steps) {
        if (this.paused) {
          this.setStatus('paused');
          // Listen before saving: a resume or stop during the save must not be missed.
          const woken = new Promise<void>((resolve) => (this.wake = resolve));
          await this.save();
          lastSave = performance.now();
          if (this.paused && !this.stopped) await woken;
          this.wake = null;
          if (this.stopped) break;
          this.setStatus('running');
        }
        const t0 = performance.now();
        const out: { records: StepRecord[]; epoch_end: boolean; done: boolean } = JSON.parse(
          await this.turns.take(() => this.training.run(chunk)),
        );
        const ms = performance.now() - t0;
        // Aim the next chunk at CHUNK_MS from this one's time per step.
        chunk = Math.max(1, Math.min(64, Math.round((CHUNK_MS * out.records.length) / Math.max(ms, 1))));
        run.trainSeconds += ms / 1000;
        run.tokens += out.records.reduce((n, r) => n + r.tokens, 0);
        run.records.push(...out.records);
        run.info.step = out.records.at(-1)!.step;
        const perStep = run.trainSeconds / Math.max(1, run.records.length);
        this.emit({
          type: 'steps',
          records: out.records,
          step: run.info.step,
          tokens_per_s: run.tokens / Math.max(run.trainSeconds, 1e-9),
          eta_s: perStep * (run.info.total_steps - run.info.step),
        });
        if (out.epoch_end || out.done) {
          await this.evaluate();
          await this.save();
          lastSave = performance.now();
        } else if (performance.now() - lastSave > SAVE_EVERY_MS) {
          await this.save();
          lastSave = performance.now();
        }
      }
      if (run.latestStep !== run.info.step) await this.save();
      this.setStatus(run.info.step >= run.info.total_steps ? 'done' : 'stopped');
      await this.persist(() => saveMeta(run));
      return run;
    } catch (e) {
      run.error = String((e as Error)?.message ?? e);
      this.setStatus('failed');
      await this.persist(() => saveMeta(run));
      throw e;
    }
  }

  private async evaluate() {
    const t0 = performance.now();
    const scores: Scores | null = JSON.parse(await this.turns.take(() => this.training.evaluate()));
    this.run.evalSeconds += (performance.now() - t0) / 1000;
    if (!scores) return;
    const epoch = epochOf(this.run.info.step, this.run.info.steps_per_epoch);
    const record: EvalRecord = { step: this.run.info.step, epoch, scores };
    this.run.evals.push(record);
    this.emit({ type: 'eval', eval: record });
    const [metric, value] = 'accuracy' in scores ? ['accuracy', scores.accuracy] : ['mlm_top1', scores.mlm_top1];
    if (this.run.best && value <= this.run.best.value) return;
    const t1 = performance.now();
    const previous = this.run.best;
    this.run.best = { step: record.step, epoch, metric, value };
    const files: FileMap = await this.turns.take(() => this.training.model_files());
    this.emit({ type: 'saving', slot: 'best', step: record.step });
    if (await this.persist(() => saveCheckpoint('best', files, this.run))) {
      this.emit({ type: 'saved', slot: 'best', step: record.step });
    } else {
      this.run.best = previous;
    }
    this.run.saveSeconds += (performance.now() - t1) / 1000;
  }

  /** The resumable checkpoint (weights, optimizer, step) and the run's record as it stands. */
  private async save() {
    const t0 = performance.now();
    const run = this.run;
    const files: FileMap = await this.turns.take(() => this.training.checkpoint());
    const previous = { latestStep: run.latestStep, atLatest: run.atLatest };
    run.latestStep = run.info.step;
    // What a resume restores: the totals as they were at this checkpoint.
    run.atLatest = { tokens: run.tokens, trainSeconds: run.trainSeconds, evalSeconds: run.evalSeconds, saveSeconds: run.saveSeconds, best: run.best };
    this.emit({ type: 'saving', slot: 'latest', step: run.info.step });
    if (await this.persist(() => saveCheckpoint('latest', files, run))) {
      this.emit({ type: 'saved', slot: 'latest', step: run.info.step });
    } else {
      Object.assign(run, previous);
    }
    run.saveSeconds += (performance.now() - t0) / 1000;
  }

  /** Storage errors are reported, and training goes on; other errors stop the run. */
  private async persist(write: () => Promise<void>): Promise<boolean> {
    try {
      await write();
      if (this.run.storageError) delete this.run.storageError;
      return true;
    } catch (e) {
      if (!(e instanceof StorageError)) throw e;
      this.run.storageError = e.message;
      this.emit({ type: 'storage-error', message: e.message, code: e.code, params: e.params });
      return false;
    }
  }
}
