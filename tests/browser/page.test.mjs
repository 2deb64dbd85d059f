// The playground page in Chromium: it loads clean, every view renders, the task panels answer
// (or say clearly that the model cannot), bad models are refused without breaking the page, and
// the URL carries the state. Runs on the page's default backend ("auto": the faster of WebGPU and the CPU).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, pickFiles, fixtures, screenshot } from './harness.mjs';

let h;
before(async () => (h = await start()));
after(async () => h?.close());

const testid = (id) => `[data-testid="${id}"]`;
const svgView = (page, name) => page.locator(`svg.view-svg[data-view="${name}"]`);
const tiny = (name) => ['config.json', 'model.safetensors', 'vocab.txt'].map((f) => join(fixtures, name, f));

test('the page loads the built-in model with no errors and every view renders', async () => {
  const page = await h.open();
  assert.deepEqual(page.errors, []);
  assert.match(await page.textContent(testid('model-message')), /built-in/);
  // The built-in model is the pretrained mini-BERT, not a placeholder.
  assert.equal(await page.locator(testid('placeholder-note')).count(), 0);
  // The course's example, as the page opens with it: France among the top 5.
  assert.equal(await page.inputValue('#fill-text'), 'The capital of [MASK] is Paris.');
  await page.click(`${testid('fill-mask-form')} button`);
  await page.locator(`${testid('fill-mask-result')} .bar-row`).nth(4).waitFor();
  assert.match(await page.textContent(testid('fill-mask-result')), /france/);

  await page.fill(testid('text-a'), 'The cat sat on the mat.');
  await page.fill(testid('text-b'), 'It was comfortable.');
  await page.click(testid('run-inspect'));
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="tokens"] td.segment-b').length > 0);
  const pieces = await page.$$eval('[data-testid="tokens"] tr:first-child td', (tds) => tds.map((td) => td.textContent));
  assert.deepEqual(pieces.slice(0, 3), ['[CLS]', 'the', 'cat']);
  assert.equal(pieces.at(-1), '[SEP]');

  // Head view: lines per head, toggles, the A→B filter.
  const summary = await page.evaluate(() => window.bertplay.model());
  const { num_hidden_layers: layers, num_attention_heads: heads } = summary.config;
  await svgView(page, 'head').waitFor();
  // Lines of one weight share a <path>: count the shown paths' segments ("M…L…").
  const lines = () =>
    page.$$eval('svg[data-view="head"] path.attention-link', (ps) =>
      ps
        .filter((p) => !p.closest('[display="none"]'))
        .reduce((n, p) => n + (p.getAttribute('d').match(/M/g) ?? []).length, 0),
    );
  const all = await lines();
  assert.ok(all > 0, 'head view draws lines');
  await page.click(testid('head-toggle-0'));
  const fewerHeads = await lines();
  assert.ok(fewerHeads < all, `hiding head 0 removes its lines (${all} → ${fewerHeads})`);
  await page.selectOption(testid('filter-select'), 'ab');
  const aToB = await lines();
  assert.ok(aToB > 0 && aToB < fewerHeads, `A → B keeps only cross-sentence lines (${fewerHeads} → ${aToB})`);
  await screenshot(page.locator(testid('attention-view')), 'head-view');

  // Model view: one thumbnail per layer × head; a click enlarges that head.
  await page.click(testid('tab-model'));
  await svgView(page, 'model').waitFor();
  assert.equal(await page.locator('[data-testid^="thumb-"]').count(), layers * heads);
  await screenshot(page.locator(testid('attention-view')), 'model-view');
  await page.click(testid(`thumb-${layers - 1}-1`));
  await svgView(page, 'head').waitFor();
  assert.equal(await page.inputValue(testid('layer-select')), String(layers - 1));

  // Matrix view of one head.
  await page.click(testid('tab-matrix'));
  await svgView(page, 'matrix').waitFor();
  await screenshot(page.locator(testid('attention-view')), 'matrix-view');

  // Export the current view.
  for (const [button, ext] of [['export-png', 'png'], ['export-svg', 'svg']]) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(testid(button))]);
    assert.match(download.suggestedFilename(), new RegExp(`^bertplay-matrix-L${layers - 1}-H1\\.${ext}$`));
    const bytes = readFileSync(await download.path());
    assert.ok(bytes.length > 1000, `${ext} export has content`);
    if (ext === 'svg') assert.match(bytes.toString(), /<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    // The cells (a canvas on the page) travel as an image of their pixels.
    if (ext === 'svg') assert.match(bytes.toString(), /<image [^>]*href="data:image\/png;base64,[^"]{100,}"/);
    if (ext === 'svg') assert.doesNotMatch(bytes.toString(), /foreignObject/);
  }

  // Hidden states, cosine similarity, PCA, [CLS] vs pooler, and the embedding sum.
  for (const view of ['hidden-heatmap', 'cosine', 'pca', 'cls-pooler', 'embedding-sum']) {
    assert.equal(await svgView(page, view).count(), 1, `${view} renders`);
  }
  await page.fill(testid('hidden-layer'), '0');
  assert.match(await page.textContent(testid('hidden-view')), /layer 0/);
  await screenshot(page.locator(testid('hidden-view')), 'hidden-states');

  // Bahasa Indonesia.
  await page.selectOption(testid('lang-select'), 'id');
  assert.equal(await page.textContent('#input-section h2'), 'Masukan');
  await screenshot(page, 'page-indonesian');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('task panels answer on models with the head and explain when a model lacks it', async () => {
  const page = await h.open();
  const result = (id) => page.locator(testid(`${id}-result`));
  const run = async (form, id) => {
    await page.click(`${testid(form)} button`);
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent !== '…', testid(`${id}-result`));
  };

  assert.match(await pickFiles(page, tiny('tiny-pretraining')), /Loaded/);
  await page.fill('#fill-text', 'the a [MASK] .');
  await run('fill-mask-form', 'fill-mask');
  assert.equal(await result('fill-mask').locator('.bar-row').count(), 5);
  await run('nsp-form', 'nsp');
  assert.match(await result('nsp').textContent(), /P\(B follows A\) = 0\.\d{4}/);
  await run('qa-form', 'qa');
  assert.match(await result('qa').locator('.error').textContent(), /question-answering head/);
  await run('classify-form', 'classify');
  assert.match(await result('classify').locator('.error').textContent(), /sequence-classification head/);

  await pickFiles(page, tiny('tiny-qa'));
  await run('qa-form', 'qa');
  assert.equal(await result('qa').locator('mark').count(), 1);
  await svgView(page, 'qa-logits').waitFor();
  await run('fill-mask-form', 'fill-mask');
  assert.match(await result('fill-mask').locator('.error').textContent(), /masked-LM head/);

  await pickFiles(page, tiny('tiny-classifier'));
  await run('classify-form', 'classify');
  const labels = await result('classify').locator('.bar-label').allTextContents();
  assert.deepEqual([...labels].sort(), ['negative', 'neutral', 'positive']);
  await screenshot(page.locator('#tasks-section'), 'tasks');
  // The API returns the CLI's JSON shapes.
  const out = await page.evaluate(() => window.bertplay.classify('a b'));
  assert.equal(out.labels.length, 3);
  assert.ok(Math.abs(out.labels.reduce((s, l) => s + l.probability, 0) - 1) < 1e-4);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('bad models get a clear message and the loaded model keeps working', async () => {
  const page = await h.open();
  const dir = mkdtempSync(join(tmpdir(), 'bertplay-bad-'));
  const src = join(fixtures, 'tiny-pretraining');
  const config = readFileSync(join(src, 'config.json'));
  const vocab = readFileSync(join(src, 'vocab.txt'));
  const weights = readFileSync(join(src, 'model.safetensors'));
  const cases = [
    ['corrupt safetensors', [['config.json', config], ['model.safetensors', Buffer.from('not a safetensors file at all')], ['vocab.txt', vocab]], /safetensors/i],
    ['config that does not match', [['config.json', JSON.stringify({ ...JSON.parse(config), hidden_size: 48, intermediate_size: 64 })], ['model.safetensors', weights], ['vocab.txt', vocab]], /tensor shapes contradict config\.json/],
    ['missing tokenizer', [['config.json', config], ['model.safetensors', weights]], /missing a tokenizer \(tokenizer\.json or vocab\.txt\)/],
    ['config that is not JSON', [['config.json', '{ nope'], ['model.safetensors', weights], ['vocab.txt', vocab]], /config/i],
  ];
  const before = await page.evaluate(() => window.bertplay.model().name);
  for (const [name, files, pattern] of cases) {
    // The picker sees base names only; each file gets its own temporary folder.
    const paths = files.map(([file, bytes]) => {
      const d = mkdtempSync(join(dir, 'case-'));
      writeFileSync(join(d, file), bytes);
      return join(d, file);
    });
    await page.setInputFiles(testid('model-files'), paths);
    await page.waitForFunction(() => !document.body.dataset.loading && document.querySelector('[data-testid="model-message"]').classList.contains('error'));
    const message = await page.textContent(testid('model-message'));
    assert.match(message, pattern, `${name}: ${message}`);
    assert.match(message, /previous model is still loaded/, name);
    assert.equal(await page.evaluate(() => window.bertplay.model().name), before, `${name}: the old model stays`);
    const ins = await page.evaluate(() => window.bertplay.inspect('still working?'));
    assert.ok(ins.tokens.length > 2, `${name}: the page still runs`);
    await page.evaluate(() => document.querySelector('[data-testid="model-message"]').classList.remove('error'));
  }
  await screenshot(page, 'bad-model');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the URL carries text, model, layer, head, view and language', async () => {
  const modelUrl = `${h.base}test-models/tiny-pretraining`;
  const hash = '#' + new URLSearchParams({ text: 'the a b', b: 'c d', model: modelUrl, layer: '1', head: '1', view: 'matrix', lang: 'id' });
  const page = await h.open(hash);
  assert.equal(await page.inputValue(testid('text-a')), 'the a b');
  assert.equal(await page.inputValue(testid('text-b')), 'c d');
  assert.equal(await page.evaluate(() => window.bertplay.model().source), modelUrl);
  assert.equal(await page.inputValue(testid('layer-select')), '1');
  assert.equal(await page.inputValue(testid('head-select')), '1');
  await svgView(page, 'matrix').waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'id');

  // Change the view in the page; the new link reproduces it in a fresh tab.
  await page.click(testid('tab-head'));
  await page.selectOption(testid('layer-select'), '0');
  const link = await page.evaluate(() => location.hash);
  const again = await h.open(link);
  assert.equal(await again.inputValue(testid('layer-select')), '0');
  assert.equal(await again.evaluate(() => window.bertplay.model().source), modelUrl);
  await svgView(again, 'head').waitFor();
  assert.equal(await again.evaluate(() => location.hash), link);
  assert.deepEqual([...page.errors, ...again.errors], []);
  await page.close();
  await again.close();
});
