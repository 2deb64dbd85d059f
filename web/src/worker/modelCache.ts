// Models loaded from a URL, kept in the browser's Cache Storage: a second load of the same URL
// (or a shared link to it, offline) reads the files from there instead of downloading them
// again. A file the server did not have (an optional tokenizer file) is kept as a 404, so an
// offline load knows not to ask. Used by the worker (modelSource.ts).

import type { Coded } from '../errors';

const CACHE = 'bertplay-models';
/** The size of a kept file, so listing models does not read their bytes. */
const SIZE = 'x-bertplay-size';

export interface CachedModel {
  /** The model's base URL (its files' folder). */
  url: string;
  bytes: number;
  files: string[];
}

export interface CacheState {
  models: CachedModel[];
  /** The browser's estimate for this origin, in bytes (null where it gives none). */
  usage: number | null;
  quota: number | null;
  /** Why the last model loaded from a URL was not kept, if it was not. */
  note: Coded | null;
}

let note: Coded | null = null;

/** The kept response for `url`: the file, a 404 for a file the server lacked, or undefined. */
export async function cachedFile(url: string): Promise<Response | undefined> {
  if (!('caches' in self)) return undefined;
  return (await caches.open(CACHE)).match(url);
}

/** Keeps a model's files (`null` bytes: the server had no such file). Says why not when
 * browser storage is short; the model still loads. */
export async function keepFiles(files: [url: string, bytes: Uint8Array | null][]): Promise<void> {
  if (!('caches' in self)) return;
  const total = files.reduce((n, [, b]) => n + (b?.byteLength ?? 0), 0);
  const { usage, quota } = await estimate();
  note = null;
  if (usage !== null && quota !== null && quota - usage < total) {
    note = { code: 'cache.tooBig', params: { mb: mb(total), free: mb(quota - usage) } };
    return;
  }
  const cache = await caches.open(CACHE);
  try {
    for (const [url, bytes] of files) {
      const headers = { [SIZE]: String(bytes?.byteLength ?? 0) };
      await cache.put(url, bytes ? new Response(bytes as Uint8Array<ArrayBuffer>, { headers }) : new Response(null, { status: 404, headers }));
    }
  } catch (e) {
    // Half a model is no use: what was kept goes.
    await Promise.all(files.map(([url]) => cache.delete(url)));
    note = (e as DOMException)?.name === 'QuotaExceededError' ? { code: 'cache.full' } : { code: 'cache.failed', params: { why: (e as Error).message } };
  }
}

/** The models kept, largest first, with the origin's storage estimate. */
export async function cacheState(): Promise<CacheState> {
  const byBase = new Map<string, CachedModel>();
  if ('caches' in self) {
    const cache = await caches.open(CACHE);
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      const slash = request.url.lastIndexOf('/');
      const base = request.url.slice(0, slash);
      const model = byBase.get(base) ?? { url: base, bytes: 0, files: [] };
      model.bytes += Number(response?.headers.get(SIZE) ?? 0);
      if (response?.ok) model.files.push(request.url.slice(slash + 1));
      byBase.set(base, model);
    }
  }
  const models = [...byBase.values()].sort((a, b) => b.bytes - a.bytes);
  return { models, ...(await estimate()), note };
}

/** Deletes a kept model's files. */
export async function forget(base: string): Promise<void> {
  if (!('caches' in self)) return;
  const cache = await caches.open(CACHE);
  for (const request of await cache.keys()) {
    if (request.url.slice(0, request.url.lastIndexOf('/')) === base) await cache.delete(request);
  }
}

async function estimate(): Promise<{ usage: number | null; quota: number | null }> {
  const e = await navigator.storage?.estimate?.().catch(() => null);
  return { usage: e?.usage ?? null, quota: e?.quota ?? null };
}

const mb = (n: number) => (n / 2 ** 20).toFixed(1);
