// The page's side of the worker: calls become Promises, progress becomes callbacks, and a
// crashed engine (a panic inside WebAssembly) is replaced by a fresh worker that reloads the
// same model, so the page keeps working.

import { describe, t } from './i18n';
import type { ModelSource } from './worker/modelSource';
import type { BackendInfo } from './types';
import type { JsonText } from './worker/jsonText';
import type { WithId, WorkerMethods } from './worker/worker';

/** A method of the worker's protocol (worker/worker.ts). */
export type Method = keyof WorkerMethods;
type DropLast<T extends unknown[]> = T extends [...infer Head, unknown] ? Head : T;
/** A method's arguments as the page passes them: the worker appends the request id to some. */
export type Args<M extends Method> = M extends WithId ? DropLast<Parameters<WorkerMethods[M]>> : Parameters<WorkerMethods[M]>;
type Returned<M extends Method> = Awaited<ReturnType<WorkerMethods[M]>>;
/** What the page receives: JSON texts arrive parsed. */
export type Result<M extends Method> = Returned<M> extends JsonText<infer T> ? T : Returned<M>;

export type OnProgress = (label: string, loaded: number, total: number) => void;
/** Events a long call (training) sends before it resolves. */
export type OnEvent = (event: any) => void;

interface Pending {
  resolve: (v: any) => void;
  reject: (e: Error) => void;
  progress?: OnProgress;
  event?: OnEvent;
}

/** A failed call, its message already in the page's language; `code` when it has one. */
export class EngineError extends Error {
  constructor(
    message: string,
    readonly fatal: boolean,
    readonly code?: string,
  ) {
    super(message);
  }
}

export class Engine {
  private worker!: Worker;
  private next = 1;
  private pending = new Map<number, Pending>();
  private backendPref: 'auto' | 'webgpu' | 'cpu' = 'auto';
  private lastSource: ModelSource | null = null;
  /** Set while a trained model (the run's current or best weights) replaces `lastSource`'s: a
   * restart takes it back from the run kept in browser storage. */
  private trained: 'current' | 'best' | null = null;
  /** Restarts in the last minute: a model that crashes the engine on load must not loop. */
  private restarts: number[] = [];
  /** Called after the engine crashed and came back, with what happened. */
  onRestart: (message: string) => void = () => {};
  /** Called when WebGPU failed under the engine (device lost, an uncaught GPU error) and it
   * moved to the CPU, with the reason and the backend it now runs on. */
  onWebgpuLost: (why: string, backend: BackendInfo) => void = () => {};

  constructor() {
    this.spawn();
  }

  private spawn() {
    this.worker = new Worker(new URL('./worker/worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e) => {
      const msg = e.data;
      if (msg.notice?.webgpuLost) {
        // Restarts stay on the CPU too; the user may switch back.
        this.backendPref = 'cpu';
        return this.onWebgpuLost(msg.notice.webgpuLost, msg.notice.backend);
      }
      const p = this.pending.get(msg.id);
      if (!p) return;
      if (msg.progress) return p.progress?.(msg.progress.label, msg.progress.loaded, msg.progress.total);
      if (msg.event) return p.event?.(msg.event);
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.json !== undefined ? JSON.parse(msg.json) : msg.result);
      else {
        p.reject(new EngineError(describe({ ...msg, message: msg.error }), msg.fatal, msg.code));
        if (msg.fatal) void this.restart(msg.error);
      }
    };
    this.worker.onerror = (e) => {
      e.preventDefault();
      void this.restart(e.message || t('engine.stopped'));
    };
  }

  private async restart(reason: string) {
    this.worker.terminate();
    for (const p of this.pending.values()) p.reject(new EngineError(t('engine.stoppedWhy', { why: reason }), true));
    this.pending.clear();
    const now = Date.now();
    this.restarts = this.restarts.filter((t) => now - t < 60_000);
    this.restarts.push(now);
    if (this.restarts.length > 2) {
      this.lastSource = null;
      this.trained = null;
      this.spawn();
      await this.call('start', ['cpu']).catch(() => null);
      this.onRestart(t('engine.crashedAgain', { why: reason }));
      return;
    }
    this.spawn();
    try {
      await this.call('start', [this.backendPref]);
      if (this.lastSource) await this.call('load', [this.lastSource, location.href]);
      if (!this.trained) return this.onRestart(t('engine.reloaded', { why: reason }));
      try {
        await this.call('useTrained', [this.trained]);
        this.onRestart(t('engine.reloadedTrained', { why: reason }));
      } catch (e) {
        this.trained = null;
        this.onRestart(t('engine.reloadedBase', { why: reason, error: (e as Error).message }));
      }
    } catch (e) {
      this.onRestart(t('engine.reloadFailed', { why: reason, error: (e as Error).message }));
    }
  }

  call<M extends Method>(method: M, args: Args<M>, progress?: OnProgress, event?: OnEvent): Promise<Result<M>> {
    const id = this.next++;
    return new Promise<Result<M>>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, progress, event });
      this.worker.postMessage({ id, method, args });
    });
  }

  async start(pref: 'auto' | 'webgpu' | 'cpu') {
    const info = await this.call('start', [pref]);
    this.backendPref = pref;
    return info;
  }

  async setBackend(name: 'webgpu' | 'cpu') {
    const info = await this.call('setBackend', [name]);
    this.backendPref = name;
    return info;
  }

  async load(source: ModelSource, progress?: OnProgress) {
    const summary = await this.call('load', [source, location.href], progress);
    this.lastSource = source;
    this.trained = null;
    return summary;
  }

  /** Makes the trained model the page's model (the worker keeps the one it started from). */
  async useTrained(which: 'current' | 'best') {
    const summary = await this.call('useTrained', [which]);
    this.trained = which;
    return summary;
  }
}
