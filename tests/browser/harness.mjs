// Shared setup for the browser tests: the built page served on 127.0.0.1, Debian's Chromium
// driven by playwright-core (never a downloaded browser), console errors collected per page,
// fixtures read from tests/fixtures, screenshots saved under tests/browser/artifacts.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '../..');
export const fixtures = join(repo, 'tests/fixtures');
export const artifacts = join(here, 'artifacts');
mkdirSync(artifacts, { recursive: true });

// playwright-core and the server live with the web app's dependencies.
const require = createRequire(join(repo, 'web/package.json'));
const { chromium } = require('playwright-core');
const { serve } = await import(join(repo, 'web/serve.mjs'));

/** The reference MiniLM folder (scripts/fetch-reference-model.sh prints it). */
export const minilmDir =
  process.env.BERTPLAY_MINILM ?? join(process.env.HOME, '.cache/bertplay/models/all-MiniLM-L6-v2');

export async function start() {
  const server = await serve({ root: join(repo, 'web/dist'), port: 0, mounts: { '/test-models': fixtures } });
  /** Chromium with the given extra flags; `--enable-unsafe-webgpu` gives a SwiftShader adapter. */
  const launch = (flags) =>
    chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: [...flags, '--no-sandbox', '--disable-dev-shm-usage', '--disable-background-networking'],
    });
  const browser = await launch(['--enable-unsafe-webgpu']);
  const base = `http://127.0.0.1:${server.address().port}/`;
  return {
    base,
    browser,
    launch,
    /** A fresh page at `hash`, ready (first model loaded and inspected), with its errors collected. */
    async open(hash = '', inBrowser = browser) {
      const page = await inBrowser.newPage({ viewport: { width: 1400, height: 1000 } });
      page.errors = [];
      page.on('console', (m) => m.type() === 'error' && page.errors.push(m.text()));
      page.on('pageerror', (e) => page.errors.push(String(e)));
      await page.goto(base + hash);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 300_000 });
      return page;
    },
    async close() {
      await browser.close();
      await new Promise((ok) => server.close(ok));
    },
  };
}

/** Loads model files (paths) through the page's file picker, as a user would. */
export async function pickFiles(page, paths) {
  await page.setInputFiles('[data-testid="model-files"]', paths);
  await page.waitForFunction(() => !document.body.dataset.loading, null, { timeout: 300_000 });
  return page.locator('[data-testid="model-message"]').textContent();
}

/** A safetensors file of expected values: name → { shape, data } (f32 as Float32Array). */
export function readSafetensors(path) {
  const bytes = readFileSync(path);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString());
  const out = {};
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [a, b] = v.data_offsets;
    const raw = bytes.subarray(8 + n + a, 8 + n + b);
    const copy = new Uint8Array(raw).buffer;
    out[name] = { shape: v.shape, data: v.dtype === 'F32' ? new Float32Array(copy) : new BigInt64Array(copy) };
  }
  return out;
}

export function maxAbsDiff(a, b) {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export const screenshot = (page, name) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

/** Peak resident memory (VmHWM, MB) of the Chromium renderer processes alive now: the tabs and
 * their workers. For the benchmarks (bench.mjs, renderer-peak.mjs), not for tests. */
export function rendererPeakMb() {
  let peak = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) continue;
      const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (hwm) peak = Math.max(peak, Number(hwm[1]) / 1024);
    } catch {
      // The process ended meanwhile.
    }
  }
  return Math.round(peak);
}
