// One number of a model's weights changed in place in its safetensors bytes, so the learn
// mode's toy can show everything downstream recompute. The file: an 8-byte little-endian header
// length, a JSON header naming each tensor's dtype, shape and byte range, then the data.

import { ModelError } from './modelSource';

export interface TensorInfo {
  name: string;
  shape: number[];
}

interface Entry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

function header(bytes: Uint8Array): { entries: Record<string, Entry>; dataStart: number } {
  if (bytes.length < 8) throw new ModelError('weights.tooShort');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = Number(view.getBigUint64(0, true));
  if (8 + length > bytes.length) throw new ModelError('weights.header');
  const parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  delete parsed.__metadata__;
  return { entries: parsed, dataStart: 8 + length };
}

/** The float32 tensors, in the file's order. */
export function tensorList(bytes: Uint8Array): TensorInfo[] {
  const { entries } = header(bytes);
  return Object.entries(entries)
    .filter(([, e]) => e.dtype === 'F32')
    .map(([name, e]) => ({ name, shape: e.shape }));
}

/** A copy of `bytes` with element `index` (row-major) of tensor `name` set to `value`. */
export function withWeight(bytes: Uint8Array, name: string, index: number, value: number): Uint8Array {
  const { entries, dataStart } = header(bytes);
  const entry = entries[name];
  if (!entry) throw new ModelError('weights.noTensor', { name });
  if (entry.dtype !== 'F32') throw new ModelError('weights.notFloat', { name, dtype: entry.dtype });
  const count = entry.shape.reduce((a, b) => a * b, 1);
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new ModelError('weights.index', { name, count, last: count - 1, index });
  }
  if (!Number.isFinite(value)) throw new ModelError('weights.notFinite', { value });
  const out = bytes.slice();
  new DataView(out.buffer, out.byteOffset, out.byteLength).setFloat32(dataStart + entry.data_offsets[0] + 4 * index, value, true);
  return out;
}
