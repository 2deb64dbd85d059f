// Browser benchmark (not a test): in headless Chromium on this machine, per backend, the time
// from opening the page to the first attention view on the built-in model, the model's load
// time, and at 32 and 128 tokens the plain forward pass (`bertplay.features`: the last hidden
// state read back, what transformers.js' feature extraction returns) and the full inspect
// (every attention and hidden state read back and drawn): first call, then the median of warm
// calls. Also the WebAssembly memory the engine holds and the tab's peak resident memory.
// Prints JSON for docs/BENCHMARKS.md.
//   cd web && npm run bench
//   BENCH_MODEL=DIR BENCH_BACKENDS=cpu npm run bench     (another model folder, one backend)
import { join } from 'node:path';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { start, pickFiles, minilmDir, repo } from './harness.mjs';

const WARM = Number(process.env.BENCH_WARM ?? 5);
const modelDir = process.env.BENCH_MODEL ?? minilmDir;
const backends = (process.env.BENCH_BACKENDS ?? 'webgpu,cpu').split(',');
const words = 'the cat sat on the mat and looked at the dog in the garden while it rained outside'.split(' ');
/** A text of exactly n tokens ([CLS] + n - 2 one-piece words + [SEP]) for BERT's uncased vocabulary. */
const text = (n) => Array.from({ length: n - 2 }, (_, i) => words[i % words.length]).join(' ');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Peak resident memory (VmHWM, MB) of Chromium's renderer processes: the tab and its worker. */
function rendererPeakMb() {
  let peak = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('--type=renderer')) continue;
      const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (hwm) peak = Math.max(peak, Number(hwm[1]) / 1024);
    } catch {
      // The process ended meanwhile.
    }
  }
  return Math.round(peak);
}

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
  for (const n of [32, 128]) {
    const forward = [];
    for (let i = 0; i <= WARM; i++) {
      const out = await page.evaluate(async (s) => {
        const t = performance.now();
        const f = await window.bertplay.features(s);
        return { ms: performance.now() - t, tokens: f.dims[0], values: f.last_hidden_state.length };
      }, text(n));
      if (out.tokens !== n) throw new Error(`expected ${n} tokens, got ${out.tokens}`);
      forward.push(out.ms);
    }
    const runs = [];
    for (let i = 0; i <= WARM; i++) {
      const timing = await page.evaluate(async (s) => {
        await window.bertplay.inspect(s);
        return window.bertplay.lastTiming();
      }, text(n));
      if (timing.tokens !== n) throw new Error(`expected ${n} tokens, got ${timing.tokens}`);
      runs.push(timing);
    }
    r[`tokens_${n}`] = {
      forward_first_ms: Math.round(forward[0]),
      forward_warm_ms: Math.round(median(forward.slice(1)) * 10) / 10,
      inspect_first_engine_ms: Math.round(runs[0].engine_ms),
      inspect_warm_engine_ms: Math.round(median(runs.slice(1).map((x) => x.engine_ms))),
      inspect_warm_total_ms: Math.round(median(runs.slice(1).map((x) => x.total_ms))),
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
