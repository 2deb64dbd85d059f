// Browser benchmark (not a test): in headless Chromium on this machine, per backend, the time
// from opening the page to the first attention view on the built-in model, MiniLM's load time,
// and inspect latency at 32 and 128 tokens (first call, then the median of warm calls).
// Prints JSON for docs/BENCHMARKS.md.   cd web && npm run bench
import { join } from 'node:path';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { start, pickFiles, minilmDir, repo } from './harness.mjs';

const WARM = 5;
const words = 'the cat sat on the mat and looked at the dog in the garden while it rained outside'.split(' ');
/** A text of exactly n MiniLM tokens ([CLS] + n - 2 one-piece words + [SEP]). */
const text = (n) => Array.from({ length: n - 2 }, (_, i) => words[i % words.length]).join(' ');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const h = await start();
const results = {};
for (const backend of ['webgpu', 'cpu']) {
  const page = await h.browser.newPage();
  const t0 = Date.now();
  await page.goto(`${h.base}#backend=${backend}`);
  await page.waitForSelector('svg.view-svg[data-view="head"]', { timeout: 600_000 });
  const firstView = await page.evaluate(() => performance.now());
  const wall = Date.now() - t0;
  // backend() waits for the WebGPU self-test on the built-in model, so it does not overlap.
  const info = await page.evaluate(() => window.bertplay.backend());
  const l0 = Date.now();
  await pickFiles(page, ['config.json', 'model.safetensors', 'tokenizer.json'].map((f) => join(minilmDir, f)));
  const load = Date.now() - l0;
  // On WebGPU the page then compares WebGPU with the CPU; let it finish before timing.
  await page.evaluate(() => window.bertplay.backend());
  const r = { adapter: info.adapter, first_attention_view_ms: Math.round(firstView), wall_ms: wall, minilm_load_ms: load };
  for (const n of [32, 128]) {
    const runs = [];
    for (let i = 0; i <= WARM; i++) {
      const timing = await page.evaluate(async (s) => {
        await window.bertplay.inspect(s);
        return window.bertplay.lastTiming();
      }, text(n));
      if (timing.tokens !== n) throw new Error(`expected ${n} tokens, got ${timing.tokens}`);
      runs.push(timing);
    }
    r[`inspect_${n}`] = {
      first_engine_ms: Math.round(runs[0].engine_ms),
      warm_engine_ms: Math.round(median(runs.slice(1).map((x) => x.engine_ms))),
      warm_total_ms: Math.round(median(runs.slice(1).map((x) => x.total_ms))),
    };
  }
  results[backend] = r;
  console.error(backend, JSON.stringify(r));
  await page.close();
}
await h.close();

const dist = join(repo, 'web/dist');
const weight = {};
const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
for (const file of walk(dist)) {
  const group = file.includes('builtin-model') ? 'builtin_model' : file.endsWith('.wasm') ? 'wasm' : 'page';
  weight[group] ??= { bytes: 0, gzip: 0 };
  weight[group].bytes += statSync(file).size;
  weight[group].gzip += gzipSync(readFileSync(file), { level: 9 }).length;
}
console.log(JSON.stringify({ results, weight }, null, 2));
