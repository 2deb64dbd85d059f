// MiniLM loaded through the page's file picker gives transformers' numbers (attention, hidden
// states, pooler within 1e-3) on WebGPU and on the CPU backend; without a WebGPU adapter the
// page falls back to the CPU by itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, pickFiles, fixtures, minilmDir, maxAbsDiff, readSafetensors, screenshot } from './harness.mjs';

const cases = JSON.parse(readFileSync(join(fixtures, 'minilm.json'), 'utf8'));
const expected = readSafetensors(join(fixtures, 'minilm.safetensors'));
const CHECKED = ['english', 'pair', 'indonesian', 'accents', 'qa_pair'];

let h;
before(async () => (h = await start()));
after(async () => h?.close());

for (const backend of ['webgpu', 'cpu']) {
  test(`MiniLM on ${backend} matches transformers`, async () => {
    const page = await h.open(`#backend=${backend}`);
    const info = await page.evaluate(() => window.bertplay.backend());
    assert.equal(info.name, backend, `running on ${info.adapter}`);
    const message = await pickFiles(page, ['config.json', 'model.safetensors', 'tokenizer.json'].map((f) => join(minilmDir, f)));
    assert.match(message, /Loaded/);
    // A pretrained model of 22.6 M numbers starts training from the course's table.
    await page.waitForFunction(() => /course's table: this model has 22\.6 M/.test(document.querySelector('[data-testid="train-fit"]').textContent));
    assert.equal(await page.inputValue('#train-lr'), '0.00002');
    for (const name of CHECKED) {
      const c = cases.find((x) => x.name === name);
      const out = await page.evaluate(([a, b]) => window.bertplay.inspect(a, b), [c.text, c.text_b]);
      assert.deepEqual(out.input_ids, Array.from(expected[`${name}.input_ids`].data, Number), name);
      assert.deepEqual(out.token_type_ids, Array.from(expected[`${name}.token_type_ids`].data, Number), name);
      const diffs = {
        attentions: maxAbsDiff(out.attentions.flat(3), expected[`${name}.attentions`].data),
        hidden_states: maxAbsDiff(out.hidden_states.flat(2), expected[`${name}.hidden_states`].data),
        pooler: maxAbsDiff(out.pooler, expected[`${name}.pooler`].data),
      };
      console.log(`# ${backend} ${name}: ${JSON.stringify(diffs)}`);
      for (const [what, d] of Object.entries(diffs)) assert.ok(d <= 1e-3, `${backend} ${name} ${what}: ${d}`);
    }
    if (backend === 'webgpu') {
      // The self-test compared WebGPU with the CPU on this model after it loaded.
      const { self_test } = await page.evaluate(() => window.bertplay.backend());
      console.log(`# self-test: ${JSON.stringify(self_test)}`);
      assert.ok(self_test?.ok, 'self-test passed');
      assert.match(await page.textContent('[data-testid="banner"]'), /matches the CPU/);
      // Switching backend from the page's selector reloads the same model on the CPU.
      await page.selectOption('[data-testid="backend-select"]', 'cpu');
      await page.waitForFunction(() => document.querySelector('[data-testid="backend-badge"]').textContent.startsWith('CPU'));
      const onCpu = await page.evaluate(() => window.bertplay.inspect('Switching keeps the model.'));
      assert.equal((await page.evaluate(() => window.bertplay.backend())).name, 'cpu');
      assert.equal(await page.evaluate(() => window.bertplay.model().name), 'local files');
      const back = await page.evaluate(async () => (await window.bertplay.setBackend('webgpu')).name);
      assert.equal(back, 'webgpu');
      const again = await page.evaluate(() => window.bertplay.inspect('Switching keeps the model.'));
      assert.ok(maxAbsDiff(onCpu.pooler, again.pooler) <= 1e-3, 'CPU and WebGPU agree after switching');
    }
    await screenshot(page, `minilm-${backend}`);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}

test('without a WebGPU adapter, auto falls back to the CPU and says why', async () => {
  const browser = await h.launch([]);
  try {
    const page = await h.open('', browser);
    const info = await page.evaluate(() => window.bertplay.backend());
    assert.equal(info.name, 'cpu');
    assert.match(info.webgpu_error, /no WebGPU adapter/);
    assert.match(await page.textContent('[data-testid="banner"]'), /WebGPU is not available/);
    const out = await page.evaluate(() => window.bertplay.inspect('works anyway'));
    assert.ok(out.tokens.length >= 3);
    assert.deepEqual(page.errors, []);
  } finally {
    await browser.close();
  }
});
