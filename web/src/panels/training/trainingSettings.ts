// The training panel's settings room: the task, the hyperparameters and where the run starts
// (the loaded model or a fresh mini-BERT). The presets come from the core, which owns the
// course's table, so the page and the CLI cannot drift apart.

import { t } from '../../i18n';
import type { Engine } from '../../engine';
import type { Hyperparameters, Presets, Shape, TaskKind, TrainingFit, TrainOptions } from '../../trainingTypes';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const num = (id: string) => Number($<HTMLInputElement>(id).value);

/** Options of `bertplay.train` (all optional; the panel's values fill the rest). */
export interface TrainRequest {
  /** Data text, or the path of a bundled sample (e.g. "samples/topics-en-500.csv"). */
  data?: string;
  sample?: string;
  fileName?: string | null;
  task?: TaskKind;
  lr?: number;
  batchSize?: number;
  epochs?: number;
  maxLen?: number;
  warmup?: number;
  weightDecay?: number;
  freezeLayers?: number;
  seed?: number;
  validation?: number;
  fresh?: Shape | null;
}

/** The form field of each hyperparameter. */
const FIELDS: Record<keyof Hyperparameters, string> = {
  lr: 'train-lr',
  batch_size: 'train-batch',
  epochs: 'train-epochs',
  max_len: 'train-max-len',
  warmup: 'train-warmup',
  weight_decay: 'train-weight-decay',
  freeze_layers: 'train-freeze',
  seed: 'train-seed',
};

/** What a preset button sets: the table's rows, not the seed or the frozen layers. */
const PRESET_FIELDS: (keyof Hyperparameters)[] = ['lr', 'batch_size', 'epochs', 'max_len', 'warmup', 'weight_decay'];

export class TrainingSettings {
  /** Resolves once the form holds the course's defaults. */
  readonly ready: Promise<void>;
  private presets: Presets | null = null;
  /** The preset chosen for the loaded model. */
  private fitted: TrainingFit | null = null;

  constructor(engine: Engine) {
    this.ready = engine.call('trainingPresets', []).then((presets) => {
      this.presets = presets;
      this.fill(presets.course, Object.keys(FIELDS) as (keyof Hyperparameters)[]);
      this.relabel();
    });
  }

  /** Starts the form from the preset that suits the loaded model, and says which and why. */
  async fit(fit: TrainingFit | null) {
    await this.ready;
    this.fitted = fit;
    if (fit && this.presets) this.fill(this.presets[fit.preset], PRESET_FIELDS);
    this.describeFit();
  }

  private describeFit() {
    const note = $('train-fit');
    const fit = this.fitted;
    note.hidden = !fit;
    if (!fit) return;
    const millions = (n: number) => (n / 1e6).toFixed(1);
    note.textContent = t(fit.preset === 'mini_bert' ? 'train.fitSmall' : 'train.fitCourse', {
      params: millions(fit.parameters),
      small: millions(fit.small_model),
    });
  }

  /** `changed` runs after a preset changed the form (the maximum length changes the preview). */
  bind(changed: () => void) {
    const preset = (pick: (p: Presets) => Hyperparameters) => () => {
      if (!this.presets) return;
      this.fill(pick(this.presets), PRESET_FIELDS);
      changed();
    };
    $('train-preset-course').onclick = preset((p) => p.course);
    $('train-preset-small').onclick = preset((p) => p.mini_bert);
  }

  private fill(h: Hyperparameters, fields: (keyof Hyperparameters)[]) {
    for (const f of fields) $<HTMLInputElement>(FIELDS[f]).value = String(h[f]);
  }

  /** The presets' tooltips spell out their numbers, in the page's language. */
  relabel() {
    if (!this.presets) return;
    const vars = (h: Hyperparameters) => ({
      lr: h.lr.toExponential(),
      batch: h.batch_size,
      epochs: h.epochs,
      maxLen: h.max_len,
      warmup: `${Math.round(h.warmup * 100)}%`,
      wd: h.weight_decay,
    });
    $('train-preset-course').title = t('train.tip.presetCourse', vars(this.presets.course));
    $('train-preset-small').title = t('train.tip.presetSmall', vars(this.presets.mini_bert));
    this.describeFit();
  }

  /** Fills the form from an API request, so the page shows what a script asked for. */
  apply(req: TrainRequest) {
    const set = (id: string, v: unknown) => {
      if (v !== undefined && v !== null) $<HTMLInputElement>(id).value = String(v);
    };
    set('train-task', req.task);
    set('train-lr', req.lr);
    set('train-batch', req.batchSize);
    set('train-epochs', req.epochs);
    set('train-max-len', req.maxLen);
    set('train-warmup', req.warmup);
    set('train-weight-decay', req.weightDecay);
    set('train-freeze', req.freezeLayers);
    set('train-seed', req.seed);
    set('train-validation', req.validation);
    if (req.fresh !== undefined) {
      document.querySelector<HTMLInputElement>(`input[name="train-start"][value="${req.fresh ? 'fresh' : 'loaded'}"]`)!.checked = true;
      if (req.fresh) {
        set('train-fresh-layers', req.fresh.layers);
        set('train-fresh-hidden', req.fresh.hidden);
        set('train-fresh-heads', req.fresh.heads);
        set('train-fresh-intermediate', req.fresh.intermediate);
      }
    }
  }

  /** The run's options as the core's `Training` reads them; `fileName` gives the data's format. */
  options(fileName: string | null): TrainOptions {
    const fresh = document.querySelector<HTMLInputElement>('input[name="train-start"][value="fresh"]')!.checked;
    const task = $<HTMLSelectElement>('train-task').value as TaskKind;
    return {
      data: {
        task,
        // Pretraining reads plain text whatever the file is called.
        file_name: task === 'classify' ? fileName : null,
        max_len: num('train-max-len'),
        validation: num('train-validation'),
        seed: num('train-seed'),
      },
      lr: num('train-lr'),
      batch_size: num('train-batch'),
      epochs: num('train-epochs'),
      warmup: num('train-warmup'),
      weight_decay: num('train-weight-decay'),
      freeze_layers: num('train-freeze'),
      fresh: fresh
        ? { layers: num('train-fresh-layers'), hidden: num('train-fresh-hidden'), heads: num('train-fresh-heads'), intermediate: num('train-fresh-intermediate') }
        : null,
    };
  }
}
