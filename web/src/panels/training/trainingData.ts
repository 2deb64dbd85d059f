// The training panel's data room: a bundled sample, an uploaded file or pasted text, and a live
// preview of how the core reads and splits it for the loaded model (counts per label, the first
// rows, the rows left out and why).

import { say, t } from '../../i18n';
import type { Engine } from '../../engine';
import type { DataOptions, DataPreview } from '../../trainingTypes';
import { rowsTable } from '../../views/rowsTable';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export class TrainingData {
  /** The file name that gives the format (.csv/.tsv/.jsonl); null for pasted text. */
  fileName: string | null = null;
  /** What the status lines call the data: a sample's path, a file's name or "pasted text". */
  name = '';
  private previewTurn = 0;
  private previewTimer = 0;

  constructor(
    private engine: Engine,
    private hasModel: () => boolean,
    /** How the data is read and split, from the task and the settings. */
    private options: () => DataOptions,
    /** Shows why a sample could not be loaded. */
    private onError: (message: string) => void,
  ) {}

  bind() {
    $<HTMLSelectElement>('train-sample').onchange = (e) => {
      const path = (e.target as HTMLSelectElement).value;
      if (path) void this.loadSample(path).catch((err) => this.onError(err.message));
    };
    $<HTMLInputElement>('train-file').onchange = async (e) => {
      const input = e.target as HTMLInputElement;
      const file = input.files?.[0];
      input.value = '';
      if (!file) return;
      if (file.size > MAX_DATA_BYTES) {
        const mb = (n: number) => (n / 2 ** 20).toFixed(0);
        return this.onError(t('train.fileTooBig', { name: file.name, mb: mb(file.size), max: mb(MAX_DATA_BYTES) }));
      }
      const text = decode(new Uint8Array(await file.arrayBuffer()));
      if (text === null) return this.onError(t('train.notUtf8', { name: file.name }));
      $<HTMLTextAreaElement>('train-text').value = text;
      this.set(file.name, file.name);
    };
    $<HTMLTextAreaElement>('train-text').oninput = () => {
      if (!this.name || this.name.startsWith('samples/')) this.set(t('train.pasted'), this.fileName);
      else this.schedulePreview();
    };
    for (const id of ['train-task', 'train-validation', 'train-max-len', 'train-seed']) $(id).onchange = () => this.schedulePreview();
  }

  /** The data as the API asked for it: a bundled sample, or text with an optional file name. */
  async apply(req: { sample?: string; data?: string; fileName?: string | null }) {
    if (req.sample) {
      $<HTMLSelectElement>('train-sample').value = req.sample;
      await this.loadSample(req.sample);
    } else if (req.data !== undefined) {
      $<HTMLTextAreaElement>('train-text').value = req.data;
      this.set(req.fileName ?? t('train.pasted'), req.fileName ?? null);
    } else this.schedulePreview();
  }

  isEmpty(): boolean {
    return !$<HTMLTextAreaElement>('train-text').value.trim();
  }

  bytes(): Uint8Array {
    return new TextEncoder().encode($<HTMLTextAreaElement>('train-text').value);
  }

  private async loadSample(path: string) {
    const response = await fetch(new URL(path, location.href));
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    $<HTMLTextAreaElement>('train-text').value = await response.text();
    this.set(path, path.split('/').pop()!);
  }

  private set(name: string, fileName: string | null) {
    this.name = name;
    this.fileName = fileName;
    $('train-data-name').textContent = name;
    this.schedulePreview();
  }

  schedulePreview() {
    clearTimeout(this.previewTimer);
    // Its errors are shown in the preview itself.
    this.previewTimer = window.setTimeout(() => void this.refreshPreview().catch(() => null), 250);
  }

  /** How the data will be read: counts, labels, first rows, bad rows; or why it cannot be. */
  async refreshPreview(): Promise<DataPreview | null> {
    const turn = ++this.previewTurn;
    const el = $('train-preview');
    if (this.isEmpty() || !this.hasModel()) {
      el.replaceChildren();
      return null;
    }
    try {
      const preview = await this.engine.call('previewData', [this.bytes(), this.options()]);
      if (turn !== this.previewTurn) return preview;
      renderPreview(el, preview);
      return preview;
    } catch (e) {
      if (turn !== this.previewTurn) throw e;
      this.showError((e as Error).message);
      throw e;
    }
  }

  private showError(text: string) {
    const p = document.createElement('p');
    p.className = 'error';
    p.dataset.testid = 'train-preview-error';
    p.textContent = text;
    $('train-preview').replaceChildren(p);
  }
}

function renderPreview(el: HTMLElement, p: DataPreview) {
  const parts: HTMLElement[] = [];
  const line = (text: string, cls = '') => {
    const e = document.createElement('p');
    e.textContent = text;
    if (cls) e.className = cls;
    parts.push(e);
  };
  if (p.task === 'classify') {
    line(t('train.previewCounts', { train: p.train, validation: p.validation }));
    parts.push(rowsTable([t('train.label'), t('train.train'), t('train.validationCol')], p.counts.map((c) => [c.label, c.train, c.validation]), 'train-preview-counts'));
  } else {
    line(t('train.previewDocs', { train: p.train, validation: p.validation, dtrain: p.documents.train, dvalidation: p.documents.validation }));
  }
  for (const w of p.warnings) line(say(w), 'warning');
  if (p.skipped.length) {
    line(t('train.previewSkipped', { n: p.skipped.length }), 'error');
    parts.push(rowsTable([t('train.line'), ''], p.skipped.map((s) => [s.line, say(s.reason)]), 'train-preview-skipped'));
  }
  if (p.task === 'classify' && p.rows.length) {
    line(t('train.previewRows'));
    parts.push(rowsTable([t('train.line'), t('train.text'), t('train.label')], p.rows.slice(0, 8).map((r) => [r.line, r.text_b ? `${r.text} ‖ ${r.text_b}` : r.text, r.label]), 'train-preview-rows'));
  }
  el.replaceChildren(...parts);
}

/** The largest data file the tab reads (IMDB's 50,000 reviews are 66 MB as CSV): the text sits
 * in the page, in the worker and in the engine at once. */
const MAX_DATA_BYTES = 256 * 2 ** 20;

/** A data file's text: UTF-16 when it starts with a byte-order mark (spreadsheets save
 * "Unicode text" so), else UTF-8 (its BOM dropped); null when it is neither. */
function decode(bytes: Uint8Array): string | null {
  const encoding = bytes[0] === 0xff && bytes[1] === 0xfe ? 'utf-16le' : bytes[0] === 0xfe && bytes[1] === 0xff ? 'utf-16be' : 'utf-8';
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}
