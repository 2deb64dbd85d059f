// The model panel: the built-in model, a URL, files or a dropped folder; the download's
// progress; and the loaded model's summary (shape, task heads, what the checkpoint lacked).

import { modelName, say, t } from '../i18n';
import type { Engine, EngineError } from '../engine';
import type { ModelSummary } from '../types';
import type { ModelSource } from '../worker/modelSource';
import type { CacheState } from '../worker/modelCache';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export class ModelPanel {
  summary: ModelSummary | null = null;
  /** Loads in flight: the progress bar hides when the last one ends. */
  private loads = 0;
  private cache: CacheState | null = null;
  private loadUrl: (url: string) => void = () => {};

  constructor(private engine: Engine) {}

  /** `load` is the page's way to load (it also updates the views and the URL). */
  bind(load: (source: ModelSource) => Promise<unknown>) {
    const quiet = (p: Promise<unknown>) => void p.catch(() => null);
    this.loadUrl = (url) => quiet(load({ kind: 'url', url }));
    void this.refreshCache();
    $('load-builtin').onclick = () => quiet(load({ kind: 'builtin' }));
    $('load-url').onclick = () => quiet(load({ kind: 'url', url: $<HTMLInputElement>('model-url').value }));
    for (const id of ['model-files', 'model-folder']) {
      const input = $<HTMLInputElement>(id);
      input.onchange = () => {
        const files = Array.from(input.files ?? []);
        input.value = '';
        if (files.length) quiet(load({ kind: 'files', files }));
      };
    }
    const drop = $('drop-zone');
    drop.ondragover = (e) => {
      e.preventDefault();
      drop.classList.add('over');
    };
    drop.ondragleave = () => drop.classList.remove('over');
    drop.ondrop = (e) => {
      e.preventDefault();
      drop.classList.remove('over');
      quiet(droppedFiles(e.dataTransfer!).then((files) => load({ kind: 'files', files })));
    };
  }

  /** Loads `source` with a progress bar, then runs `after` (the page's views follow the new
   * model) before the page stops saying it is loading. A failure is shown and rethrown. */
  async load(source: ModelSource, after: (summary: ModelSummary) => Promise<void>): Promise<ModelSummary> {
    const bar = $<HTMLProgressElement>('model-progress');
    const label = $('model-progress-label');
    const message = $('model-message');
    const cancel = $<HTMLButtonElement>('model-cancel');
    let cancelled = false;
    cancel.onclick = () => {
      cancelled = true;
      void this.engine.call('cancelLoad', []);
    };
    bar.hidden = cancel.hidden = false;
    message.className = 'message';
    message.textContent = t('model.loading') + '…';
    this.loads++;
    document.body.dataset.loading = 'true';
    try {
      const summary: ModelSummary = await this.engine.load(source, (name, loaded, total) => {
        if (total > 0) {
          // A compressed download can deliver more bytes than its content-length.
          bar.max = Math.max(total, loaded);
          bar.value = loaded;
        } else bar.removeAttribute('value');
        label.textContent = `${t('model.loading')} ${name}${total ? ` ${(loaded / 2 ** 20).toFixed(1)} / ${(total / 2 ** 20).toFixed(1)} MB` : '…'}`;
      });
      this.show(summary);
      await after(summary);
      if (source.kind === 'url') await this.refreshCache();
      return summary;
    } catch (e) {
      const why = (e as Error).message;
      const stopped = cancelled && (e as EngineError).code === 'download.cancelled';
      message.className = stopped ? 'message' : 'message error';
      message.textContent = stopped ? t('model.cancelled') : t(this.summary ? 'model.failed' : 'model.failedNone', { why });
      throw e;
    } finally {
      if (--this.loads === 0) {
        bar.hidden = cancel.hidden = true;
        label.textContent = '';
        delete document.body.dataset.loading;
      }
    }
  }

  /** Shows a model the engine holds (loaded, trained, or back after a restart). */
  show(summary: ModelSummary) {
    this.summary = summary;
    $('model-message').textContent = t('model.loaded', { name: shownName(summary) });
    $('train-model-name').textContent = shownName(summary);
    this.render();
  }

  /** Reads the models kept in this browser and lists them. */
  async refreshCache() {
    this.cache = await this.engine.call('modelCache', []).catch(() => null);
    this.renderCache();
  }

  /** The kept models, each with its size, a button to load it and one to delete it. */
  private renderCache() {
    const state = this.cache;
    $('model-cache').hidden = !state || (!state.models.length && !state.note);
    if (!state) return;
    const mb = (n: number) => (n / 2 ** 20).toFixed(1);
    const total = state.models.reduce((n, m) => n + m.bytes, 0);
    $('model-cache-title').textContent = t('model.cacheTitle', { n: state.models.length, mb: mb(total) });
    const note = $('model-cache-note');
    const free = state.quota !== null && state.usage !== null ? t('model.cacheFree', { mb: mb(state.quota - state.usage) }) : '';
    note.textContent = [state.note ? t('model.cacheNotKept', { why: state.note }) : '', free].filter(Boolean).join(' ');
    note.hidden = !note.textContent;
    const list = $('model-cache-list');
    list.replaceChildren(
      ...state.models.map((m) => {
        const item = document.createElement('li');
        const name = document.createElement('span');
        name.textContent = `${m.url} · ${mb(m.bytes)} MB`;
        const open = document.createElement('button');
        open.textContent = t('model.cacheLoad');
        open.onclick = () => this.loadUrl(m.url);
        const remove = document.createElement('button');
        remove.textContent = t('model.cacheDelete');
        remove.dataset.testid = 'model-cache-delete';
        remove.onclick = async () => {
          this.cache = await this.engine.call('forgetModel', [m.url]);
          this.renderCache();
        };
        item.append(name, ' ', open, ' ', remove);
        return item;
      }),
    );
  }

  /** Draws the summary again (after a language switch). */
  render() {
    this.renderCache();
    const s = this.summary;
    if (!s) return;
    const c = s.config;
    const el = $('model-summary');
    el.replaceChildren();
    const dl = document.createElement('dl');
    const add = (k: string, v: string) => {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = v;
      dl.append(dt, dd);
    };
    add(shownName(s), `${s.architecture} · ${modelName(s.source)}`);
    add(t('model.layers'), String(c.num_hidden_layers));
    add(t('model.hidden'), String(c.hidden_size));
    add(t('model.heads'), String(c.num_attention_heads));
    add(t('model.vocab'), String(s.vocab_size));
    add(t('model.taskHeads'), s.heads.length ? s.heads.map((h) => t(`head.${h}`)).join(', ') : t('model.none'));
    if (s.report.missing.length) add(t('model.missing'), s.report.missing.map((m) => t(`head.${m}`)).join('; '));
    if (s.report.unused.length) add(t('model.unused'), `${s.report.unused.length}: ${s.report.unused.slice(0, 5).join(', ')}`);
    el.append(dl);
    if (c.bertplay_untrained) {
      const warn = document.createElement('p');
      warn.className = 'placeholder';
      warn.dataset.testid = 'placeholder-note';
      warn.textContent = t('model.placeholder');
      el.append(warn);
    }
  }
}

/** A model's name in the page's language: a trained model's comes as words to translate. */
function shownName(summary: ModelSummary): string {
  const said = summary.said;
  if (!said) return modelName(summary.name);
  const base = said.params?.model;
  return say({ ...said, params: { ...said.params, model: typeof base === 'string' ? modelName(base) : (base ?? '') } });
}

/** Files from a drop, walking into dropped folders. */
async function droppedFiles(dt: DataTransfer): Promise<File[]> {
  const entries = Array.from(dt.items)
    .map((i) => i.webkitGetAsEntry())
    .filter((e): e is FileSystemEntry => e !== null);
  if (!entries.length) return Array.from(dt.files);
  const files: File[] = [];
  const walk = async (entry: FileSystemEntry): Promise<void> => {
    if (entry.isFile) {
      files.push(await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej)));
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (!batch.length) break;
        for (const e of batch) await walk(e);
      }
    }
  };
  for (const e of entries) await walk(e);
  return files;
}
