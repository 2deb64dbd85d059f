// The page in Bahasa Indonesia, all of it: a walk through every panel (inspect and its three
// attention views, tokens, saliency, hidden states, every task, a task error, a refused model,
// the learn mode, a training run) finds no English sentence of the page's catalogue left on screen. The core's
// coded errors each have an Indonesian translation with the same values. And "Auto" picks its
// backend by measuring, says why, remembers it, and yields to the user's choice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fixtures, start, repo, screenshot } from './harness.mjs';

const require = createRequire(join(repo, 'web/package.json'));
const { build } = require('esbuild');

let h;
let catalogue;
before(async () => {
  h = await start();
  // The page's own tables, bundled for Node (they are plain data).
  const out = await build({
    stdin: {
      contents: `export { errorStrings } from './errors'; export { viewStrings } from './views/strings'; export { learnStrings } from './learn/strings'; export { appStrings as strings } from './i18n';`,
      resolveDir: join(repo, 'web/src'),
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    write: false,
  });
  catalogue = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
});
after(async () => h?.close());

const testid = (id) => `[data-testid="${id}"]`;

/** Every English text of the page's tables whose Indonesian differs, as the longest run of
 * words between its placeholders (short ones, such as "Model", are the same in both). */
function englishSentences() {
  const { errorStrings, viewStrings, learnStrings, strings } = catalogue;
  const found = [];
  for (const table of [strings, viewStrings, learnStrings, errorStrings]) {
    for (const [key, en] of Object.entries(table.en)) {
      const id = table.id[key];
      if (id === undefined || id === en) continue;
      const longest = en.split(/\{\w+\}/).map((s) => s.trim()).sort((a, b) => b.length - a.length)[0];
      if (longest.length >= 14 && longest.split(' ').length >= 3) found.push({ key, text: longest });
    }
  }
  return found;
}

/** The text a user sees: visible text nodes, option labels, titles, placeholders, aria-labels. */
function visibleText(page) {
  return page.evaluate(() => {
    const out = [];
    const shown = (el) => el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || ['SCRIPT', 'STYLE', 'TEXTAREA'].includes(el.tagName)) continue;
      if (el.tagName === 'OPTION' ? shown(el.closest('select')) : shown(el)) out.push(n.textContent.trim());
    }
    for (const el of document.querySelectorAll('[title], [placeholder], [aria-label]')) {
      if (!shown(el)) continue;
      for (const a of ['title', 'placeholder', 'aria-label']) if (el.getAttribute(a)) out.push(el.getAttribute(a));
    }
    return out.filter(Boolean);
  });
}

/** Fails with every English sentence found in the texts gathered so far. */
function assertNoEnglish(texts, where) {
  const sentences = englishSentences();
  const left = [];
  for (const text of new Set(texts)) {
    for (const s of sentences) if (text.includes(s.text)) left.push(`${s.key}: "${text.slice(0, 160)}"`);
  }
  assert.deepEqual(left, [], `English left on screen (${where})`);
}

test('the whole page in Bahasa Indonesia: every panel, a task error and a training run, no English left', async () => {
  const page = await h.open('#backend=cpu');
  try {
    const texts = [];
    const gather = async () => texts.push(...(await visibleText(page)));
    await page.selectOption(testid('lang-select'), 'id');
    assert.equal(await page.getAttribute('html', 'lang'), 'id');
    await page.click(testid('run-inspect'));
    await page.waitForFunction(() => /token/.test(document.querySelector('[data-testid="inspect-message"]').textContent));
    for (const tab of ['tab-head', 'tab-model', 'tab-matrix']) {
      await page.click(testid(tab));
      await gather();
    }
    await page.locator(`${testid('tokens')} td`).nth(2).click();
    await gather();

    // Every task, then one the model must refuse: the message is Indonesian.
    for (const form of ['fill-mask', 'nsp', 'qa', 'classify']) {
      await page.click(`${testid(`${form}-form`)} button`);
      await page.waitForFunction((f) => document.querySelector(`[data-testid="${f}-result"]`).textContent.trim() !== '', form);
    }
    await gather();
    await page.fill('#fill-text', 'tidak ada topeng di sini');
    await page.click(`${testid('fill-mask-form')} button`);
    await page.waitForFunction(() => /MASK/.test(document.querySelector('[data-testid="fill-mask-result"]').textContent));
    assert.match(await page.textContent(testid('fill-mask-result')), /teksnya tidak memiliki token \[MASK\] untuk diisi/);
    await gather();

    await page.click(testid('saliency-run'));
    await page.waitForFunction(() => document.querySelector('[data-testid="saliency-result"]').textContent.trim() !== '');
    await gather();

    // A short training run on pasted data, to its end.
    const rows = Array.from({ length: 24 }, (_, i) => (i % 2 ? `film ini bagus sekali ${i},pos` : `film ini buruk sekali ${i},neg`));
    // One row with no label: the preview leaves it out and says why, in Indonesian.
    await page.fill(testid('train-text'), `text,label\n${rows.join('\n')}\nkalimat tanpa label,\n`);
    await page.waitForSelector(testid('train-preview-skipped'));
    assert.match(await page.textContent(testid('train-preview-skipped')), /labelnya kosong/);
    await page.fill(testid('train-epochs'), '1');
    await page.click(testid('train-start'));
    await page.waitForFunction(() => /selesai/.test(document.querySelector('[data-testid="train-status"]').textContent), null, {
      timeout: 300_000,
    });
    await page.locator(`${testid('train-loss-chart')} svg`).waitFor();
    await gather();
    // The trained model in the playground: its name is said in Indonesian too.
    await page.click(testid('train-use'));
    await page.waitForFunction(() => /di-fine-tune pada teks yang ditempel/.test(document.querySelector('[data-testid="model-message"]').textContent));
    assert.match(await page.textContent(testid('model-message')), /model bawaan yang di-fine-tune pada teks yang ditempel dimuat/);
    await gather();
    await screenshot(page.locator('#training-section'), 'training-id');

    // A model whose config.json does not fit its weights: refused, in Indonesian, the loaded model stays.
    const src = join(fixtures, 'tiny-pretraining');
    const dir = mkdtempSync(join(tmpdir(), 'bertplay-id-'));
    const config = JSON.parse(readFileSync(join(src, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, hidden_size: 48, intermediate_size: 64 }));
    for (const f of ['model.safetensors', 'vocab.txt']) writeFileSync(join(dir, f), readFileSync(join(src, f)));
    await page.setInputFiles(testid('model-files'), ['config.json', 'model.safetensors', 'vocab.txt'].map((f) => join(dir, f)));
    await page.waitForFunction(() => document.querySelector('[data-testid="model-message"]').classList.contains('error'));
    assert.match(
      await page.textContent(testid('model-message')),
      /^Model ini tidak dapat dimuat: checkpoint tidak cocok dengan config-nya: bentuk tensor bertentangan dengan config\.json: .*Model sebelumnya masih dimuat\.$/,
    );
    await gather();

    // The learn mode, a few steps in.
    await page.click(testid('learn-open'));
    for (let i = 0; i < 3; i++) await page.click(testid('learn-next'));
    await gather();
    await page.click(testid('learn-close'));

    // The check has something to hold: the catalogue's sentences, and the walk's Indonesian.
    assert.ok(englishSentences().length > 200, `${englishSentences().length} English sentences`);
    for (const seen of ['Tampilan kepala', 'P(B mengikuti A)', 'selesai:']) assert.ok(texts.some((x) => x.includes(seen)), seen);
    assertNoEnglish(texts, 'the walk');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('every coded error of the core has an Indonesian translation with the same values', () => {
  const coded = new Map();
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.rs')) {
        const src = readFileSync(path, 'utf8');
        for (const m of src.matchAll(/detail!\(\s*"([\w.]+)",\s*"((?:[^"\\]|\\.)*)"/g)) coded.set(m[1], m[2]);
        for (const m of src.matchAll(/Detail::coded\(\s*"([\w.]+)"/g)) coded.set(m[1], null);
      }
    }
  };
  walk(join(repo, 'crates/bertplay/src'));
  assert.ok(coded.size >= 30, `found ${coded.size} coded errors`);
  const id = catalogue.errorStrings.id;
  for (const [code, english] of coded) {
    assert.ok(id[code], `${code} has no Indonesian translation`);
    if (english === null) continue;
    const names = (s) => [...new Set([...s.matchAll(/\{(\w+)(?::\?)?\}/g)].map((m) => m[1]))].sort();
    assert.deepEqual(names(id[code]).filter((n) => !/^s\d$/.test(n)), names(english).filter((n) => !/^s\d$/.test(n)), `${code}: the same values`);
  }
});

test('Auto measures WebGPU against the CPU, says why, remembers it for the adapter and model size, and yields to a choice', async () => {
  // One browser context, as one user's browser: its storage outlives the page.
  const context = await h.browser.newContext();
  const page = await h.open('', context);
  try {
    const why = page.locator(testid('backend-why'));
    await why.waitFor({ state: 'visible', timeout: 120_000 });
    const said = await why.textContent();
    const m = said.match(/Auto chose (WebGPU|CPU): .* took ([\d.]+) ms on WebGPU and ([\d.]+) ms on the CPU \(just measured\)/);
    assert.ok(m, said);
    const [, pick, gpu, cpu] = m;
    assert.equal(pick, Number(gpu) <= Number(cpu) ? 'WebGPU' : 'CPU', 'the faster one');
    const info = await page.evaluate(() => window.bertplay.backend());
    assert.equal(info.name, pick === 'WebGPU' ? 'webgpu' : 'cpu');
    assert.match(await page.textContent(testid('backend-badge')), new RegExp(`^${pick}`));

    // A second visit recalls the measurement instead of measuring again.
    const again = await h.open('', context);
    try {
      await again.locator(testid('backend-why')).waitFor({ state: 'visible', timeout: 60_000 });
      assert.match(await again.textContent(testid('backend-why')), /measured earlier on this adapter/);
      // The user's choice wins, and the reason goes.
      const other = pick === 'WebGPU' ? 'cpu' : 'webgpu';
      await again.selectOption(testid('backend-select'), other);
      await again.waitForFunction((o) => window.bertplay.backend().then((b) => b.name === o), other);
      assert.ok(await again.locator(testid('backend-why')).isHidden());
      // Back to Auto: straight to its pick, with its reason.
      await again.selectOption(testid('backend-select'), 'auto');
      await again.waitForFunction((p) => window.bertplay.backend().then((b) => b.name === p), pick === 'WebGPU' ? 'webgpu' : 'cpu');
      await again.locator(testid('backend-why')).waitFor({ state: 'visible' });
      assert.deepEqual(again.errors, []);
    } finally {
      await again.close();
    }
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});
