// Browser benchmark (not a test): in headless Chromium on this machine, per backend, the time
// from opening the page to the first attention view on the built-in model, the model's load
// time, and at 32 and 128 tokens the plain forward pass (`bertplay.features`: the last hidden
// state read back, what transformers.js' feature extraction returns) and the full inspect
// (every attention and hidden state read back and drawn): first call, then, after settling
// calls (as the peer harness makes), the median of warm calls. Also the WebAssembly memory the
// engine holds and the tab's peak resident memory. Prints JSON for docs/BENCHMARKS.md.
//   cd web && npm run bench
//   BENCH_MODEL=DIR BENCH_BACKENDS=cpu npm run bench     (another model folder, one backend)
//   BENCH_WARM=5 BENCH_SETTLE_MS=5000                     (timed calls each, untimed settling)
import { join } from 'node:path';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { start, pickFiles, minilmDir, repo, rendererPeakMb } from './harness.mjs';

const WARM = Number(process.env.BENCH_WARM ?? 5);
/** Milliseconds of untimed 128-token calls before the warm ones (at least one call when > 0). */
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 5000);
const modelDir = process.env.BENCH_MODEL ?? minilmDir;
const backends = (process.env.BENCH_BACKENDS ?? 'webgpu,cpu').split(',');
const words = 'the cat sat on the mat and looked at the dog in the garden while it rained outside'.split(' ');
/** A text of exactly n tokens ([CLS] + n - 2 one-piece words + [SEP]) for BERT's uncased vocabulary. */
const text = (n) => Array.from({ length: n - 2 }, (_, i) => words[i % words.length]).join(' ');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const files = ['config.json', 'model.safetensors', existsSync(join(modelDir, 'tokenizer.json')) ? 'tokenizer.json' : 'vocab.txt'];
const h = await start();
const results = {};
for (const backend of backends) {
  // A browser of its own per backend, so the memory figures do not mix.
  const browser = await h.launch(['--enable-unsafe-webgpu']);
  const page = await browser.newPage();
  const t0 = Date.now();
  await page.goto(`${h.base}#backend=${backend}`);
  await page.waitForSelector('svg.view-svg[data-view="head"]', { timeout: 600_000 });
  const firstView = await page.evaluate(() => performance.now());
  const wall = Date.now() - t0;
  // backend() waits for the WebGPU self-test on the built-in model, so it does not overlap.
  const info = await page.evaluate(() => window.bertplay.backend());
  const l0 = Date.now();
  await pickFiles(page, files.map((f) => join(modelDir, f)));
  const load = Date.now() - l0;
  // On WebGPU the page then compares WebGPU with the CPU; let it finish before timing.
  await page.evaluate(() => window.bertplay.backend());
  const r = { adapter: info.adapter, model: modelDir, first_attention_view_ms: Math.round(firstView), wall_ms: wall, load_ms: load };
  const features = (n) => page.evaluate(async (s) => {
    const t = performance.now();
    const f = await window.bertplay.features(s);
    return { ms: performance.now() - t, tokens: f.dims[0] };
  }, text(n));
  const inspect = (n) => page.evaluate(async (s) => {
    await window.bertplay.inspect(s);
    return window.bertplay.lastTiming();
  }, text(n));
  const checked = (n, out) => {
    if (out.tokens !== n) throw new Error(`expected ${n} tokens, got ${out.tokens}`);
    return out;
  };
  const first = {};
  for (const n of [32, 128]) first[n] = { forward: checked(n, await features(n)), inspect: checked(n, await inspect(n)) };
  // As the peer harness does: untimed calls first, so the browser has optimised the engine's code.
  const s0 = Date.now();
  r.settle_calls = 0;
  while (Date.now() - s0 < SETTLE_MS) {
    await features(128);
    await inspect(128);
    r.settle_calls++;
  }
  for (const n of [32, 128]) {
    const forward = [];
    const runs = [];
    for (let i = 0; i < WARM; i++) forward.push(checked(n, await features(n)).ms);
    for (let i = 0; i < WARM; i++) runs.push(checked(n, await inspect(n)));
    r[`tokens_${n}`] = {
      forward_first_ms: Math.round(first[n].forward.ms),
      forward_warm_ms: Math.round(median(forward) * 10) / 10,
      inspect_first_engine_ms: Math.round(first[n].inspect.engine_ms),
      inspect_warm_engine_ms: Math.round(median(runs.map((x) => x.engine_ms))),
      inspect_warm_total_ms: Math.round(median(runs.map((x) => x.total_ms))),
    };
  }
  r.engine_wasm_memory_mb = Math.round((await page.evaluate(() => window.bertplay.engineMemory())) / 2 ** 20);
  r.renderer_peak_rss_mb = rendererPeakMb();
  results[backend] = r;
  console.error(backend, JSON.stringify(r));
  await browser.close();
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
