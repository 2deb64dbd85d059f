// `bertplay.explain` in the tab: every step agrees with a float64 recomputation written here
// from the step's shown inputs and the checkpoint's weights, and with the native engine (which
// crates/bertplay/tests/explain.rs holds against float64 too), on the CPU and on WebGPU, for the
// built-in model, a model from a URL and MiniLM; its probabilities are the inspect's attention
// row and its output the next layer's hidden state. `bertplay.saliency` gives the native
// engine's gradients (which crates/bertplay/tests/saliency.rs holds against finite
// differences), and the page shades the tokens with them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, pickFiles, fixtures, minilmDir, maxAbsDiff, readSafetensors, repo } from './harness.mjs';

const bin =
  process.env.BERTPLAY_BIN ??
  join(process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, '.cache/bertplay/target'), 'release/bertplay');

/** The native engine's explanation (`bertplay explain --json`). */
function native(model, text, textB, { layer, head, token }) {
  const args = ['--json', 'explain', '--model', model, '--text', text, '--layer', `${layer}`, '--head', `${head}`, '--token', `${token}`];
  if (textB) args.push('--text-b', textB);
  return JSON.parse(execFileSync(bin, args, { encoding: 'utf8' }));
}

const STEPS = ['input', 'q', 'k', 'v', 'scores', 'scaled', 'mask', 'probs', 'context', 'heads_concat', 'attention_output', 'attention_norm', 'intermediate', 'ffn_output', 'output'];

/** Every step of the page's explanations within `tol` of the native engine's, and consistent
 * with the page's own inspection. */
async function checkModel(page, modelDir, text, textB, foci, tol, label) {
  const inspection = await page.evaluate(([a, b]) => window.bertplay.inspect(a, b), [text, textB]);
  const weights = readSafetensors(join(modelDir, 'model.safetensors'));
  const eps = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')).layer_norm_eps;
  for (const focus of foci) {
    const ours = await page.evaluate(([a, b, f]) => window.bertplay.explain(a, b, f), [text, textB, focus]);
    const theirs = native(modelDir, text, textB, focus);
    const at = `${label} ${JSON.stringify(focus)}`;
    assert.deepEqual(ours.tokens, theirs.tokens, at);
    for (const step of STEPS) {
      const d = maxAbsDiff([ours[step]].flat(2), [theirs[step]].flat(2));
      assert.ok(d <= tol, `${at} ${step}: ${d}`);
    }
    checkFloat64(ours, weights, eps, at);
    const row = inspection.attentions[focus.layer][focus.head][focus.token];
    assert.ok(maxAbsDiff(ours.probs, row) <= 1e-5, `${at}: probs are the inspect's attention row`);
    const next = inspection.hidden_states[focus.layer + 1][focus.token];
    assert.ok(maxAbsDiff(ours.output, next) <= 1e-5, `${at}: output is the next layer's input`);
  }
}

/** erf in float64: its Maclaurin series (exact to ~1e-10 for |x| ≤ 4), ±1 beyond (|erfc| < 2e-8). */
function erf(x) {
  if (Math.abs(x) > 4) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 1; n < 100; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (sum * 2) / Math.sqrt(Math.PI);
}

/** Every step of the page's explanation recomputed in float64 here, from the step's own shown
 * inputs and the checkpoint's weights (`w`: name → { shape, data }), within 1e-5. */
function checkFloat64(e, w, eps, at) {
  const prefix = 'bert.embeddings.word_embeddings.weight' in w ? 'bert.' : '';
  const p = `${prefix}encoder.layer.${e.layer}`;
  const linear = (name, x) => {
    const { shape: [out, inn], data } = w[`${name}.weight`];
    const bias = w[`${name}.bias`].data;
    return Array.from({ length: out }, (_, o) => x.reduce((acc, xi, i) => acc + data[o * inn + i] * xi, bias[o]));
  };
  const norm = (name, x) => {
    const mean = x.reduce((a, b) => a + b, 0) / x.length;
    const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length;
    const [g, b] = [w[`${name}.weight`].data, w[`${name}.bias`].data];
    return x.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * g[i] + b[i]);
  };
  const close = (name, ours, ref) => assert.ok(maxAbsDiff(ours, ref) <= 1e-5, `${at} ${name}: ${maxAbsDiff(ours, ref)} from float64`);
  const [t, d, h] = [e.token, e.head_dim, e.head];
  const part = (v) => v.slice(h * d, (h + 1) * d);
  e.input.forEach((x, j) => {
    close(`q[${j}]`, e.q[j], part(linear(`${p}.attention.self.query`, x)));
    close(`k[${j}]`, e.k[j], part(linear(`${p}.attention.self.key`, x)));
    close(`v[${j}]`, e.v[j], part(linear(`${p}.attention.self.value`, x)));
  });
  close('scores', e.scores, e.k.map((k) => k.reduce((a, kd, i) => a + kd * e.q[t][i], 0)));
  close('scaled', e.scaled, e.scores.map((s) => s / Math.sqrt(d)));
  const z = e.scaled.map((s, j) => s + e.mask[j]);
  const max = Math.max(...z);
  const sum = z.reduce((a, v) => a + Math.exp(v - max), 0);
  close('probs', e.probs, z.map((v) => Math.exp(v - max) / sum));
  close('context', e.context, Array.from({ length: d }, (_, i) => e.probs.reduce((a, pj, j) => a + pj * e.v[j][i], 0)));
  close('attention_output', e.attention_output, linear(`${p}.attention.output.dense`, e.heads_concat));
  close('attention_norm', e.attention_norm, norm(`${p}.attention.output.LayerNorm`, e.input[t].map((x, i) => x + e.attention_output[i])));
  const expanded = linear(`${p}.intermediate.dense`, e.attention_norm);
  close('intermediate', e.intermediate, expanded.map((x) => 0.5 * x * (1 + erf(x / Math.SQRT2))));
  close('ffn_output', e.ffn_output, linear(`${p}.output.dense`, e.intermediate));
  close('output', e.output, norm(`${p}.output.LayerNorm`, e.attention_norm.map((x, i) => x + e.ffn_output[i])));
}

let h;
before(async () => (h = await start()));
after(async () => h?.close());

for (const backend of ['cpu', 'webgpu']) {
  // SwiftShader's float arithmetic differs from the CPU's in the last bits; 1e-4 still shows a wrong step.
  const tol = backend === 'cpu' ? 1e-5 : 1e-4;
  test(`explain on ${backend}: the built-in model and a model from a URL agree with the native engine`, async () => {
    const page = await h.open(`#backend=${backend}`);
    assert.equal((await page.evaluate(() => window.bertplay.backend())).name, backend);
    const foci = [{ layer: 0, head: 0, token: 1 }, { layer: 3, head: 3, token: 4 }];
    await checkModel(page, join(repo, 'assets/builtin-model'), 'The capital of [MASK] is Paris.', null, foci, tol, 'built-in');
    await page.evaluate((url) => window.bertplay.loadModel(url), `${h.base}test-models/tiny-pretraining`);
    await checkModel(page, join(fixtures, 'tiny-pretraining'), 'the cat sat', 'on the mat', [{ layer: 1, head: 2, token: 3 }], tol, 'URL');
    const bad = await page.evaluate(() => window.bertplay.explain('the cat sat', null, { layer: 9 }).then(() => 'ok', (e) => e.message));
    assert.match(bad, /layer 9 does not exist/);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}

test('explain on the CPU: MiniLM agrees with the native engine', async () => {
  const page = await h.open('#backend=cpu');
  await pickFiles(page, ['config.json', 'model.safetensors', 'tokenizer.json'].map((f) => join(minilmDir, f)));
  await checkModel(page, minilmDir, 'The capital of France is Paris.', null, [{ layer: 5, head: 11, token: 2 }], 1e-5, 'MiniLM');
  assert.deepEqual(page.errors, []);
  await page.close();
});

/** The native engine's saliency (`bertplay saliency --json`). */
const nativeSaliency = (...args) => JSON.parse(execFileSync(bin, ['--json', 'saliency', ...args], { encoding: 'utf8' }));

for (const backend of ['cpu', 'webgpu']) {
  test(`saliency on ${backend}: the tab's gradients are the native engine's, and the page shades the tokens`, async () => {
    const page = await h.open(`#backend=${backend}`);
    const builtin = join(repo, 'assets/builtin-model');
    const text = 'The capital of [MASK] is Paris.';
    const tab = await page.evaluate((t) => window.bertplay.saliency('fill-mask', { text: t }, { method: 'integrated', steps: 8 }), text);
    const native = nativeSaliency('--model', builtin, '--task', 'fill-mask', '--text', text, '--method', 'integrated', '--steps', '8');
    assert.equal(tab.target, native.target);
    assert.deepEqual(tab.tokens, native.tokens);
    const d = maxAbsDiff(tab.scores, native.scores);
    console.log(`# saliency ${backend}: max |tab − native| ${d.toExponential(2)}; Σ ${tab.scores.reduce((a, b) => a + b).toFixed(4)} vs change ${(tab.log_prob - tab.baseline_log_prob).toFixed(4)}`);
    // Relative to the largest score: SwiftShader's float32 rounding differs from the CPU's.
    const largest = Math.max(1, ...native.scores.map(Math.abs));
    assert.ok(d <= (backend === 'cpu' ? 1e-4 : 1e-3) * largest, `scores differ by ${d} (largest score ${largest})`);
    const shaded = await page.$$eval('[data-testid="token-shading"] span', (s) => s.map((x) => Number(x.dataset.v)));
    assert.deepEqual(shaded, tab.scores, 'the page shows the scores');
    // From the page's own form: NSP on a pair.
    await page.fill('[data-testid="text-a"]', 'He went to the store.');
    await page.fill('[data-testid="text-b"]', 'He bought some milk.');
    await page.selectOption('[data-testid="saliency-task"]', 'nsp');
    await page.click('[data-testid="saliency-run"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="saliency-target"]')?.textContent.includes('B follows A'));
    const missing = await page.evaluate(() => window.bertplay.saliency('qa', { question: 'who?' }).then(() => 'ok', (e) => e.message));
    assert.match(missing, /needs context/);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}
