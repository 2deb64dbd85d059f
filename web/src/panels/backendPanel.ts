// The backend panel: WebGPU or the CPU, the badge naming the adapter, falling back to the CPU
// with the reason, and the self-test that checks WebGPU's numbers against the CPU's on every
// model it runs (a shader can fail silently).

import { t } from '../i18n';
import type { Engine } from '../engine';
import type { BackendInfo } from '../types';
import type { PageState } from '../urlState';
import { showBanner } from './banner';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export class BackendPanel {
  info: BackendInfo | null = null;
  /** The self-test of the current model, while it runs. */
  private selfTest: Promise<void> | null = null;

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
    $('backend-badge').textContent = `${info.name === 'webgpu' ? 'WebGPU' : 'CPU'}: ${info.adapter}`;
  }

  /** Switches backend (`auto`: WebGPU when the browser offers it); the engine reloads the model
   * there. `hasModel`: a model on WebGPU gets its self-test. */
  async set(name: PageState['backend'], hasModel = true): Promise<BackendInfo> {
    const target = name === 'auto' ? (this.info?.webgpu_available || !this.info?.webgpu_error ? 'webgpu' : 'cpu') : name;
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
    if (info.name === 'webgpu' && hasModel && !info.self_test) this.selfTest = this.runSelfTest();
    return info;
  }

  /** A new model: on WebGPU, check it against the CPU. */
  newModel() {
    this.selfTest = this.info?.name === 'webgpu' ? this.runSelfTest() : null;
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
