// The built page from any static host under a sub-path (as GitHub Pages serves a project at
// https://user.github.io/project/): every asset, the engine, the built-in and toy models and the
// bundled samples are found relative to the page. See the README's "Publishing".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, repo } from './harness.mjs';
import { serve } from '../../web/serve.mjs';

let h;
let host;
before(async () => {
  h = await start();
  // Nothing at the root: a path that escaped the sub-path would fail.
  host = await serve({ root: mkdtempSync(join(tmpdir(), 'bertplay-host-')), port: 0, mounts: { '/courses/bertplay': join(repo, 'web/dist') } });
});
after(async () => {
  await h?.close();
  await new Promise((ok) => host.close(ok));
});

test('the page works from a sub-path: models, engine, samples and the learn mode', async () => {
  const base = `http://127.0.0.1:${host.address().port}/courses/bertplay`;
  const page = await h.browser.newPage();
  const errors = [];
  const missing = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('response', (r) => r.status() >= 400 && missing.push(`${r.status()} ${r.url()}`));
  // Without its trailing slash the address is redirected, as static hosts do.
  await page.goto(`${base}#backend=cpu`);
  assert.equal(new URL(page.url()).pathname, '/courses/bertplay/');
  await page.waitForSelector('body[data-ready="true"]', { timeout: 300_000 });
  assert.equal(await page.evaluate(() => window.bertplay.model().name), 'built-in model');
  const fill = await page.evaluate(() => window.bertplay.fillMask('the capital of [MASK] is paris.'));
  assert.ok(fill.masks[0].candidates.length > 0);
  // A bundled sample, previewed for training.
  await page.selectOption('[data-testid="train-sample"]', 'samples/topics-en-500.csv');
  await page.waitForFunction(() => /rows for training/.test(document.querySelector('[data-testid="train-preview"]').textContent));
  // The course's toy model, through the learn mode.
  await page.evaluate(() => window.bertplay.loadModel('toy'));
  assert.equal(await page.evaluate(() => window.bertplay.model().name), 'course toy model');
  assert.deepEqual(missing, []);
  assert.deepEqual(errors, []);
  await page.close();
});
