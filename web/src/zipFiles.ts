// A model folder as one .zip download, and back: export writes the Hugging Face files a
// fine-tuned model needs; import unpacks a .zip into the files the model loader reads.

import { unzipSync, zipSync } from 'fflate';
import type { FileMap } from './trainingTypes';

/** Weights barely compress: store them, and deflate the JSON files. */
export function zipModel(files: FileMap, folder: string): Uint8Array {
  const entries = Object.fromEntries(
    Object.entries(files).map(([name, bytes]) => [`${folder}/${name}`, [bytes, { level: name.endsWith('.json') ? 6 : 0 }]]),
  );
  return zipSync(entries as Parameters<typeof zipSync>[0]);
}

/** The files inside a .zip (folders dropped from the names), as File objects. */
export async function unzipToFiles(zip: File): Promise<File[]> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(new Uint8Array(await zip.arrayBuffer()));
  } catch (e) {
    throw new Error(`${zip.name} is not a readable .zip file (${(e as Error).message})`);
  }
  return Object.entries(entries)
    .filter(([path]) => !path.endsWith('/') && !path.startsWith('__MACOSX/'))
    .map(([path, bytes]) => new File([bytes as BlobPart], path.split('/').pop()!));
}
