// Training benchmark (not a test): the classroom-sized job — the built-in mini-BERT, the
// 500-sentence English sample, 3 epochs, max length 64 — in headless Chromium on this machine:
// wall time and tokens/s per backend, where the time goes (steps, validation, checkpoints), the
// engine's WebAssembly memory and Chromium's peak resident memory, and the native CLI on the same
// job for comparison. WebGPU runs WEBGPU_STEPS steps only when it is too slow for the whole job
// (SwiftShader), and says so. Prints JSON for docs/BENCHMARKS.md.   cd web && npm run bench:train
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, repo } from './harness.mjs';

const SAMPLE = 'samples/topics-en-500.csv';
/** The small-model settings (README), at the 3 epochs. */
const JOB = { sample: SAMPLE, lr: 5e-4, batchSize: 16, epochs: 3, maxLen: 64, warmup: 0.1, seed: 42 };
const WEBGPU_STEPS = Number(process.env.WEBGPU_STEPS ?? 3);
const bin =
  process.env.BERTPLAY_BIN ??
  join(process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, '.cache/bertplay/target'), 'release/bertplay');

/** Resident memory of every Chromium process together, in MiB (Linux `ps`). */
function chromiumRssMib() {
  const out = spawnSync('ps', ['-C', 'chromium', '-o', 'rss='], { encoding: 'utf8' }).stdout;
  return Math.round(out.split('\n').filter(Boolean).reduce((n, kb) => n + Number(kb), 0) / 1024);
}

const h = await start();
const results = {};
for (const backend of ['cpu', 'webgpu']) {
  const page = await h.open(`#backend=${backend}`);
  const info = await page.evaluate(() => window.bertplay.backend());
  let peak = chromiumRssMib();
  const sampler = setInterval(() => (peak = Math.max(peak, chromiumRssMib())), 1000);
  const partial = backend === 'webgpu' ? WEBGPU_STEPS : 0;
  const t0 = Date.now();
  const r = await page.evaluate(async ({ job, partial }) => {
    // The page must stay responsive: record the gaps between animation frames while it trains.
    const gaps = [];
    let last = performance.now();
    let watching = true;
    const frame = (now) => {
      gaps.push(now - last);
      last = now;
      if (watching) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    const run = window.bertplay.train(job);
    if (partial) run.on((e) => e.type === 'steps' && e.step >= partial && run.stop());
    const out = await run.done;
    watching = false;
    gaps.sort((a, b) => a - b);
    return {
      ...out,
      frame_gap_ms: { median: Math.round(gaps[gaps.length >> 1]), p99: Math.round(gaps[Math.floor(gaps.length * 0.99)]), max: Math.round(gaps.at(-1)) },
      evals: out.evals.map((e) => ({ epoch: e.epoch, accuracy: e.scores.accuracy })),
      final: undefined,
    };
  }, { job: JOB, partial });
  const wall = (Date.now() - t0) / 1000;
  clearInterval(sampler);
  const memory = await page.evaluate(() => window.bertplay.engineMemory());
  const perStep = r.train_seconds / r.step;
  results[backend] = {
    adapter: info.adapter,
    status: r.status,
    steps: `${r.step} of ${r.total_steps}`,
    wall_s: +wall.toFixed(1),
    tokens_per_s: Math.round(r.tokens_per_s),
    seconds: { steps: +r.train_seconds.toFixed(1), validation: +r.eval_seconds.toFixed(1), checkpoints: +r.save_seconds.toFixed(1) },
    s_per_step: +perStep.toFixed(2),
    ...(r.status === 'stopped' ? { whole_job_estimate_s: Math.round(perStep * r.total_steps) } : {}),
    validation_accuracy: r.evals,
    page_frame_gap_ms: r.frame_gap_ms,
    wasm_memory_mib: Math.round(memory / 2 ** 20),
    chromium_peak_rss_mib: peak,
  };
  console.error(backend, JSON.stringify(results[backend]));
  await page.close();
}
await h.close();

// The native CLI on the same rows and settings (all 500 rows train; tokens/s is what compares).
const out = mkdtempSync(join(tmpdir(), 'bertplay-bench-'));
const t0 = Date.now();
const native = spawnSync(bin, [
  'finetune', '--task', 'classify', '--model', join(repo, 'assets/builtin-model'), '--train', join(repo, 'assets', SAMPLE),
  '--out', join(out, 'model'), '--lr', String(JOB.lr), '--batch', String(JOB.batchSize), '--epochs', String(JOB.epochs),
  '--max-len', String(JOB.maxLen), '--warmup', String(JOB.warmup), '--log-every', '1000',
], { encoding: 'utf8' });
if (native.status !== 0) throw new Error(`bertplay finetune failed: ${native.stderr}`);
const log = native.stderr;
const rates = [...(log.match(/(\d+) tokens\/s/g) ?? [])];
results.native_cli = { wall_s: (Date.now() - t0) / 1000, tokens_per_s_at_epoch_ends: rates };
console.log(JSON.stringify(results, null, 2));
