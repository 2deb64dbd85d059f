// `window.bertplay`: the playground from the browser console (and from the browser tests).
// Every call drives the page, so what a script does is also what the page shows, and returns
// plain JSON shaped like the CLI's `--json` output.

import type { Engine } from './engine';
import { say } from './i18n';
import type { ModelSource } from './worker/modelSource';
import type { TrainingPanel, TrainRequest } from './panels/training/trainingPanel';
import { saliencyTask, type SaliencyInputs, type SaliencyTaskName } from './panels/saliencyPanel';
import type {
  Answer, BackendInfo, Classification, Explanation, Features, FillMask, Focus, Inspection, ModelSummary, NextSentence,
  Saliency, SaliencyMethod, SaliencyTask,
} from './types';

/** What the API drives: the page (main.ts's `App`), seen only through this. */
export interface Playground {
  readonly engine: Engine;
  readonly training: TrainingPanel;
  readonly summary: ModelSummary | null;
  /** The last inspect: the engine's time and the whole time with drawing. */
  readonly timing: { engine_ms: number; total_ms: number; tokens: number } | null;
  loadModel(source: ModelSource): Promise<ModelSummary>;
  inspect(text: string, textB: string | null): Promise<Inspection>;
  fillMask(text: string, k: number): Promise<FillMask>;
  nsp(a: string, b: string): Promise<NextSentence>;
  qa(question: string, context: string): Promise<Answer>;
  classify(text: string, textB: string | null): Promise<Classification>;
  /** Runs saliency and shades the tokens in the page. */
  saliency(task: SaliencyTask, method: SaliencyMethod, steps: number): Promise<Saliency>;
  backend(): Promise<BackendInfo>;
  setBackend(name: 'auto' | 'webgpu' | 'cpu'): Promise<BackendInfo>;
}

export interface SaliencyOptions { target?: string | boolean; method?: 'gradient' | 'integrated'; steps?: number }

/** `'builtin'`, `'toy'`, a model URL, files (a FileList or File[]), or a `ModelSource`. */
export type SourceArg = 'builtin' | 'toy' | string | FileList | File[] | ModelSource;

function toSource(src: SourceArg): ModelSource {
  if (src === 'builtin') return { kind: 'builtin' };
  if (src === 'toy') return { kind: 'toy' };
  if (typeof src === 'string') return { kind: 'url', url: src };
  if (src instanceof FileList || Array.isArray(src)) return { kind: 'files', files: Array.from(src) };
  return src;
}

export function installApi(app: Playground) {
  const api = {
    loadModel: (source: SourceArg) => app.loadModel(toSource(source)),
    inspect: (text: string, textB?: string | null) => app.inspect(text, textB ?? null),
    /** The last hidden state only (feature extraction, the plain forward pass), drawn nowhere:
     * `{ tokens, dims: [seq, hidden], last_hidden_state: Float32Array, truncated }`. */
    features: (text: string, textB?: string | null): Promise<Features> =>
      app.engine.call('features', [text, textB ?? null]),
    /** One token's trip through one layer, every step's numbers as the engine computed them:
     * `{ layer, head, token }` (0-based; token 0 is [CLS]) default to layer 0, head 0, token 1. */
    explain: (text: string, textB?: string | null, focus: Partial<Focus> = {}): Promise<Explanation> =>
      app.engine.call('explain', [text, textB ?? null, { layer: 0, head: 0, token: 1, ...focus }]),
    /** Which input tokens an answer depends on: `task` is 'fill-mask', 'classify', 'qa' or
     * 'nsp'; `inputs` `{ text, textB }` or `{ question, context }`; `target` the word, the label
     * or (nsp) whether B follows A, by default the model's own answer; `method` 'gradient'
     * (gradient × input) or 'integrated' (integrated gradients over `steps` points). */
    saliency: (task: SaliencyTaskName, inputs: SaliencyInputs, options: SaliencyOptions = {}): Promise<Saliency> => {
      const method = options.method === 'integrated' ? 'integrated_gradients' : 'gradient_times_input';
      return Promise.resolve().then(() => app.saliency(saliencyTask(task, inputs, options.target), method, options.steps ?? 32));
    },
    fillMask: (text: string, k = 5) => {
      if (!Number.isInteger(k) || k < 1 || k > 1000) {
        return Promise.reject(new Error(`k must be a whole number from 1 to 1000, not ${k}`));
      }
      return app.fillMask(text, k);
    },
    nsp: (a: string, b: string) => app.nsp(a, b),
    qa: (question: string, context: string) => app.qa(question, context),
    classify: (text: string, textB?: string | null) => app.classify(text, textB ?? null),
    /** The backend; why WebGPU is not in use comes as a sentence in the page's language. */
    backend: async () => {
      const info = await app.backend();
      return info.webgpu_error === undefined ? info : { ...info, webgpu_error: say(info.webgpu_error) };
    },
    setBackend: (name: 'auto' | 'webgpu' | 'cpu') => app.setBackend(name),
    /** The loaded model: architecture, heads, config and load report. */
    model: () => app.summary,
    /** How long the last inspect took: `{ engine_ms, total_ms, tokens }`. */
    lastTiming: () => app.timing,
    /** Fine-tunes (or pretrains) in the tab with the panel's settings overridden by `options`;
     * returns a handle: `events`, `on(listener)`, `pause()`, `resume()`, `stop()` and `done`,
     * a Promise of the final metrics. */
    train: (options: TrainRequest = {}) => app.training.handle(async () => {
      await app.training.apply(options);
      return app.training.start();
    }),
    /** The run saved in this browser (settings, charts, checkpoint step), or null. */
    savedRun: () => app.engine.call('savedRun', []),
    /** Continues the saved run from its checkpoint; a handle as `train` gives. */
    resumeTraining: () => app.training.handle(() => app.training.resumeSaved()),
    /** The trained model's Hugging Face files (`current` or `best`) as `{ name: Uint8Array }`. */
    exportModel: (which: 'current' | 'best' = 'current') => app.training.exportFiles(which),
    /** The training form's presets from the core: `{ course, mini_bert }`, each the run's
     * hyperparameters (`lr`, `batch_size`, `epochs`, `max_len`, `warmup`, `weight_decay`,
     * `freeze_layers`, `seed`). */
    trainingPresets: () => app.engine.call('trainingPresets', []),
    /** Bytes of WebAssembly memory the engine holds (models, training state, CPU tensors). */
    engineMemory: () => app.engine.call('memory', []),
    /** Destroys the engine's WebGPU device, as a lost device would be (WebGL's
     * WEBGL_lose_context does the same): the engine moves to the CPU and the page says so. */
    loseWebgpuDevice: () => app.engine.call('loseWebgpuDevice', []),
    /** `text` through the model before and after training: `{ before, after }` inspections. */
    compareTrained: (text: string) => app.training.compare(text),
  };
  (window as unknown as { bertplay: typeof api }).bertplay = api;
}
