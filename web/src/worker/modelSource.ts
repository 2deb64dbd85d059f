// Where a model's bytes come from: the built-in model, the user's files, or a URL. Runs in the
// worker; finds config.json, the safetensors weights and the tokenizer, and says plainly what is
// missing instead of failing later.

import { UserError, type Coded, type Param } from '../errors';
import { unzipToFiles } from '../zipFiles';
import { cachedFile, keepFiles } from './modelCache';

export type ModelSource =
  | { kind: 'builtin' }
  | { kind: 'toy' }
  | { kind: 'url'; url: string }
  | { kind: 'files'; files: File[] };

export interface ModelBytes {
  name: string;
  /** The name as a code and values, when the page has words for it (a trained model's). */
  said?: Coded;
  /** "built-in", "toy", "files" or the base URL: shown on the page and kept in the page URL. */
  source: string;
  config: Uint8Array;
  weights: Uint8Array;
  tokenizer: Uint8Array;
  /** The tokenizer is vocab.txt (read with BERT's pipeline) rather than tokenizer.json. */
  vocabTxt: boolean;
  lowercase: boolean;
}

export type Progress = (label: string, loaded: number, total: number) => void;

/** A message meant for the user, not a bug (errors.ts has its words). */
export class ModelError extends UserError {}

export const BUILTIN_PATH = 'builtin-model/';
/** The largest model file a tab downloads (WebAssembly's memory could not hold more). */
export const MAX_DOWNLOAD = 2 * 2 ** 30;
/** The course's toy BERT (vocabulary 99, d_model 10, 2 heads) that the learn mode opens. */
export const TOY_PATH = 'toy-model/';

/** A download stopped by the user (`signal` aborted): not a failure of the model. */
export class Cancelled extends ModelError {
  constructor() {
    super('download.cancelled');
  }
}

/** Reads the model's files; aborting `signal` stops a download in progress. */
export async function readSource(src: ModelSource, pageUrl: string, progress: Progress, signal?: AbortSignal): Promise<ModelBytes> {
  switch (src.kind) {
    // The page's own models come with the page (the service worker keeps them).
    case 'builtin':
      return readUrl(new URL(BUILTIN_PATH, pageUrl).href, 'built-in', progress, signal, false, 'built-in model');
    case 'toy':
      return readUrl(new URL(TOY_PATH, pageUrl).href, 'toy', progress, signal, false, 'course toy model');
    case 'url':
      return readUrl(normaliseUrl(src.url), normaliseUrl(src.url), progress, signal, true);
    case 'files':
      return readFiles(src.files, progress, signal);
  }
}

/** Hugging Face page addresses (`/org/name`, `/tree/main`) become the `resolve/main` base. */
export function normaliseUrl(url: string): string {
  let u = url.trim().replace(/\/+$/, '');
  if (!/^https?:\/\//.test(u) && !u.startsWith('/')) {
    throw new ModelError('download.notUrl', { url });
  }
  const hf = u.match(/^(https?:\/\/huggingface\.co\/[^/]+\/[^/]+)(\/tree\/([^/]+))?$/);
  if (hf) u = `${hf[1]}/resolve/${hf[3] ?? 'main'}`;
  return u;
}

async function readUrl(
  url: string,
  source: string,
  progress: Progress,
  signal: AbortSignal | undefined,
  /** Read from and keep in the model cache (modelCache.ts). */
  keep: boolean,
  name?: string,
): Promise<ModelBytes> {
  const base = url.replace(/\/+$/, '');
  const fetched: [string, Uint8Array | null][] = [];
  const get = async (name: string, optional = false) => {
    const file = `${base}/${name}`;
    const kept = keep ? await cachedFile(file) : undefined;
    if (kept) return readResponse(kept, file, name, progress, optional, signal);
    const bytes = await fetchBytes(file, name, progress, optional, signal);
    fetched.push([file, bytes]);
    return bytes;
  };
  const config = await get('config.json');
  const tokenizerJson = await get('tokenizer.json', true);
  const vocab = tokenizerJson ? null : await get('vocab.txt', true);
  if (!tokenizerJson && !vocab) {
    throw new ModelError('download.noTokenizer', { url: base });
  }
  const tokenizerConfig = vocab ? await get('tokenizer_config.json', true) : null;
  const weights = await get('model.safetensors');
  if (keep && fetched.length) await keepFiles(fetched);
  return {
    name: name ?? base.split('/').filter((p) => p && p !== 'resolve' && p !== 'main').slice(-1)[0] ?? base,
    source,
    config: config!,
    weights: weights!,
    tokenizer: (tokenizerJson ?? vocab)!,
    vocabTxt: !tokenizerJson,
    lowercase: lowercaseFrom(tokenizerConfig),
  };
}

async function fetchBytes(
  url: string,
  label: string,
  progress: Progress,
  optional: boolean,
  signal?: AbortSignal,
): Promise<Uint8Array | null> {
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch {
    if (signal?.aborted) throw new Cancelled();
    throw new ModelError('download.network', { url });
  }
  return readResponse(response, url, label, progress, optional, signal);
}

/** A response's bytes, with progress; `null` for an optional file the server does not have. */
async function readResponse(
  response: Response,
  url: string,
  label: string,
  progress: Progress,
  optional: boolean,
  signal?: AbortSignal,
): Promise<Uint8Array | null> {
  if (!response.ok) {
    if (optional && (response.status === 404 || response.status === 401)) return null;
    throw new ModelError('download.http', { url, status: response.status, text: response.statusText });
  }
  const total = Number(response.headers.get('content-length') ?? 0);
  const max = MAX_DOWNLOAD / 2 ** 30;
  if (total > MAX_DOWNLOAD) {
    void response.body?.cancel();
    throw new ModelError('download.tooBig', { url, size: (total / 2 ** 30).toFixed(1), max });
  }
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read().catch((e) => {
      if (signal?.aborted) throw new Cancelled();
      throw new ModelError('download.brokeOff', { url, why: (e as Error).message });
    });
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    // A server that sends more than it announced, or streams without end, is cut off.
    if (loaded > MAX_DOWNLOAD) {
      void reader.cancel();
      throw new ModelError('download.tooBigStream', { url, max });
    }
    progress(label, loaded, total);
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return bytes;
}

async function readFiles(given: File[], progress: Progress, signal?: AbortSignal): Promise<ModelBytes> {
  // A .zip (such as an exported fine-tuned model) is read as the files inside it.
  const zips = given.filter((f) => f.name.toLowerCase().endsWith('.zip'));
  const files = [...given.filter((f) => !zips.includes(f)), ...(await Promise.all(zips.map(unzipToFiles))).flat()];
  const byName = new Map<string, File>();
  for (const f of files) byName.set(f.name, f);
  const weights =
    byName.get('model.safetensors') ?? files.find((f) => f.name.endsWith('.safetensors') && !/-of-\d+/.test(f.name));
  const tokenizer = byName.get('tokenizer.json') ?? byName.get('vocab.txt');
  const missing: Param[] = [];
  if (!byName.has('config.json')) missing.push('config.json');
  if (!weights) {
    if (files.some((f) => /-of-\d+\.safetensors$/.test(f.name))) {
      throw new ModelError('files.sharded');
    }
    const other = files.find((f) => /\.(bin|h5|pt|pth|ckpt|onnx)$/.test(f.name));
    missing.push(
      other
        ? { code: 'files.notSafetensors', params: { name: other.name } }
        : 'model.safetensors',
    );
  }
  if (!tokenizer) missing.push({ code: 'files.tokenizer' });
  if (missing.length) {
    const given = files.length ? files.map((f) => f.name).join(', ') : { code: 'files.nothing' };
    throw new ModelError('files.incomplete', { missing: { code: 'list', params: Object.fromEntries(missing.entries()) }, given });
  }
  const read = async (f: File) => {
    progress(f.name, 0, f.size);
    const bytes = new Uint8Array(await f.arrayBuffer());
    if (signal?.aborted) throw new Cancelled();
    progress(f.name, f.size, f.size);
    return bytes;
  };
  const tokenizerConfig = byName.get('tokenizer_config.json');
  const folder = zips[0]?.name.replace(/\.zip$/i, '') || files[0]?.webkitRelativePath?.split('/')[0];
  return {
    name: folder || 'local files',
    source: 'files',
    config: await read(byName.get('config.json')!),
    weights: await read(weights!),
    tokenizer: await read(tokenizer!),
    vocabTxt: tokenizer!.name === 'vocab.txt',
    lowercase: lowercaseFrom(tokenizerConfig ? await read(tokenizerConfig) : null),
  };
}

/** `do_lower_case` from tokenizer_config.json; uncased when it does not say (as the CLI). */
function lowercaseFrom(bytes: Uint8Array | null): boolean {
  if (!bytes) return true;
  try {
    const value = JSON.parse(new TextDecoder().decode(bytes)).do_lower_case;
    return typeof value === 'boolean' ? value : true;
  } catch {
    return true;
  }
}
