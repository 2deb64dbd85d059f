// Token labels as the views show them: text plus whether the tokenizer added the token.

import type { Inspection } from '../types';

export interface Label {
  text: string;
  /** [CLS]/[SEP] and other added tokens, drawn muted so the words stand out. */
  special: boolean;
}

export function tokenLabels(ins: Inspection): Label[] {
  return ins.tokens.map((text, i) => ({ text, special: ins.special_tokens_mask[i] === 1 }));
}

/** Labels for rows that are not tokens (vector strips). */
export function plainLabels(texts: string[]): Label[] {
  return texts.map((text) => ({ text, special: false }));
}

export function tokenClass(label: Label): string {
  return label.special ? 'token special' : 'token';
}

/** Token with its position, for tooltips: the same word can occur twice. */
export function tokenName(ins: Inspection, i: number): string {
  return `${ins.tokens[i]} (${i})`;
}

/** Whether the input is a sentence pair (some token is in segment B). */
export function isSentencePair(ins: Inspection): boolean {
  return ins.token_type_ids.includes(1);
}
