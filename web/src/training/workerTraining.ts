// The worker's training methods: preview data, start or resume a run, pause/resume/stop it,
// export the trained model, and inspect a sentence before and after. The run itself is a
// TrainLoop; its checkpoints live in browser storage (runStore).

import { Model, Training } from '../pkg/bertplay_wasm.js';
import { ModelError, type ModelBytes } from '../modelSource';
import type { Inspection, ModelSummary } from '../types';
import { clearRun, loadFiles, loadMeta } from './runStore';
import { TrainLoop } from './trainLoop';
import { CHECKPOINT_FILES, MODEL_FILES, type FileMap, type RunMeta, type TrainEvent, type TrainOptions } from './types';

export interface WorkerState {
  backend(): 'webgpu' | 'cpu';
  bytes(): ModelBytes | null;
  model(): Model | null;
  summary(): ModelSummary | null;
  /** Makes `model` the page's model (it takes ownership). */
  adopt(model: Model, bytes: ModelBytes): ModelSummary;
  post(id: number, event: TrainEvent): void;
}

export function trainingMethods(w: WorkerState) {
  let loop: TrainLoop | null = null;
  /** The trained model, for views and export, once a run has made one. */
  let training: Training | null = null;
  /** The model the run started from, for "before" in comparisons. */
  let base: ModelBytes | null = null;

  const active = () => loop !== null && (loop.run.status === 'running' || loop.run.status === 'paused');
  const needLoop = () => {
    if (!loop) throw new ModelError('no training run is in progress');
    return loop;
  };

  async function drive(next: TrainLoop): Promise<RunMeta> {
    loop = next;
    try {
      return await next.go();
    } finally {
      if (loop === next && !active()) loop = null;
    }
  }

  function replaceTraining(next: Training) {
    if (training && training !== next) training.free();
    training = next;
  }

  /** Hugging Face files of the trained model: the live run's, else the stored best or latest. */
  async function exportModel(which: 'current' | 'best' = 'current'): Promise<FileMap> {
    if (which === 'current' && training) {
      const files: FileMap = await training.checkpoint();
      return Object.fromEntries(MODEL_FILES.map((n) => [n, files[n]]));
    }
    const files = (await loadFiles(which === 'best' ? 'best' : 'latest', MODEL_FILES)) ?? (await loadFiles('latest', MODEL_FILES));
    if (!files) throw new ModelError('there is no trained model to export yet');
    return files;
  }

  function modelFilesAsBytes(files: FileMap, name: string): ModelBytes {
    return {
      name,
      source: 'trained',
      config: files['config.json'],
      weights: files['model.safetensors'],
      tokenizer: files['tokenizer.json'],
      vocabTxt: false,
      lowercase: true,
    };
  }

  return {
    /** How the data would be read and split for the loaded model. */
    async previewData(data: Uint8Array, options: TrainOptions['data']) {
      const model = w.model();
      if (!model) throw new ModelError('load a model before choosing data');
      return JSON.parse(model.preview_data(data, JSON.stringify(options)));
    },

    /** A new run from the loaded model; progress arrives as events; resolves at the end. */
    async train(request: { options: TrainOptions; data: Uint8Array; dataName: string }, id: number) {
      if (active()) throw new ModelError('a training run is already in progress: stop it first');
      const bytes = w.bytes();
      if (!bytes) throw new ModelError('load a model before training');
      const next = Training.start(
        w.backend(), bytes.config, bytes.weights, bytes.tokenizer, bytes.vocabTxt, bytes.lowercase,
        request.data, JSON.stringify(request.options),
      );
      replaceTraining(next);
      base = bytes;
      await clearRun();
      const run: RunMeta = {
        options: request.options,
        data: request.data,
        dataName: request.dataName,
        baseModel: w.summary()?.name ?? bytes.name,
        status: 'running',
        info: JSON.parse(next.info()),
        records: [],
        evals: [],
        latestStep: null,
        best: null,
        trainSeconds: 0,
        tokens: 0,
        evalSeconds: 0,
        saveSeconds: 0,
      };
      w.post(id, { type: 'started', run });
      return drive(new TrainLoop(next, run, (e) => w.post(id, e)));
    },

    /** The run kept in storage, if any (without its data bytes). */
    async savedRun() {
      const run = await loadMeta();
      if (!run) return null;
      return { ...run, data: undefined, active: active() };
    },

    /** Continues the stored run from its latest checkpoint, on the current backend. */
    async resumeRun(id: number) {
      if (active()) throw new ModelError('a training run is already in progress');
      const run = await loadMeta();
      if (!run || run.latestStep === null) throw new ModelError('there is no saved checkpoint to resume');
      const files = await loadFiles('latest', CHECKPOINT_FILES);
      if (!files) throw new ModelError('the saved checkpoint is incomplete: it cannot be resumed');
      const next = Training.resume(
        w.backend(), files['config.json'], files['model.safetensors'], files['tokenizer.json'],
        files['optimizer.safetensors'], new TextDecoder().decode(files['trainer_state.json']),
        run.data, JSON.stringify(run.options),
      );
      replaceTraining(next);
      base = w.bytes();
      // Steps after the checkpoint are trained again: forget what was recorded for them.
      const at = run.latestStep;
      run.records = run.records.filter((r) => r.step <= at);
      run.evals = run.evals.filter((e) => e.step <= at);
      run.info = JSON.parse(next.info());
      delete run.error;
      w.post(id, { type: 'started', run });
      return drive(new TrainLoop(next, run, (e) => w.post(id, e)));
    },

    async trainControl(action: 'pause' | 'resume' | 'stop') {
      const l = needLoop();
      if (action === 'pause') l.pause();
      else if (action === 'resume') l.resume();
      else if (action === 'stop') l.stop();
      else throw new ModelError(`unknown training action "${action}" (use pause, resume or stop)`);
      return l.run.status;
    },

    async discardRun() {
      if (active()) throw new ModelError('stop the training run before discarding it');
      await clearRun();
      return null;
    },

    exportModel,

    /** Makes the trained model (the live run's, else the stored best) the page's model. */
    async useTrained(which: 'current' | 'best' = 'current') {
      const files = await exportModel(which);
      const run = await loadMeta();
      const name = `${run?.baseModel ?? 'model'} fine-tuned on ${run?.dataName ?? 'your data'}`;
      const bytes = modelFilesAsBytes(files, which === 'best' ? `${name} (best)` : name);
      const model = Model.load(w.backend(), bytes.config, bytes.weights, bytes.tokenizer, false, true);
      return w.adopt(model, bytes);
    },

    /** `text` through the page's model and through the trained one, for a side-by-side view. */
    async compare(text: string, textB?: string | null): Promise<{ before: Inspection; after: Inspection }> {
      if (!training || !base) throw new ModelError('train a model first: there is nothing to compare yet');
      const current = w.bytes() === base ? w.model() : null;
      const before = current ?? Model.load(w.backend(), base.config, base.weights, base.tokenizer, base.vocabTxt, base.lowercase);
      const after = training.model();
      try {
        const a = await before.inspect(text, textB ?? undefined, undefined);
        const b = await after.inspect(text, textB ?? undefined, undefined);
        return { before: JSON.parse(a), after: JSON.parse(b) };
      } finally {
        after.free();
        if (!current) before.free();
      }
    },
  };
}
