// The training run kept in the browser's storage (IndexedDB), so a reload or a crash loses
// nothing: the run's settings and data, its charts, the latest resumable checkpoint and the best
// model so far. One run is kept; starting another replaces it. Used by the worker.

import { UserError } from '../errors';
import type { RunMeta, FileMap } from '../trainingTypes';

const DB = 'bertplay-training';
const VERSION = 1;
/** `meta`: one record (key "run"); `files`: checkpoint files keyed "latest/<name>", "best/<name>". */
const META = 'meta';
const FILES = 'files';

/** Storage failed (usually the quota): the message says what was not saved. */
export class StorageError extends UserError {}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, VERSION);
    req.onupgradeneeded = () => {
      req.result.createObjectStore(META);
      req.result.createObjectStore(FILES);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new StorageError('storage.cannotOpen', { why: req.error?.message ?? req.error?.name ?? '?' }));
  });
}

/** Runs `work` in one transaction and resolves when it has committed. */
async function inTransaction<T>(mode: IDBTransactionMode, work: (meta: IDBObjectStore, files: IDBObjectStore) => IDBRequest<T> | void): Promise<T | undefined> {
  const db = await open();
  try {
    return await new Promise<T | undefined>((resolve, reject) => {
      const tx = db.transaction([META, FILES], mode);
      const req = work(tx.objectStore(META), tx.objectStore(FILES));
      tx.oncomplete = () => resolve(req ? req.result : undefined);
      tx.onabort = tx.onerror = () => reject(tx.error ?? new Error('the transaction was aborted'));
    });
  } finally {
    db.close();
  }
}

function sizeOf(files: FileMap): number {
  return Object.values(files).reduce((n, f) => n + f.byteLength, 0);
}

function explain(e: unknown, what: 'checkpoint' | 'bestModel' | 'progress', bytes: number): StorageError {
  const err = e as DOMException;
  const mb = (bytes / 2 ** 20).toFixed(1);
  if (err?.name === 'QuotaExceededError') {
    return new StorageError('storage.full', { what: { code: `storage.${what}` }, mb });
  }
  return new StorageError('storage.failed', { what: { code: `storage.${what}` }, mb, why: err?.message ?? String(e) });
}

export async function loadMeta(): Promise<RunMeta | null> {
  return ((await inTransaction('readonly', (meta) => meta.get('run') as IDBRequest<RunMeta>)) as RunMeta | undefined) ?? null;
}

export async function saveMeta(run: RunMeta): Promise<void> {
  try {
    await inTransaction('readwrite', (meta) => {
      meta.put(run, 'run');
    });
  } catch (e) {
    throw explain(e, 'progress', run.data.byteLength);
  }
}

/** Replaces a slot's files ("latest" or "best") and the run record together. */
export async function saveCheckpoint(slot: 'latest' | 'best', files: FileMap, run: RunMeta): Promise<void> {
  try {
    await inTransaction('readwrite', (meta, store) => {
      for (const [name, bytes] of Object.entries(files)) store.put(bytes, `${slot}/${name}`);
      meta.put(run, 'run');
    });
  } catch (e) {
    throw explain(e, slot === 'best' ? 'bestModel' : 'checkpoint', sizeOf(files));
  }
}

export async function loadFiles(slot: 'latest' | 'best', names: string[]): Promise<FileMap | null> {
  const out: FileMap = {};
  await inTransaction('readonly', (_, store) => {
    for (const name of names) {
      const req = store.get(`${slot}/${name}`);
      req.onsuccess = () => {
        if (req.result) out[name] = req.result as Uint8Array;
      };
    }
  });
  return names.every((n) => n in out) ? out : null;
}

export async function clearRun(): Promise<void> {
  await inTransaction('readwrite', (meta, store) => {
    meta.clear();
    store.clear();
  });
}
