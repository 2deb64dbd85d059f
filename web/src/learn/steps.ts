// The learn mode's steps in the course's order, each drawn from the engine's own numbers: the
// inspection (tokens, embeddings, every hidden state, the pooler), the explanation of one layer
// for one token and head, and the fill-mask and NSP heads' answers. Nothing here recomputes
// the model; the text around the numbers only points at them.

import { t } from '../i18n';
import type { Explanation, FillMask, Inspection, ModelSummary, NextSentence } from '../types';
import { vectorStrip } from '../views/vectorStrip';
import { roving } from '../views/roving';
import { attentionScale, divergingScale } from '../views/colors';
import type { Tooltip } from '../views/tooltip';

export const STEPS = [
  'tokens', 'embeddings', 'qkv', 'scores', 'scaled', 'mask', 'softmax', 'weighted', 'concat', 'projection',
  'addnorm1', 'expand', 'shrink', 'addnorm2', 'next_layer', 'pooler', 'mlm', 'nsp',
] as const;
export type StepId = (typeof STEPS)[number];

/** Everything a step may draw. The heads' answers are there when the model has the head. */
export interface LearnData {
  inspection: Inspection;
  explanation: Explanation;
  model: ModelSummary;
  /** The masked-LM head's answer when the model has it and the text has a [MASK]. */
  fillMask: FillMask | null;
  /** The NSP head's answer when the model has it and the text has a sentence B. */
  nsp: NextSentence | null;
}

/** What a step can ask of the panel. */
export interface StepActions {
  tooltip: Tooltip;
  chooseToken(token: number): void;
  /** Follow the token into the next layer. */
  nextLayer(): void;
  /** Offer to change element `index` of the tensor whose name ends with `tensor`; null when
   * the model is too large for editing to be useful. */
  pickWeight: ((tensor: string, index: number, value: number) => void) | null;
}

/** The step's formula, as the course writes it. */
export const FORMULAS: Record<StepId, string> = {
  tokens: 'text → WordPiece pieces → ids',
  embeddings: 'x₀ = LayerNorm(E_word[id] + E_pos[i] + E_seg[s])',
  qkv: 'q = x·W_Q + b_Q,   k = x·W_K + b_K,   v = x·W_V + b_V',
  scores: 'sⱼ = q · kⱼ',
  scaled: 'zⱼ = sⱼ / √d',
  mask: 'zⱼ + mⱼ   (mⱼ = 0 for a real token, −∞ for padding)',
  softmax: 'pⱼ = exp(zⱼ − max z) / Σₖ exp(zₖ − max z)',
  weighted: 'c = Σⱼ pⱼ · vⱼ',
  concat: '[c¹ ; c² ; … ; cᴴ]',
  projection: 'a = [c¹ ; … ; cᴴ]·W_O + b_O',
  addnorm1: 'h = LayerNorm(x + a)',
  expand: 'f = GELU(h·W₁ + b₁)',
  shrink: 'g = f·W₂ + b₂',
  addnorm2: 'y = LayerNorm(h + g)',
  next_layer: 'x_{l+1} = y',
  pooler: 'pooler = tanh(y_[CLS]·W_P + b_P)',
  mlm: 'P(w) = softmax(LayerNorm(GELU(y_[MASK]·W + b))·E_wordᵀ + b_w)',
  nsp: 'P(B follows A) = softmax(pooler·W_NSP + b)',
};

/** The shapes the step's arithmetic works on, from the model's real sizes. */
export function shapes(id: StepId, d: LearnData): string {
  const e = d.explanation;
  const n = e.tokens.length;
  const hidden = e.input[0].length;
  const heads = hidden / e.head_dim;
  const inter = e.intermediate.length;
  const table: Record<StepId, string> = {
    tokens: `${n} tokens`,
    embeddings: `[${hidden}] + [${hidden}] + [${hidden}] → [${hidden}]`,
    qkv: `x [${hidden}] · W [${hidden} × ${e.head_dim}] + b [${e.head_dim}] → [${e.head_dim}]`,
    scores: `q [${e.head_dim}] · kⱼ [${e.head_dim}] → 1, for ${n} keys → [${n}]`,
    scaled: `[${n}] / √${e.head_dim}`,
    mask: `[${n}] + [${n}]`,
    softmax: `[${n}] → [${n}], Σ = 1`,
    weighted: `p [${n}] · V [${n} × ${e.head_dim}] → [${e.head_dim}]`,
    concat: `${heads} × [${e.head_dim}] → [${hidden}]`,
    projection: `[${hidden}] · W_O [${hidden} × ${hidden}] → [${hidden}]`,
    addnorm1: `[${hidden}] + [${hidden}] → [${hidden}]`,
    expand: `[${hidden}] · W₁ [${hidden} × ${inter}] → [${inter}]`,
    shrink: `[${inter}] · W₂ [${inter} × ${hidden}] → [${hidden}]`,
    addnorm2: `[${hidden}] + [${hidden}] → [${hidden}]`,
    next_layer: `${d.inspection.hidden_states.length - 1} layers × [${hidden}]`,
    pooler: `[${hidden}] · W_P [${hidden} × ${hidden}] → [${hidden}]`,
    mlm: `[${hidden}] → [${d.model.vocab_size}]`,
    nsp: `[${hidden}] → [2]`,
  };
  return table[id];
}

/** Draws step `id` into `el`. */
export function drawStep(el: HTMLElement, id: StepId, d: LearnData, act: StepActions) {
  const e = d.explanation;
  const tok = e.tokens[e.token];
  const strip = (values: ArrayLike<number>, label: string, name: string, outline?: [number, number]) =>
    vectorStrip(values, act.tooltip, { label, name, outline });
  const note = (text: string) => {
    const p = document.createElement('p');
    p.className = 'muted';
    p.textContent = text;
    return p;
  };
  const parts: HTMLElement[] = [];
  switch (id) {
    case 'tokens':
      parts.push(tokenTable(d.inspection, e.token, act.chooseToken));
      break;
    case 'embeddings': {
      const emb = d.inspection.embeddings;
      const segment = d.inspection.token_type_ids[e.token];
      // Each embedding's numbers are rows of a table of weights: a click offers to change one.
      const row = (values: ArrayLike<number>, label: string, name: string, tensor: string, at: number) => {
        const pick = act.pickWeight;
        const onCell = pick ? (i: number) => pick(tensor, at * values.length + i, values[i]) : undefined;
        return vectorStrip(values, act.tooltip, { label, name, onCell });
      };
      parts.push(
        row(emb.word[e.token], `E_word[${tok}]`, 'word', 'embeddings.word_embeddings.weight', d.inspection.input_ids[e.token]),
        row(emb.position[e.token], `E_pos[${e.token}]`, 'position', 'embeddings.position_embeddings.weight', e.token),
        row(emb.token_type[e.token], `E_seg[${segment}]`, 'segment', 'embeddings.token_type_embeddings.weight', segment),
        strip(d.inspection.hidden_states[0][e.token], 'x₀', 'x0'),
      );
      break;
    }
    case 'qkv':
      parts.push(strip(e.input[e.token], `x (${tok})`, 'x'), strip(e.q[e.token], 'q', 'q'), strip(e.k[e.token], 'k', 'k'), strip(e.v[e.token], 'v', 'v'));
      break;
    case 'scores':
      parts.push(keyTable(e.tokens, [{ name: 'q·k', values: e.scores }], act.tooltip));
      break;
    case 'scaled':
      parts.push(note(t('learn.sqrtNote', { d: e.head_dim, root: Math.sqrt(e.head_dim).toPrecision(6) })));
      parts.push(keyTable(e.tokens, [{ name: 'q·k', values: e.scores }, { name: '÷ √d', values: e.scaled }], act.tooltip));
      break;
    case 'mask':
      parts.push(note(t('learn.maskNote')));
      parts.push(keyTable(e.tokens, [{ name: 'z', values: e.scaled }, { name: 'm', values: e.mask }], act.tooltip));
      break;
    case 'softmax': {
      const max = Math.max(...e.scaled);
      const sum = e.probs.reduce((a, b) => a + b, 0);
      parts.push(note(`${t('learn.maxNote', { max: max.toPrecision(6) })} ${t('learn.sumNote', { sum: sum.toPrecision(7) })}`));
      parts.push(keyTable(e.tokens, [{ name: 'z', values: e.scaled }, { name: 'p', values: e.probs, positive: true }], act.tooltip));
      break;
    }
    case 'weighted':
      parts.push(keyTable(e.tokens, [{ name: 'p', values: e.probs, positive: true }], act.tooltip, e.v));
      parts.push(strip(e.context, `c (${tok})`, 'context'));
      break;
    case 'concat':
      parts.push(note(t('learn.headPart')));
      parts.push(strip(e.heads_concat, '[c¹ ; … ; cᴴ]', 'concat', [e.head * e.head_dim, (e.head + 1) * e.head_dim]));
      break;
    case 'projection':
      parts.push(strip(e.heads_concat, '[c¹ ; … ; cᴴ]', 'concat'), strip(e.attention_output, 'a', 'attention-output'));
      break;
    case 'addnorm1':
      parts.push(strip(e.input[e.token], 'x', 'x'), strip(e.attention_output, 'a', 'attention-output'), strip(e.attention_norm, 'h', 'attention-norm'));
      break;
    case 'expand':
      parts.push(strip(e.attention_norm, 'h', 'attention-norm'), strip(e.intermediate, 'f', 'intermediate'));
      break;
    case 'shrink':
      parts.push(strip(e.intermediate, 'f', 'intermediate'), strip(e.ffn_output, 'g', 'ffn-output'));
      break;
    case 'addnorm2':
      parts.push(strip(e.attention_norm, 'h', 'attention-norm'), strip(e.ffn_output, 'g', 'ffn-output'), strip(e.output, 'y', 'output'));
      break;
    case 'next_layer': {
      const states = d.inspection.hidden_states;
      states.forEach((layer, l) => {
        const row = strip(layer[e.token], l === 0 ? t('learn.embRow') : t('learn.layerRow', { l: l - 1 }), `layer-${l}`);
        if (l === e.layer + 1) row.classList.add('current');
        parts.push(row);
      });
      const last = e.layer + 1 >= states.length - 1;
      parts.push(note(last ? t('learn.lastLayer') : t('learn.sameAsNext', { next: e.layer + 1 })));
      if (!last) {
        const follow = document.createElement('button');
        follow.dataset.testid = 'learn-follow';
        follow.textContent = t('learn.follow', { next: e.layer + 1 });
        follow.onclick = act.nextLayer;
        parts.push(follow);
      }
      break;
    }
    case 'pooler': {
      const last = d.inspection.hidden_states.at(-1)!;
      parts.push(strip(last[0], t('learn.cls'), 'cls'));
      if (d.inspection.pooler) parts.push(strip(d.inspection.pooler, t('learn.pooler'), 'pooler'));
      else parts.push(note(t('learn.noPooler')));
      break;
    }
    case 'mlm':
      if (!d.model.heads.includes('masked_lm')) parts.push(note(t('learn.noMlm')));
      else if (!d.fillMask?.masks.length) parts.push(note(t('learn.noMask')));
      else {
        for (const m of d.fillMask.masks) {
          const column = { name: `P([MASK] @ ${m.position})`, values: m.candidates.map((c) => c.probability), positive: true };
          parts.push(keyTable(m.candidates.map((c) => c.token), [column], act.tooltip, undefined, t('learn.candidate')));
        }
      }
      break;
    case 'nsp':
      if (!d.model.heads.includes('next_sentence')) parts.push(note(t('learn.noNsp')));
      else if (!d.nsp) parts.push(note(t('learn.nspNoB')));
      else {
        const p = document.createElement('p');
        p.dataset.testid = 'learn-nsp';
        p.textContent = t('learn.nspResult', { p: d.nsp.is_next.toFixed(4) });
        parts.push(p);
      }
      break;
  }
  // A token picked from the keyboard redraws the step: the focus stays on the picked token.
  const tokenFocused = el.querySelector('[data-testid="learn-tokens"]')?.contains(document.activeElement);
  el.replaceChildren(...parts);
  if (tokenFocused) el.querySelector<HTMLElement>('[data-testid="learn-tokens"] td[aria-current]')?.focus();
}

/** The tokens with their ids and segments; the followed token is marked, a click picks one. */
function tokenTable(ins: Inspection, token: number, choose: (i: number) => void): HTMLElement {
  const table = document.createElement('table');
  table.className = 'tokens';
  table.dataset.testid = 'learn-tokens';
  const rows = [t('tokens.piece'), t('tokens.id'), t('tokens.segment')].map((h) => {
    const tr = table.insertRow();
    tr.appendChild(document.createElement('th')).textContent = h;
    return tr;
  });
  ins.tokens.forEach((piece, i) => {
    const cells = [piece, String(ins.input_ids[i]), String(ins.token_type_ids[i])].map((text, r) => {
      const td = rows[r].insertCell();
      td.textContent = text;
      td.classList.toggle('selected', i === token);
      td.onclick = () => choose(i);
      return td;
    });
    if (ins.special_tokens_mask[i]) cells[0].classList.add('special');
  });
  const pieces = [...table.rows[0].querySelectorAll('td')];
  pieces[token]?.setAttribute('aria-current', 'true');
  roving(pieces, { current: token, keys: ['ArrowLeft', 'ArrowRight'], activate: choose });
  return table;
}

interface Column {
  name: string;
  values: number[];
  /** Probabilities: a 0..1 scale instead of the signed one. */
  positive?: boolean;
}

/** One row per key token (or candidate word: `first` names the column), one coloured number
 * per column (exact value on hover); `vectors` adds each key's vector (e.g. vⱼ) as a strip. */
function keyTable(tokens: string[], columns: Column[], tooltip: Tooltip, vectors?: number[][], first = t('learn.key')): HTMLElement {
  const table = document.createElement('table');
  table.className = 'rows keys';
  table.dataset.testid = 'learn-keys';
  const head = table.createTHead().insertRow();
  for (const h of [first, ...columns.map((c) => c.name), ...(vectors ? ['v'] : [])]) {
    head.appendChild(document.createElement('th')).textContent = h;
  }
  const limits = columns.map((c) => Math.max(...c.values.map(Math.abs)) || 1);
  const scales = columns.map((c, k) => (c.positive ? attentionScale(limits[k]) : divergingScale(limits[k])));
  const body = table.createTBody();
  tokens.forEach((token, j) => {
    const tr = body.insertRow();
    tr.insertCell().textContent = token;
    columns.forEach((c, k) => {
      const td = tr.insertCell();
      td.textContent = c.values[j].toFixed(4);
      td.dataset.v = String(c.values[j]);
      td.style.background = scales[k](c.values[j]);
      if (Math.abs(c.values[j]) > 0.6 * limits[k]) td.style.color = '#fff';
      td.onmousemove = (ev) => tooltip.show(`${c.name}[${token}] = ${c.values[j]}`, ev);
      td.onmouseleave = () => tooltip.hide();
    });
    if (vectors) tr.insertCell().append(vectorStrip(vectors[j], tooltip, { label: `v${j}`, name: `v-${j}` }));
  });
  return table;
}
