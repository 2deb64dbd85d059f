// The backend panel: WebGPU or the CPU, the badge naming the adapter, falling back to the CPU
// with the reason, "auto" picking the faster of the two by a short measurement, and the
// self-test that checks WebGPU's numbers against the CPU's on every model it runs (a shader can
// fail silently).

import { t } from '../i18n';
import type { Engine } from '../engine';
import type { BackendInfo, ModelSummary } from '../types';
import type { PageState } from '../urlState';
import { showBanner } from './banner';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export class BackendPanel {
  info: BackendInfo | null = null;
  /** The self-test of the current model, while it runs. */
  private selfTest: Promise<void> | null = null;
  /** The loaded model, which "auto" measures. */
  private model: ModelSummary | null = null;
  /** Why "auto" chose the backend it runs on, once it measured (or recalled) the two. */
  private why: { pick: 'webgpu' | 'cpu'; ms_webgpu: number; ms_cpu: number; kept: boolean } | null = null;

  constructor(
    private engine: Engine,
    /** The page's URL state: `backend` is this panel's. */
    private state: PageState,
    private save: () => void,
  ) {}

  /** `set` is the page's way to switch (it also runs the views again). */
  bind(set: (name: PageState['backend']) => Promise<unknown>) {
    $<HTMLSelectElement>('backend-select').value = this.state.backend;
    $<HTMLSelectElement>('backend-select').onchange = (e) =>
      void set((e.target as HTMLSelectElement).value as PageState['backend']).catch((err) => {
        showBanner(err.message, 'warn');
        $<HTMLSelectElement>('backend-select').value = this.state.backend;
      });
  }

  /** Starts the engine on the backend the URL asks for, else the CPU, saying why. */
  async start() {
    try {
      this.show(await this.engine.start(this.state.backend));
    } catch (e) {
      showBanner(t('backend.fallback', { why: (e as Error).message }), 'warn');
      this.state.backend = 'cpu';
      $<HTMLSelectElement>('backend-select').value = 'cpu';
      this.show(await this.engine.start('cpu'));
    }
    if (this.info?.name === 'cpu' && this.state.backend === 'auto' && this.info.webgpu_error) {
      showBanner(t('backend.fallback', { why: this.info.webgpu_error }), 'info');
    }
  }

  /** WebGPU failed under the engine, which now runs on the CPU: say so and show it. */
  lost(why: string, info: BackendInfo) {
    showBanner(t('backend.lost', { why }), 'warn');
    this.state.backend = 'cpu';
    $<HTMLSelectElement>('backend-select').value = 'cpu';
    this.selfTest = null;
    this.show(info);
    this.save();
  }

  /** Nothing can run: the badge says so. */
  none() {
    $('backend-badge').textContent = '—';
  }

  private show(info: BackendInfo) {
    this.info = info;
    this.render();
  }

  /** The badge, and under "auto" the reason for its choice (again after a language switch). */
  render() {
    const info = this.info;
    if (!info) return;
    $('backend-badge').textContent = info.name === 'webgpu' ? `WebGPU: ${info.adapter}` : `CPU: ${t('backend.cpuPath')}`;
    const why = this.state.backend === 'auto' ? this.why : null;
    $('backend-why').hidden = !why;
    if (why) {
      $('backend-why').textContent = t(why.kept ? 'backend.autoKept' : 'backend.autoMeasured', {
        pick: why.pick === 'webgpu' ? 'WebGPU' : 'CPU',
        gpu: why.ms_webgpu.toFixed(1),
        cpu: why.ms_cpu.toFixed(1),
      });
    }
  }

  /** Under "auto" with WebGPU at hand: runs the model on the faster backend. The two are timed
   * once per WebGPU adapter and model size (an inspection, median of three after a warm-up) and
   * the result kept in this browser, so later visits choose at once. */
  async autoPick(model: ModelSummary) {
    const adapter = this.info?.webgpu_adapter;
    if (this.state.backend !== 'auto' || !adapter) return;
    const c = model.config;
    const key = `bertplay.auto:${adapter}:${c.num_hidden_layers}x${c.hidden_size}x${c.num_attention_heads}x${model.vocab_size}`;
    let probe: { ms_webgpu: number; ms_cpu: number } | null = null;
    try {
      probe = JSON.parse(localStorage.getItem(key) ?? 'null');
    } catch {
      // A damaged record is measured again.
    }
    const kept = probe !== null;
    if (!probe) {
      probe = await this.engine.call('probe', []);
      try {
        localStorage.setItem(key, JSON.stringify(probe));
      } catch {
        // Storage full or off: measured again next time.
      }
    }
    // The user may have chosen a backend while it measured.
    if (this.state.backend !== 'auto') return;
    const pick = probe.ms_webgpu <= probe.ms_cpu ? 'webgpu' : 'cpu';
    this.why = { pick, ...probe, kept };
    if (pick !== this.info?.name) this.show(await this.engine.setBackend(pick));
    this.render();
  }

  /** Switches backend (`auto`: what it picked for this model, else WebGPU when the browser offers
   * it, then measured); the engine reloads the model there. `hasModel`: a model on WebGPU gets
   * its self-test. */
  async set(name: PageState['backend'], hasModel = true): Promise<BackendInfo> {
    const offered = this.info?.webgpu_available || !this.info?.webgpu_error ? 'webgpu' : 'cpu';
    // Back to "auto" for the same model goes straight to its pick, not through WebGPU first.
    const target = name === 'auto' ? (this.why?.pick ?? offered) : name;
    let info: BackendInfo;
    try {
      info = await this.engine.setBackend(target);
    } catch (e) {
      if (name !== 'auto') throw e;
      info = await this.engine.setBackend('cpu');
    }
    this.state.backend = name;
    $<HTMLSelectElement>('backend-select').value = name;
    this.show(info);
    this.save();
    if (name === 'auto' && hasModel && this.model) {
      await this.autoPick(this.model).catch((e) => showBanner(t('backend.probeFailed', { why: (e as Error).message }), 'warn'));
    }
    if (this.info?.name === 'webgpu' && hasModel && !this.info.self_test) this.selfTest = this.runSelfTest();
    return this.info!;
  }

  /** A new model: under "auto", choose the faster backend for it; on WebGPU, check it against
   * the CPU. */
  newModel(model: ModelSummary) {
    this.model = model;
    this.why = null;
    this.render();
    this.selfTest = (async () => {
      await this.autoPick(model).catch((e) => showBanner(t('backend.probeFailed', { why: (e as Error).message }), 'warn'));
      if (this.info?.name === 'webgpu') await this.runSelfTest();
    })();
  }

  /** The backend as the worker reports it, with the self-test's result once it has one. */
  async current(): Promise<BackendInfo> {
    await this.selfTest;
    this.show(await this.engine.call('backend', []));
    return this.info!;
  }

  private async runSelfTest() {
    try {
      const r = await this.engine.call('selfTest', []);
      const d = r.max_diff.toExponential(1);
      if (r.ok) showBanner(t('backend.agree', { d }), 'info');
      else showBanner(t('backend.mismatch', { d }), 'error');
    } catch (e) {
      showBanner(t('backend.selfTestFailed', { why: (e as Error).message }), 'warn');
    }
  }
}
