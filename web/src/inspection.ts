// An inspection as the engine sends it: the numbers as flat typed arrays (one copy, no JSON
// printing or parsing of a million floats), and `nest`, which gives the page and the console
// the shape `bertplay inspect --json` prints.

import type { Inspection } from './types';

/** What the wasm core's `Model.inspect` resolves to. */
export interface PackedInspection {
  /** JSON: tokens, input_ids, token_type_ids, special_tokens_mask, truncated, layers, heads. */
  meta: string;
  /** [token][dim] each, flat. */
  word: Float32Array;
  position: Float32Array;
  token_type: Float32Array;
  /** [layer][head][query][key], flat. */
  attentions: Float32Array;
  /** [layer + 1][token][dim], flat. */
  hidden_states: Float32Array;
  pooler: Float32Array | null;
  /** Q, K, V ([head][token][head_size]) and raw scores ([head][query][key]) of one layer. */
  internals: Float32Array[] | null;
}

/** Splits `flat` into rows of `width` (plain arrays, as JSON would give). A plain loop: at 128
 * tokens this copies about 1.5 million numbers, which `Array.from` on typed arrays took about
 * ten times longer to do (60–110 ms against 3–10 in Node). */
function rows(flat: Float32Array, width: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i + width <= flat.length && width > 0; i += width) {
    const row = new Array<number>(width);
    for (let j = 0; j < width; j++) row[j] = flat[i + j];
    out.push(row);
  }
  return out;
}

/** `flat` as `count` blocks of `rowsPerBlock` rows. */
function blocks(flat: Float32Array, count: number, rowsPerBlock: number): number[][][] {
  const size = count > 0 ? flat.length / count : 0;
  const width = rowsPerBlock > 0 ? size / rowsPerBlock : 0;
  return Array.from({ length: count }, (_, b) => rows(flat.subarray(b * size, (b + 1) * size), width));
}

export function nest(packed: PackedInspection): Inspection {
  const meta = JSON.parse(packed.meta);
  const seq: number = meta.tokens.length;
  const hidden = seq > 0 ? packed.word.length / seq : 0;
  const { layers, heads } = meta;
  const perLayer = heads * seq * seq;
  const attentions = Array.from({ length: layers }, (_, l) =>
    blocks(packed.attentions.subarray(l * perLayer, (l + 1) * perLayer), heads, seq),
  );
  const inspection: Inspection = {
    tokens: meta.tokens,
    input_ids: meta.input_ids,
    token_type_ids: meta.token_type_ids,
    special_tokens_mask: meta.special_tokens_mask,
    embeddings: {
      word: rows(packed.word, hidden),
      position: rows(packed.position, hidden),
      token_type: rows(packed.token_type, hidden),
    },
    attentions,
    hidden_states: blocks(packed.hidden_states, layers + 1, seq),
    pooler: packed.pooler ? Array.from(packed.pooler) : null,
    truncated: meta.truncated,
  };
  if (packed.internals && meta.internals_layer !== null) {
    const [query, key, value, scores] = packed.internals.map((block) => blocks(block, heads, seq));
    inspection.internals = { layer: meta.internals_layer, query, key, value, scores };
  }
  return inspection;
}
