// "Why this prediction": saliency for the page's text (fill-mask, classification, NSP on text A
// and B; QA with A as the question and B as the context), shown as shaded tokens beside the
// attention views, with the reminder that attention weights are not such an explanation.

import { t } from '../i18n';
import type { Engine } from '../engine';
import type { Saliency, SaliencyMethod, SaliencyTask } from '../types';
import { tokenShading } from '../views/tokenShading';
import { createTooltip, type Tooltip } from '../views/tooltip';

export type SaliencyTaskName = 'fill-mask' | 'classify' | 'qa' | 'nsp';
export interface SaliencyInputs { text?: string; textB?: string | null; question?: string; context?: string }

/** The API's saliency request in the core's terms; a missing input is an error here. */
export function saliencyTask(task: SaliencyTaskName, inputs: SaliencyInputs, target?: string | boolean): SaliencyTask {
  const need = (v: string | null | undefined, name: string) => {
    if (typeof v !== 'string') throw new Error(`saliency for ${task} needs ${name}`);
    return v;
  };
  const text = () => need(inputs.text, 'text');
  const chosen = typeof target === 'string' ? target : null;
  switch (task) {
    case 'fill-mask': return { task: 'fill_mask', text: text(), word: chosen };
    case 'classify': return { task: 'classify', text: text(), text_b: inputs.textB ?? null, label: chosen };
    case 'qa': return { task: 'qa', question: need(inputs.question, 'question'), context: need(inputs.context, 'context') };
    case 'nsp': return { task: 'nsp', text: text(), text_b: need(inputs.textB, 'textB'), is_next: typeof target === 'boolean' ? target : null };
    default: throw new Error(`unknown saliency task ${task}: use fill-mask, classify, qa or nsp`);
  }
}

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export class SaliencyPanel {
  private tooltip: Tooltip | null = null;

  constructor(private engine: Engine) {}

  bind() {
    this.tooltip = createTooltip($('saliency'));
    $('saliency-run').onclick = () => void this.fromForm().catch(() => null);
  }

  /** The form's task on the page's texts. */
  private fromForm(): Promise<Saliency> {
    const [a, b] = [$<HTMLTextAreaElement>('text-a').value, $<HTMLTextAreaElement>('text-b').value || null];
    const name = $<HTMLSelectElement>('saliency-task').value as SaliencyTaskName;
    const method: SaliencyMethod = $<HTMLSelectElement>('saliency-method').value === 'integrated' ? 'integrated_gradients' : 'gradient_times_input';
    const steps = Number($<HTMLInputElement>('saliency-steps').value) || 32;
    return Promise.resolve()
      .then(() => saliencyTask(name, name === 'qa' ? { question: a, context: b ?? '' } : { text: a, textB: b }))
      .then((task) => this.run(task, method, steps))
      .catch((e) => {
        this.showError((e as Error).message);
        throw e;
      });
  }

  async run(task: SaliencyTask, method: SaliencyMethod, steps: number): Promise<Saliency> {
    const el = $('saliency-result');
    el.textContent = '…';
    try {
      const s = await this.engine.call('saliency', [task, method, steps]);
      const head = document.createElement('p');
      head.dataset.testid = 'saliency-target';
      head.textContent = t(method === 'integrated_gradients' ? 'saliency.resultIntegrated' : 'saliency.result', {
        target: s.target_detail, logp: s.log_prob.toFixed(4), steps: s.steps,
        sum: s.scores.reduce((x, y) => x + y, 0).toFixed(4), change: (s.log_prob - s.baseline_log_prob).toFixed(4),
      });
      const legend = document.createElement('p');
      legend.className = 'muted';
      legend.textContent = t('saliency.legend');
      el.replaceChildren(head, tokenShading(s.tokens, s.scores, this.tooltip!), legend);
      return s;
    } catch (e) {
      this.showError((e as Error).message);
      throw e;
    }
  }

  private showError(message: string) {
    const p = document.createElement('p');
    p.className = 'error';
    p.textContent = message;
    $('saliency-result').replaceChildren(p);
  }
}
