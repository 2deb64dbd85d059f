// The JSON the core returns (the same shapes as `bertplay --json`), as TypeScript types.

import type { Coded, Param } from './errors';

export interface EmbeddingParts {
  /** [token][dim] each; their sum, layer-normalised, is hidden_states[0]. */
  word: number[][];
  position: number[][];
  token_type: number[][];
}

export interface Inspection {
  tokens: string[];
  input_ids: number[];
  token_type_ids: number[];
  /** 1 for [CLS]/[SEP] (tokens the tokenizer added). */
  special_tokens_mask: number[];
  embeddings: EmbeddingParts;
  /** [layer][head][query][key], rows sum to 1. */
  attentions: number[][][][];
  /** [layers + 1][token][dim]; index 0 is the embedding output. */
  hidden_states: number[][][];
  /** [dim], or null for checkpoints without a pooler. */
  pooler: number[] | null;
  truncated: boolean;
  /** One layer's per-head Q, K, V ([head][token][head_size]) and raw scores QKᵀ/√d
   * ([head][query][key]), when asked for. */
  internals?: { layer: number; query: number[][][]; key: number[][][]; value: number[][][]; scores: number[][][] };
}

export interface Candidate { token: string; id: number; probability: number }
export interface MaskPrediction { position: number; candidates: Candidate[] }
export interface FillMask { masks: MaskPrediction[] }

export interface NextSentence { is_next: number; logits: [number, number] }

export interface Answer {
  answer: string;
  /** Character range of the answer in the context. */
  start: number;
  end: number;
  score: number;
  start_token: number;
  end_token: number;
  /** Tokens, start and end logits of the window the answer came from. */
  tokens: string[];
  start_logits: number[];
  end_logits: number[];
  window: number;
  windows: number;
}

export interface LabelScore { label: string; id: number; probability: number }
export interface Classification { labels: LabelScore[] }

export type HeadKind =
  | 'masked_lm' | 'next_sentence' | 'sequence_classification' | 'token_classification' | 'question_answering';

export interface ModelSummary {
  /** Where the model came from, for the page: "built-in", "files", or the URL. */
  source: string;
  name: string;
  /** The name as a code and values, when the page has words for it (a trained model's). */
  said?: Coded;
  architecture: string;
  heads: HeadKind[];
  config: Record<string, unknown> & {
    num_hidden_layers: number; num_attention_heads: number; hidden_size: number; vocab_size: number;
  };
  labels: string[];
  report: { loaded: string[]; missing: string[]; unused: string[]; heads: HeadKind[] };
  vocab_size: number;
  max_len: number;
}

export interface BackendInfo {
  /** What runs now. */
  name: 'webgpu' | 'cpu';
  /** The GPU adapter, or a description of the CPU path. */
  adapter: string;
  /** Whether WebGPU started in this page (it is tried for "auto" and "webgpu"). */
  webgpu_available: boolean;
  /** The WebGPU adapter, when WebGPU started (the engine may be on the CPU). */
  webgpu_adapter?: string;
  /** Why WebGPU is not available, when it is not (said in the page's language). */
  webgpu_error?: Param;
  /** Result of comparing WebGPU with the CPU on the loaded model, when it ran. */
  self_test?: { max_diff: number; ok: boolean; ms_webgpu: number; ms_cpu: number } | null;
}

/** `bertplay.features`: the last hidden state, `dims[0] × dims[1]` numbers, row by row. */
export interface Features {
  tokens: string[];
  dims: [number, number];
  last_hidden_state: Float32Array;
  truncated: boolean;
}

/** Which layer, head and token `bertplay.explain` follows (0-based; token 0 is [CLS]). */
export interface Focus { layer: number; head: number; token: number }

/** One token's trip through one layer, every step as the engine computed it (`bertplay
 * explain --json`). `[seq]` vectors run over the keys the token attends to. */
export interface Explanation {
  tokens: string[];
  layer: number;
  head: number;
  token: number;
  head_dim: number;
  /** The layer's input, `[seq][hidden]`. */
  input: number[][];
  /** This head's projections, `[seq][head_dim]` each. */
  q: number[][];
  k: number[][];
  v: number[][];
  /** `q[token]·k[j]`, then divided by √head_dim, then after mask and softmax. */
  scores: number[];
  scaled: number[];
  /** What the padding mask adds to each key: 0 for real tokens. */
  mask: number[];
  probs: number[];
  /** This head's weighted sum of V, `[head_dim]`; every head's, `[hidden]`. */
  context: number[];
  heads_concat: number[];
  attention_output: number[];
  attention_norm: number[];
  /** After the expansion and GELU, `[intermediate]`. */
  intermediate: number[];
  ffn_output: number[];
  /** The layer's output for the token, `[hidden]`. */
  output: number[];
  truncated: boolean;
}

/** What `bertplay.saliency` explains, in the core's terms (`tasks::saliency::SaliencyTask`). */
export type SaliencyTask =
  | { task: 'fill_mask'; text: string; word: string | null }
  | { task: 'classify'; text: string; text_b: string | null; label: string | null }
  | { task: 'qa'; question: string; context: string }
  | { task: 'nsp'; text: string; text_b: string; is_next: boolean | null };

export type SaliencyMethod = 'gradient_times_input' | 'integrated_gradients';

/** Per-token scores for one answer (`bertplay saliency --json`). */
export interface Saliency {
  tokens: string[];
  /** Which answer, e.g. "fill-mask: france at token 4". */
  target: string;
  /** The same as a code and values, which the page says in its language. */
  target_detail: Coded;
  method: SaliencyMethod;
  steps: number;
  /** Positive: the token pushes the answer's log-probability up. */
  scores: number[];
  log_prob: number;
  /** With every word vector zero; integrated gradients' scores add up to about the difference. */
  baseline_log_prob: number;
}
