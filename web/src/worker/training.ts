// The worker's training methods: preview data, start or resume a run, pause/resume/stop it,
// export the trained model, and inspect a sentence before and after. The run itself is a
// TrainLoop; its checkpoints live in browser storage (runStore).

import { Model, Training, training_fit, training_presets } from '../pkg/bertplay_wasm.js';
import { ModelError, type ModelBytes } from './modelSource';
import { errorStrings, fill, type Coded } from '../errors';
import { Turns } from './turns';
import { JsonText } from './jsonText';
import type { ModelSummary } from '../types';
import type { PackedInspection } from '../inspection';
import { clearRun, loadFiles, loadMeta } from './runStore';
import { TrainLoop } from './trainLoop';
import {
  CHECKPOINT_FILES, MODEL_FILES, type DataPreview, type FileMap, type Presets, type RunMeta, type TrainEvent, type TrainingFit, type TrainOptions,
} from '../trainingTypes';

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
  /** The live (or last) run's core object and its queue; the model it holds is the trained one. */
  let current: { training: Training; turns: Turns } | null = null;
  let loop: TrainLoop | null = null;
  /** Set from the moment a run is asked for, so a second request is refused at once. */
  let claimed = false;
  /** The model the run started from, for "before" in comparisons. */
  let base: ModelBytes | null = null;

  /** Marks a run as asked for (a second request is refused at once), then takes the origin's
   * training lock: browser storage keeps one run, so two tabs must not train (or discard) into
   * it at once. Resolves to the lock's release. */
  async function claim(): Promise<() => void> {
    if (claimed) throw new ModelError('training.busy');
    claimed = true;
    try {
      return await storageLock();
    } catch (e) {
      claimed = false;
      throw e;
    }
  }

  function replaceTraining(next: Training | null) {
    current?.training.free();
    current = next ? { training: next, turns: new Turns() } : null;
  }

  async function drive(next: TrainLoop): Promise<RunMeta> {
    loop = next;
    try {
      return await next.go();
    } catch (e) {
      // A diverged or failed run's weights are not worth keeping: storage has the good ones.
      if (current?.training === next.training) replaceTraining(null);
      throw e;
    } finally {
      loop = null;
      claimed = false;
    }
  }

  /** Hugging Face files of the trained model: the live run's, else the stored best or latest. */
  async function exportModel(which: 'current' | 'best' = 'current'): Promise<FileMap> {
    if (which === 'current' && current) {
      const { training, turns } = current;
      return turns.take(() => training.model_files());
    }
    const files = (await loadFiles(which === 'best' ? 'best' : 'latest', MODEL_FILES)) ?? (await loadFiles('latest', MODEL_FILES));
    if (!files) throw new ModelError('training.noExport');
    return files;
  }

  /** "base fine-tuned on data", in English and as words the page translates. */
  function runName(run: RunMeta | null, which: 'current' | 'best'): Coded {
    const code = `name.${run?.options.data.task === 'pretrain' ? 'pretrained' : 'fineTuned'}${which === 'best' ? 'Best' : ''}`;
    const params = { model: run?.baseModel ?? { code: 'name.model' }, data: run?.dataName ?? { code: 'name.yourData' } };
    return { code, params, text: fill(errorStrings.en[code], params, 'en') };
  }

  return {
    /** How the data would be read and split for the loaded model. */
    async previewData(data: Uint8Array, options: TrainOptions['data']) {
      const model = w.model();
      if (!model) throw new ModelError('training.modelBeforeData');
      return new JsonText<DataPreview>(model.preview_data(data, JSON.stringify(options)));
    },

    /** The training form's presets: the course's table and the mini-BERT settings. */
    async trainingPresets() {
      return new JsonText<Presets>(training_presets());
    },

    /** Which preset suits the loaded model, or null without one. */
    async trainingFit() {
      const bytes = w.bytes();
      return new JsonText<TrainingFit | null>(bytes ? training_fit(bytes.config) : 'null');
    },

    /** A new run from the loaded model (it replaces the stored one); progress arrives as
     * events; resolves at the end. */
    async train(request: { options: TrainOptions; data: Uint8Array; dataName: string }, id: number) {
      const release = await claim();
      try {
        const bytes = w.bytes();
        if (!bytes) throw new ModelError('training.modelBeforeTraining');
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
        return await drive(new TrainLoop(next, current!.turns, run, (e) => w.post(id, e)));
      } finally {
        claimed = false;
        release();
      }
    },

    /** The run kept in storage, if any (without its data bytes). */
    async savedRun() {
      const run = await loadMeta();
      if (!run) return null;
      const { data, ...meta } = run;
      return { ...meta, active: claimed };
    },

    /** Continues the stored run from its latest checkpoint, on the current backend. */
    async resumeRun(id: number) {
      const release = await claim();
      try {
        const run = await loadMeta();
        if (!run || run.latestStep === null) throw new ModelError('training.noCheckpoint');
        const files = await loadFiles('latest', CHECKPOINT_FILES);
        if (!files) throw new ModelError('training.checkpointIncomplete');
        const next = Training.resume(
          w.backend(), files['config.json'], files['model.safetensors'], files['tokenizer.json'],
          files['optimizer.safetensors'], new TextDecoder().decode(files['trainer_state.json']),
          run.data, JSON.stringify(run.options),
        );
        replaceTraining(next);
        // "Before" is the run's starting model only if that is what the page has loaded.
        base = w.summary()?.name === run.baseModel ? w.bytes() : null;
        // Steps after the checkpoint are trained again: forget what was recorded for them.
        const at = run.latestStep;
        run.records = run.records.filter((r) => r.step <= at);
        run.evals = run.evals.filter((e) => e.step <= at);
        if (run.atLatest) Object.assign(run, run.atLatest);
        run.info = JSON.parse(next.info());
        delete run.error;
        w.post(id, { type: 'started', run });
        return await drive(new TrainLoop(next, current!.turns, run, (e) => w.post(id, e)));
      } finally {
        claimed = false;
        release();
      }
    },

    async trainControl(action: 'pause' | 'resume' | 'stop') {
      if (!loop) throw new ModelError('training.notRunning');
      if (action === 'pause') loop.pause();
      else if (action === 'resume') loop.resume();
      else if (action === 'stop') loop.stop();
      else throw new ModelError('training.unknownAction', { action });
      return loop.run.status;
    },

    async discardRun() {
      if (claimed) throw new ModelError('training.stopFirst');
      const release = await storageLock();
      try {
        await clearRun();
      } finally {
        release();
      }
      replaceTraining(null);
      base = null;
      return null;
    },

    exportModel,

    /** Makes the trained model (the live run's, else the stored best) the page's model. */
    async useTrained(which: 'current' | 'best' = 'current') {
      const files = await exportModel(which);
      const run = await loadMeta();
      const said = runName(run, which);
      const bytes: ModelBytes = {
        name: said.text!,
        said,
        source: 'trained',
        config: files['config.json'],
        weights: files['model.safetensors'],
        tokenizer: files['tokenizer.json'],
        vocabTxt: false,
        lowercase: true,
      };
      const model = Model.load(w.backend(), bytes.config, bytes.weights, bytes.tokenizer, false, true);
      return w.adopt(model, bytes);
    },

    /** `text` through the run's starting model and through the trained one, side by side. */
    async compare(text: string, textB?: string | null): Promise<{ before: PackedInspection; after: PackedInspection }> {
      if (!current) throw new ModelError('training.nothingToCompare');
      if (!base) throw new ModelError('training.loadBase');
      const start = base;
      const { training, turns } = current;
      const loaded = w.bytes() === start ? w.model() : null;
      const before = loaded ?? Model.load(w.backend(), start.config, start.weights, start.tokenizer, start.vocabTxt, start.lowercase);
      const after = await turns.take(async () => training.model());
      try {
        const a: PackedInspection = await before.inspect(text, textB ?? undefined, undefined);
        const b: PackedInspection = await after.inspect(text, textB ?? undefined, undefined);
        return { before: a, after: b };
      } finally {
        after.free();
        if (!loaded) before.free();
      }
    },
  };
}

/** The origin's lock on the stored run (Web Locks, shared by every tab and worker of the page).
 * A tab that is going away (a reload) lets go within moments, so the lock is waited for a
 * little; a tab that is still training holds it, and the request is refused with a message. */
function storageLock(): Promise<() => void> {
  if (!('locks' in navigator)) return Promise.resolve(() => {});
  return new Promise((granted, refused) => {
    navigator.locks
      .request(LOCK, { signal: AbortSignal.timeout(LOCK_WAIT_MS) }, () => new Promise<void>((release) => granted(release)))
      .catch((e: DOMException) =>
        refused(
          e?.name === 'TimeoutError' || e?.name === 'AbortError'
            ? new ModelError('training.otherTab')
            : e,
        ),
      );
  });
}

const LOCK = 'bertplay-training-run';
const LOCK_WAIT_MS = 5_000;
