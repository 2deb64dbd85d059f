// A model folder as one .zip download, and back: export writes the Hugging Face files a
// fine-tuned model needs; import unpacks a .zip into the files the model loader reads.

import { unzipSync, zipSync } from 'fflate';
import type { FileMap } from './trainingTypes';
import { UserError, type Param } from './errors';

/** Weights barely compress: store them, and deflate the JSON files. */
export function zipModel(files: FileMap, folder: string): Uint8Array {
  const entries = Object.fromEntries(
    Object.entries(files).map(([name, bytes]) => [`${folder}/${name}`, [bytes, { level: name.endsWith('.json') ? 6 : 0 }]]),
  );
  return zipSync(entries as Parameters<typeof zipSync>[0]);
}

/** The files a model folder needs; nothing else in a .zip is inflated. */
const MODEL_FILES = new Set(['config.json', 'tokenizer.json', 'vocab.txt', 'tokenizer_config.json']);
/** Bounds on a .zip a stranger may hand over: the entries read, the bytes they inflate to (no
 * model the tab can load is larger), and how much one entry may grow (real model files barely
 * compress; a zip bomb grows thousands of times). */
export const ZIP_LIMITS = { entries: 10_000, bytes: 2 * 2 ** 30, ratio: 100 };

/** The files inside a .zip (folders dropped from the names), as File objects: the model's files
 * inflated, every other entry as an empty placeholder so messages can name it. */
export async function unzipToFiles(zip: File): Promise<File[]> {
  let count = 0;
  let packed = 0;
  let total = 0;
  const skipped: string[] = [];
  const wanted = (name: string) => MODEL_FILES.has(name) || name.endsWith('.safetensors');
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(new Uint8Array(await zip.arrayBuffer()), {
      filter: (f) => {
        if (++count > ZIP_LIMITS.entries) throw new ZipLimit('zip.entries', { name: zip.name, max: ZIP_LIMITS.entries });
        const name = f.name.split('/').pop()!;
        if (f.name.endsWith('/') || f.name.startsWith('__MACOSX/')) return false;
        if (!wanted(name)) {
          skipped.push(name);
          return false;
        }
        // Sizes are what the zip declares: the packed ones must fit in the file, so the growth
        // bound below holds against the bytes really handed over.
        packed += f.size;
        if (packed > zip.size) throw new ZipLimit('zip.damaged', { name: zip.name, packed, size: zip.size });
        if (f.originalSize > ZIP_LIMITS.ratio * Math.max(f.size, 1) && f.originalSize > 2 ** 20) {
          throw bomb({ code: 'zip.inside', params: { name: f.name, zip: zip.name } }, f.originalSize / Math.max(f.size, 1));
        }
        total += f.originalSize;
        if (total > ZIP_LIMITS.bytes) throw new ZipLimit('zip.tooBig', { name: zip.name, max: ZIP_LIMITS.bytes / 2 ** 30 });
        // Many small entries, each under the per-entry bound, must not add up to a bomb either.
        if (total > ZIP_LIMITS.ratio * zip.size + 2 ** 20) throw bomb(zip.name, total / zip.size);
        return true;
      },
    });
  } catch (e) {
    if (e instanceof ZipLimit) throw e;
    throw new UserError('zip.unreadable', { name: zip.name, why: (e as Error).message });
  }
  const inflated = Object.entries(entries).map(([path, bytes]) => new File([bytes as BlobPart], path.split('/').pop()!));
  return [...inflated, ...skipped.map((name) => new File([], name))];
}

const bomb = (what: Param, times: number) =>
  new ZipLimit('zip.bomb', { what, times: Math.round(times) });

/** A .zip over one of [`ZIP_LIMITS`]. */
export class ZipLimit extends UserError {}
