// The Web Worker that owns the model, so the page never freezes while BERT runs. It speaks a
// small request/response protocol (see engine.ts) and keeps the model's bytes to reload it when
// the user switches backend.

import init, { init_webgpu, Model } from '../pkg/bertplay_wasm.js';
import { readSource, ModelError, type ModelBytes, type ModelSource } from './modelSource';
import type { Coded, CrossingError, Param } from '../errors';
import type {
  Answer, BackendInfo, Classification, Explanation, FillMask, Focus, ModelSummary, NextSentence, Saliency, SaliencyMethod, SaliencyTask,
} from '../types';
import type { PackedInspection } from '../inspection';
import { trainingMethods } from './training';
import { Turns } from './turns';
import { JsonText } from './jsonText';
import { tensorList, withWeight } from './weightEdits';
import { cacheState, forget } from './modelCache';

type Backend = 'webgpu' | 'cpu';
type Request = { id: number; method: string; args: unknown[] };

const ready = init();
let gpu: { adapter: string } | null = null;
/** Why WebGPU is not in use, once it was tried. */
let gpuError: Param = '';
let backend: Backend = 'cpu';
let bytes: ModelBytes | null = null;
let model: Model | null = null;
let summary: ModelSummary | null = null;
let selfTest: BackendInfo['self_test'] = null;
/** Starting a backend, loading, switching and the self-test change or free models: they run
 * one after another. Tasks need no queue: each holds its own reference to its model. */
const models = new Turns();
const inTurn = <T>(run: () => Promise<T>) => models.take(run);
/** Downloads in flight, for the page's Cancel button. */
const downloads = new Set<AbortController>();
/** The last panic message from the core; after a panic the wasm instance is unusable. */
let panicked = '';

const consoleError = console.error.bind(console);
console.error = (...args: unknown[]) => {
  const text = args.map(String).join(' ');
  if (text.startsWith('bertplay panicked')) panicked = text;
  consoleError(...args);
};

const CPU_PATH = 'CPU (Burn flex, WebAssembly SIMD128, 1 thread)';

/** The WebGPU device the engine runs on (wgpu asks for it inside the wasm). A lost device, or an
 * error no one caught (a shader that failed to compile, say), means its results may be wrong or
 * never come: the engine moves to the CPU and tells the page. */
let device: any = null; // 'lost' once it failed
function watchDevices() {
  const adapter = (globalThis as any).GPUAdapter?.prototype;
  if (!adapter) return;
  const request = adapter.requestDevice;
  adapter.requestDevice = async function (this: unknown, ...args: unknown[]) {
    const d = await request.apply(this, args);
    device = d;
    d.lost.then((lost: { reason: string; message: string }) =>
      fallBack({ code: 'gpu.deviceLost', params: { why: lost.message || lost.reason } }),
    );
    d.addEventListener('uncapturederror', (e: any) => void fallBack({ code: 'gpu.error', params: { why: e.error?.message ?? String(e.error) } }));
    return d;
  };
}
watchDevices();

/** Moves the engine to the CPU (reloading the model there) and tells the page why, once. */
function fallBack(why: Coded) {
  return inTurn(async () => {
    if (backend !== 'webgpu') return;
    gpu = null;
    gpuError = { code: 'gpu.lost', params: { why } };
    device = 'lost';
    backend = 'cpu';
    if (bytes) {
      const next = loadOn('cpu', bytes);
      model?.free();
      ({ model, summary } = next);
    }
    selfTest = null;
    postMessage({ notice: { webgpuLost: why, backend: info() } });
  });
}

async function startWebgpu(): Promise<boolean> {
  if (gpu) return true;
  // wgpu starts once per worker: after a loss, only a fresh page gets a new device.
  if (device === 'lost') return false;
  if (!('gpu' in navigator) || !(await adapterWithin(10_000))) {
    gpuError = { code: 'gpu.noAdapter' };
    return false;
  }
  try {
    const info = JSON.parse(await init_webgpu());
    const adapter = await (navigator as any).gpu.requestAdapter();
    const js = adapter?.info ?? {};
    const name = [js.vendor, js.architecture, js.description || info.name].filter(Boolean).join(' ');
    gpu = { adapter: `${name || 'WebGPU adapter'} (${info.backend})` };
    return true;
  } catch (e) {
    gpuError = String((e as Error).message ?? e);
    return false;
  }
}

/** Some browsers never answer `requestAdapter` when WebGPU is switched off: do not wait forever. */
function adapterWithin(ms: number): Promise<unknown> {
  const timeout = new Promise((resolve) => setTimeout(() => resolve(null), ms));
  return Promise.race([(navigator as any).gpu.requestAdapter(), timeout]);
}

function info(): BackendInfo {
  return {
    name: backend,
    adapter: backend === 'webgpu' ? gpu!.adapter : CPU_PATH,
    webgpu_available: gpu !== null,
    webgpu_adapter: gpu?.adapter,
    webgpu_error: gpu ? undefined : gpuError || undefined,
    self_test: selfTest,
  };
}

function loadOn(b: Backend, m: ModelBytes): { model: Model; summary: ModelSummary } {
  const loaded = Model.load(b, m.config, m.weights, m.tokenizer, m.vocabTxt, m.lowercase);
  try {
    const s = JSON.parse(loaded.summary());
    return { model: loaded, summary: { ...s, name: m.name, source: m.source, said: m.said } };
  } catch (e) {
    loaded.free();
    throw e;
  }
}

function need(): Model {
  if (!model) throw new ModelError('engine.noModel');
  return model;
}

const TEST_TEXT = 'The quick brown fox jumps over the lazy dog.';
const TEST_PAIR = 'It was not amused.';

/** WebGPU against the CPU on the loaded model: a shader can fail silently and return wrong data. */
async function runSelfTest(): Promise<NonNullable<BackendInfo['self_test']>> {
  const [g, c] = await onBoth(async (onGpu, onCpu) => [await timed(onGpu), await timed(onCpu)]);
  const maxDiff = Math.max(
    diff(g.out.attentions, c.out.attentions),
    diff(g.out.hidden_states, c.out.hidden_states),
    diff(g.out.pooler ?? [], c.out.pooler ?? []),
  );
  selfTest = { max_diff: maxDiff, ok: maxDiff <= 1e-3, ms_webgpu: g.ms, ms_cpu: c.ms };
  return selfTest;
}

/** Runs `run` with the loaded model on WebGPU and on the CPU; the other backend's copy exists
 * only for the call. */
async function onBoth<T>(run: (onGpu: Model, onCpu: Model) => Promise<T>): Promise<T> {
  if (!bytes || !model) throw new ModelError('engine.noModel');
  if (!gpu) throw new ModelError('gpu.unavailable', { why: gpuError || { code: 'engine.notStarted' } });
  const other = loadOn(backend === 'webgpu' ? 'cpu' : 'webgpu', bytes).model;
  try {
    return await (backend === 'webgpu' ? run(model, other) : run(other, model));
  } finally {
    other.free();
  }
}

/** The self-test's input through `m`, timed. */
async function timed(m: Model) {
  const t0 = performance.now();
  const out: PackedInspection = await m.inspect(TEST_TEXT, TEST_PAIR, undefined);
  return { out, ms: performance.now() - t0 };
}

/** Runs after a warm-up (WebGPU compiles its shaders on the first): the median of three. */
async function medianMs(m: Model): Promise<number> {
  await timed(m);
  const ms = [(await timed(m)).ms, (await timed(m)).ms, (await timed(m)).ms].sort((a, b) => a - b);
  return ms[1];
}

/** Largest difference; a non-finite value counts as infinite. */
function diff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!Number.isFinite(d)) return Infinity;
    max = Math.max(max, d);
  }
  return max;
}

const training = trainingMethods({
  backend: () => backend,
  bytes: () => bytes,
  model: () => model,
  summary: () => summary,
  adopt(next, nextBytes) {
    const s = JSON.parse(next.summary());
    model?.free();
    model = next;
    bytes = nextBytes;
    summary = { ...s, name: nextBytes.name, source: nextBytes.source, said: nextBytes.said };
    selfTest = null;
    return summary!;
  },
  post: (id, event) => postMessage({ id, event }),
});

/** Methods that report progress under their request's id (passed as the last argument). */
export type WithId = 'load' | 'train' | 'resumeRun';
const WITH_ID = new Set<string>(['load', 'train', 'resumeRun'] satisfies WithId[]);

/** The protocol: every method the page may call (engine.ts types its calls from this map). */
const methods = {
  ...training,
  start: (pref: 'auto' | Backend) =>
    inTurn(async () => {
      if (pref !== 'cpu' && (await startWebgpu())) backend = 'webgpu';
      else if (pref === 'webgpu') throw new ModelError('gpu.unavailable', { why: gpuError });
      else backend = 'cpu';
      return info();
    }),
  /** How long an inspection of the loaded model takes on each backend: what "auto" picks by. */
  probe: () =>
    inTurn(() => onBoth(async (onGpu, onCpu) => ({ ms_webgpu: await medianMs(onGpu), ms_cpu: await medianMs(onCpu) }))),
  setBackend: (name: Backend) =>
    inTurn(async () => {
      if (name !== 'webgpu' && name !== 'cpu') throw new ModelError('gpu.unknownBackend', { name });
      if (name === 'webgpu' && !(await startWebgpu())) throw new ModelError('gpu.unavailable', { why: gpuError });
      if (bytes && name !== backend) {
        const next = loadOn(name, bytes);
        model?.free();
        ({ model, summary } = next);
      }
      backend = name;
      return info();
    }),
  backend: () => inTurn(async () => info()),
  /** Bytes of WebAssembly memory the engine holds (models, training state, CPU tensors). */
  async memory() {
    return (await ready).memory.buffer.byteLength;
  },
  async load(source: ModelSource, pageUrl: string, id: number) {
    const download = new AbortController();
    downloads.add(download);
    const next = await readSource(
      source,
      pageUrl,
      (label, loaded, total) => postMessage({ id, progress: { label, loaded, total } }),
      download.signal,
    ).finally(() => downloads.delete(download));
    return inTurn(async () => {
      postMessage({ id, progress: { label: 'model', loaded: 0, total: 0 } });
      const loaded = loadOn(backend, next);
      // Only a model that loaded replaces the current one: a bad file never loses the old model.
      model?.free();
      ({ model, summary } = loaded);
      bytes = next;
      selfTest = null;
      return summary;
    });
  },
  /** Destroys the WebGPU device, as a lost device would be (WebGL's WEBGL_lose_context does the
   * same): how the tests check the fallback to the CPU. */
  async loseWebgpuDevice() {
    if (!device || device === 'lost') throw new ModelError('gpu.noDevice');
    device.destroy();
  },
  /** The models kept from URLs (modelCache.ts), with the browser's storage estimate. */
  modelCache: () => cacheState(),
  /** Deletes a kept model's files; resolves to what is kept after. */
  async forgetModel(url: string) {
    await forget(url);
    return cacheState();
  },
  /** Stops the downloads in flight; their loads fail with `Cancelled` and the model stays. */
  async cancelLoad() {
    for (const d of downloads) d.abort();
  },
  /** The loaded model's float32 tensors (name and shape), for changing one number. */
  async weights() {
    if (!bytes) throw new ModelError('engine.noModel');
    return tensorList(bytes.weights);
  },
  /** The loaded model with element `index` of tensor `name` set to `value` (the learn mode's toy). */
  setWeight: (name: string, index: number, value: number) =>
    inTurn(async () => {
      if (!bytes) throw new ModelError('engine.noModel');
      const next = { ...bytes, weights: withWeight(bytes.weights, name, index, value) };
      const loaded = loadOn(backend, next);
      model?.free();
      ({ model, summary } = loaded);
      bytes = next;
      selfTest = null;
      return summary!;
    }),
  async summary() {
    return summary;
  },
  selfTest: () => inTurn(runSelfTest),
  /** Typed arrays cross to the page as they are (see inspection.ts); the page nests them. */
  async inspect(text: string, textB?: string | null): Promise<PackedInspection> {
    return need().inspect(text, textB ?? undefined, undefined);
  },
  /** The last hidden state only, as a typed array (feature extraction; the plain forward pass). */
  async features(text: string, textB?: string | null) {
    return need().features(text, textB ?? undefined);
  },
  /** One token's trip through one layer, every step's numbers (see types.ts `Explanation`). */
  async explain(text: string, textB: string | null, focus: Focus) {
    return new JsonText<Explanation>(await need().explain(text, textB ?? undefined, focus.layer, focus.head, focus.token));
  },
  /** Which input tokens an answer depends on, from the engine's gradients. */
  async saliency(task: SaliencyTask, method: SaliencyMethod, steps: number) {
    return new JsonText<Saliency>(await need().saliency(JSON.stringify(task), method, steps));
  },
  async fillMask(text: string, k = 5) {
    return new JsonText<FillMask>(await need().fill_mask(text, k));
  },
  async nsp(a: string, b: string) {
    return new JsonText<NextSentence>(await need().nsp(a, b));
  },
  async qa(question: string, context: string) {
    return new JsonText<Answer>(await need().qa(question, context));
  },
  async classify(text: string, textB?: string | null) {
    return new JsonText<Classification>(await need().classify(text, textB ?? undefined));
  },
} satisfies Record<string, (...args: any[]) => Promise<unknown>>;

export type WorkerMethods = typeof methods;

/** The buffers of the typed arrays in a result (one level deep, and in arrays there), moved to
 * the page instead of copied: an inspection holds millions of numbers. */
function buffersIn(result: unknown): ArrayBuffer[] {
  const found = new Set<ArrayBuffer>();
  const visit = (value: unknown) => {
    if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer) found.add(value.buffer);
    else if (Array.isArray(value)) value.forEach(visit);
  };
  if (result && typeof result === 'object') Object.values(result).forEach(visit);
  return [...found];
}

onmessage = async (event: MessageEvent<Request>) => {
  const { id, method, args } = event.data;
  try {
    await ready;
    if (panicked) throw new Error(panicked);
    const fn: ((...a: any[]) => Promise<unknown>) | undefined = (methods as Record<string, any>)[method];
    if (!fn) throw new ModelError('engine.unknownMethod', { method });
    const result = await fn(...(WITH_ID.has(method) ? [...args, id] : args));
    if (result instanceof JsonText) postMessage({ id, ok: true, json: result.text });
    else postMessage({ id, ok: true, result }, { transfer: buffersIn(result) });
  } catch (e) {
    const error = panicked || String((e as Error)?.message ?? e);
    // A coded error (the worker's or the core's) keeps its code, values and kind for the page.
    const { code, params, kind, detail } = panicked ? ({} as Partial<CrossingError>) : ((e ?? {}) as Partial<CrossingError>);
    postMessage({ id, ok: false, error, code, params, kind, detail, fatal: Boolean(panicked) || e instanceof WebAssembly.RuntimeError });
  }
};
