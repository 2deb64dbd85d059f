// Training's shapes as they cross the worker boundary and sit in browser storage. The options
// are exactly what the core's `Training` reads (crates/bertplay-wasm/src/training.rs).

import type { Coded } from './errors';
export type FileMap = Record<string, Uint8Array>;

export type TaskKind = 'classify' | 'pretrain';

export interface DataOptions {
  task: TaskKind;
  /** A name whose extension gives the format (.csv/.tsv/.jsonl); null guesses it (pasted text). */
  file_name: string | null;
  max_len: number;
  /** Share of rows (documents, for pretraining) kept for validation. */
  validation: number;
  seed: number;
}

export interface Shape { layers: number; hidden: number; heads: number; intermediate: number }

export interface TrainOptions {
  data: DataOptions;
  lr: number;
  batch_size: number;
  epochs: number;
  warmup: number;
  weight_decay: number;
  freeze_layers: number;
  /** Random weights of this size instead of the loaded model's (its tokenizer is kept). */
  fresh: Shape | null;
}

export interface StepRecord { step: number; loss: number; grad_norm: number; lr: number; tokens: number }

export interface Prediction { line: number; text: string; text_b: string | null; label: string; predicted: string }

export interface ClassificationScores {
  loss: number; accuracy: number; macro_f1: number; examples: number; predictions: Prediction[];
}

export interface PretrainingScores {
  loss: number; mlm_top1: number; mlm_top5: number; masked_tokens: number; nsp_accuracy: number; pairs: number;
}

export type Scores = ClassificationScores | PretrainingScores;

export interface EvalRecord { step: number; epoch: number; scores: Scores }

/** The data preview (the core's `DataPreview`): sizes of both sides, the rows left out and the
 * warnings, then the task's own part. */
export type DataPreview = {
  train: number;
  validation: number;
  /** Each reason (and warning) as the core's words, which the page says in its language. */
  skipped: { line: number; reason: Coded }[];
  warnings: Coded[];
} & (
  | {
      task: 'classify';
      labels: string[];
      counts: { label: string; train: number; validation: number }[];
      rows: { line: number; text: string; text_b: string | null; label: string }[];
    }
  | { task: 'pretrain'; documents: { train: number; validation: number } }
);

/** A run's hyperparameters (the core's `Hyperparameters`). */
export interface Hyperparameters {
  lr: number;
  batch_size: number;
  epochs: number;
  max_len: number;
  warmup: number;
  weight_decay: number;
  freeze_layers: number;
  seed: number;
}

/** The form's presets, from the core: the course's table and the mini-BERT settings. */
export interface Presets {
  course: Hyperparameters;
  mini_bert: Hyperparameters;
}

/** Which preset a model's training starts from (the core decides, by the model's size). */
export interface TrainingFit {
  preset: keyof Presets;
  /** Numbers in the model's embeddings and encoder. */
  parameters: number;
  /** Below this many, the mini-BERT table. */
  small_model: number;
}

export interface RunInfo {
  step: number;
  total_steps: number;
  steps_per_epoch: number;
  epochs: number;
  batch_size: number;
  /** The learning rate of every step, known before the run starts. */
  schedule: number[];
  data: DataPreview;
}

export type RunStatus = 'running' | 'paused' | 'stopped' | 'done' | 'failed';

/** A run as the page keeps it: without its data bytes. */
export type RunView = Omit<RunMeta, 'data'>;

/** What storage keeps about the run (besides the checkpoint files). */
export interface RunMeta {
  options: TrainOptions;
  data: Uint8Array;
  dataName: string;
  /** The model the run started from, as the page named it. */
  baseModel: string;
  status: RunStatus;
  info: RunInfo;
  records: StepRecord[];
  evals: EvalRecord[];
  /** The step of the resumable checkpoint in storage, if any. */
  latestStep: number | null;
  best: { step: number; epoch: number; metric: string; value: number } | null;
  /** Seconds spent training (not evaluating or saving) and tokens seen, for tokens/s. */
  trainSeconds: number;
  tokens: number;
  /** Seconds spent scoring validation data and saving checkpoints (where the rest goes). */
  evalSeconds: number;
  saveSeconds: number;
  /** The totals as they were when the latest checkpoint was saved (restored on resume). */
  atLatest?: { tokens: number; trainSeconds: number; evalSeconds: number; saveSeconds: number; best: RunMeta['best'] };
  error?: string;
  storageError?: string;
}

export type TrainEvent =
  | { type: 'started'; run: RunMeta }
  | { type: 'steps'; records: StepRecord[]; step: number; tokens_per_s: number; eta_s: number }
  | { type: 'eval'; eval: EvalRecord }
  /** A checkpoint is being written to browser storage (it lands whole, or not at all). */
  | { type: 'saving'; slot: 'latest' | 'best'; step: number }
  | { type: 'saved'; slot: 'latest' | 'best'; step: number }
  | { type: 'status'; status: RunStatus }
  | ({ type: 'storage-error'; message: string } & Coded);

/** The 1-based epoch that step `step` (1-based) belongs to. */
export function epochOf(step: number, stepsPerEpoch: number): number {
  return Math.max(1, Math.ceil(step / Math.max(1, stepsPerEpoch)));
}

/** The model files of a checkpoint (the rest resume training). */
export const MODEL_FILES = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];
export const CHECKPOINT_FILES = [...MODEL_FILES, 'optimizer.safetensors', 'trainer_state.json'];
