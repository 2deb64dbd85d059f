// Training in the tab, in Chromium: the built-in model learns the bundled English sample on the
// CPU backend; its export loads in the native CLI with the same scores and predictions; a run
// interrupted by a page reload resumes from its saved checkpoint and ends exactly where an
// uninterrupted run does; stop works; bad data gets clear messages; on WebGPU, training steps
// compute what the CPU computes, and on a real GPU (not an emulation on the CPU) the same job
// reaches the same accuracy. No console errors anywhere.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, pickFiles, repo, screenshot } from './harness.mjs';

let h;
before(async () => (h = await start()));
after(async () => h?.close());

const testid = (id) => `[data-testid="${id}"]`;
const bin =
  process.env.BERTPLAY_BIN ??
  join(process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, '.cache/bertplay/target'), 'release/bertplay');
const cli = (...args) => JSON.parse(execFileSync(bin, ['--json', ...args], { encoding: 'utf8' }));

/** The built-in mini-BERT on the English sample: settings for a small model (see README). */
const JOB = { sample: 'samples/topics-en-500.csv', lr: 5e-4, batchSize: 16, epochs: 8, maxLen: 64, warmup: 0.1, seed: 42 };

/** Runs `bertplay.train(options)` in the page; resolves to the result (predictions included). */
function train(page, options) {
  return page.evaluate(async (o) => {
    const run = window.bertplay.train(o);
    window.lastRun = run;
    const result = await run.done;
    return { ...result, events: run.events.filter((e) => e.type !== 'started') };
  }, options);
}

/** Model files from the page's export, written to a new folder. */
async function exportTo(page, which = 'current') {
  const files = await page.evaluate(async (w) => {
    const out = {};
    for (const [name, bytes] of Object.entries(await window.bertplay.exportModel(w))) {
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      out[name] = btoa(s);
    }
    return out;
  }, which);
  const dir = mkdtempSync(join(tmpdir(), 'bertplay-export-'));
  for (const [name, b64] of Object.entries(files)) writeFileSync(join(dir, name), Buffer.from(b64, 'base64'));
  return dir;
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The mean loss of a run's last tenth of steps is under 0.7× that of its first tenth. */
function assertLossFalls(result) {
  const losses = result.events.filter((e) => e.type === 'steps').flatMap((e) => e.records.map((r) => r.loss));
  const tenth = Math.max(1, Math.floor(losses.length / 10));
  const [first, last] = [mean(losses.slice(0, tenth)), mean(losses.slice(-tenth))];
  assert.ok(last < 0.7 * first, `training loss falls (${first.toFixed(3)} → ${last.toFixed(3)})`);
}

test('Train with the defaults teaches the built-in model the English sample on the CPU; the export scores the same in the CLI', async () => {
  const page = await h.open('#backend=cpu');
  // The panel starts from the settings that suit the loaded model, and says which and why.
  await page.waitForSelector(`${testid('train-fit')}:not([hidden])`);
  assert.match(await page.textContent(testid('train-fit')), /small-model settings: this model has 4\.\d M numbers \(under 10\.0 M\)/);
  const form = await page.evaluate(() =>
    ['train-lr', 'train-batch', 'train-epochs', 'train-max-len', 'train-warmup'].map((id) => Number(document.getElementById(id).value)),
  );
  assert.deepEqual(form, [JOB.lr, JOB.batchSize, JOB.epochs, JOB.maxLen, JOB.warmup], 'the mini-BERT table');
  // Pressing Train with those defaults: only the data is chosen.
  const result = await train(page, { sample: JOB.sample });
  assert.equal(result.status, 'done');
  assert.equal(result.step, result.total_steps);
  assertLossFalls(result);
  const final = result.final;
  assert.ok(final.accuracy >= 0.8, `held-out accuracy ${final.accuracy}`);
  assert.equal(result.evals.length, JOB.epochs, 'one validation score per epoch');
  // The page shows the run: charts (the schedule drawn for every step), status, the errors list.
  for (const chart of ['train-loss-chart', 'train-lr-chart', 'train-eval-chart']) {
    assert.equal(await page.locator(`${testid(chart)} svg`).count(), 1, `${chart} is drawn`);
  }
  assert.match(await page.textContent(testid('train-status')), /finished/);
  assert.match(await page.textContent(testid('train-results')), /wrong|right/);
  await screenshot(page.locator('#training-section'), 'training');

  // Export → the native CLI: the same validation scores, and the same probabilities.
  const dir = await exportTo(page);
  const rows = final.predictions.map((p) => `"${p.text.replaceAll('"', '""')}",${p.label}`).join('\n');
  writeFileSync(join(dir, 'validation.csv'), `text,label\n${rows}\n`);
  const scores = cli('eval', '--task', 'classify', '--model', dir, '--data', join(dir, 'validation.csv'));
  assert.equal(scores.accuracy, final.accuracy);
  assert.ok(Math.abs(scores.macro_f1 - final.macro_f1) < 1e-9);
  assert.ok(Math.abs(scores.loss - final.loss) < 1e-4, `loss ${scores.loss} vs ${final.loss}`);
  await page.click(testid('train-use'));
  await page.waitForFunction(() => document.querySelector('[data-testid="model-message"]').textContent.includes('fine-tuned'));
  for (const p of final.predictions.slice(0, 3)) {
    const inPage = await page.evaluate((text) => window.bertplay.classify(text), p.text);
    const inCli = cli('classify', '--model', dir, '--text', p.text);
    assert.equal(inPage.labels[0].label, inCli.labels[0].label);
    assert.ok(Math.abs(inPage.labels[0].probability - inCli.labels[0].probability) < 1e-4);
  }
  // The page's .zip download loads back through the model picker and answers the same.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(testid('train-export'))]);
  assert.match(download.suggestedFilename(), /^bertplay-.*\.zip$/);
  const zip = join(dir, download.suggestedFilename());
  await download.saveAs(zip);
  const sentence = final.predictions[0].text;
  const before = await page.evaluate((text) => window.bertplay.classify(text), sentence);
  assert.match(await pickFiles(page, [zip]), /Loaded bertplay-/);
  const after = await page.evaluate((text) => window.bertplay.classify(text), sentence);
  assert.deepEqual(after.labels.map((l) => l.label), before.labels.map((l) => l.label));
  assert.ok(Math.abs(after.labels[0].probability - before.labels[0].probability) < 1e-6);
  // Before and after, side by side.
  const pair = await page.evaluate(() => window.bertplay.compareTrained('The soup was too salty.'));
  assert.deepEqual(pair.before.tokens, pair.after.tokens);
  assert.equal(await page.locator(`${testid('compare-before')} svg`).count(), 1);
  assert.equal(await page.locator(`${testid('compare-after')} svg`).count(), 1);
  assert.deepEqual(page.errors, []);

  // An engine that crashes comes back with the trained model (from browser storage), not with
  // the model the run started from.
  await page.click(testid('train-use'));
  await page.waitForFunction(() => window.bertplay.model()?.name.includes('fine-tuned'));
  const inUse = await page.evaluate((text) => window.bertplay.classify(text), sentence);
  const [engine] = page.workers().filter((w) => w.url().includes('worker'));
  await engine.evaluate(() => setTimeout(() => { throw new Error('a deliberate crash'); }));
  await page.waitForFunction(() => document.body.innerText.includes('reloaded the trained model'));
  assert.match((await page.evaluate(() => window.bertplay.model())).name, /fine-tuned/);
  const back = await page.evaluate((text) => window.bertplay.classify(text), sentence);
  assert.equal(back.labels[0].label, inUse.labels[0].label);
  assert.ok(Math.abs(back.labels[0].probability - inUse.labels[0].probability) < 1e-6);
  await page.close();
});

test('on a hardware WebGPU adapter, the built-in model learns the English sample too', async (t) => {
  const page = await h.open('#backend=webgpu');
  const info = await page.evaluate(() => window.bertplay.backend());
  assert.equal(info.name, 'webgpu', `the page asked for WebGPU and got ${info.adapter}`);
  // SwiftShader (and llvmpipe) emulate a GPU on the CPU: about 51 s per step here, hours for the job.
  if (/swiftshader|llvmpipe|lavapipe/i.test(info.adapter)) {
    await page.close();
    return t.skip(`needs a real GPU; this adapter is ${info.adapter}`);
  }
  const result = await train(page, JOB);
  assert.equal(result.status, 'done');
  assertLossFalls(result);
  assert.ok(result.final.accuracy >= 0.8, `held-out accuracy ${result.final.accuracy}`);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a reload mid-training resumes from the saved checkpoint and ends where an unbroken run does; stop works', async () => {
  const job = { ...JOB, epochs: 2, batchSize: 8, maxLen: 32 };
  const page = await h.open('#backend=cpu');
  const unbroken = await train(page, job);
  assert.equal(unbroken.status, 'done');

  // The same run, with the page reloaded once the first epoch's checkpoint is saved.
  await page.evaluate((o) => {
    const run = window.bertplay.train(o);
    run.done.catch(() => null);
    window.savedAt = new Promise((resolve) => run.on((e) => e.type === 'saved' && e.slot === 'latest' && resolve(e.step)));
  }, job);
  const savedAt = await page.evaluate(() => window.savedAt);
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  await page.waitForSelector(`${testid('train-saved')}:not([hidden])`);
  assert.match(await page.textContent(testid('train-saved')), new RegExp(`step ${savedAt} of`));
  const resumed = await page.evaluate(async () => {
    const run = window.bertplay.resumeTraining();
    const result = await run.done;
    return { ...result, first: run.events.find((e) => e.type === 'steps').records[0].step };
  });
  assert.equal(resumed.first, savedAt + 1, 'no step is lost or repeated');
  assert.equal(resumed.step, unbroken.step);
  assert.equal(resumed.final.loss, unbroken.final.loss, 'bit-identical to the unbroken run');
  assert.equal(resumed.final.accuracy, unbroken.final.accuracy);

  // Pause (which saves a checkpoint), resume, then stop: the run ends early, keeps its model,
  // and can be exported.
  const stopped = await page.evaluate(async (o) => {
    const run = window.bertplay.train(o);
    const statuses = [];
    run.on((e) => {
      if (e.type === 'status') statuses.push(e.status);
      if (e.type === 'status' && e.status === 'paused') setTimeout(() => run.resume(), 300);
      if (e.type === 'steps' && !statuses.includes('paused')) run.pause();
      else if (e.type === 'steps' && statuses.at(-1) === 'running') run.stop();
    });
    const result = await run.done;
    return { ...result, statuses, saved: run.events.filter((e) => e.type === 'saved').length };
  }, { ...job, epochs: 4, batchSize: 8 });
  assert.deepEqual(stopped.statuses, ['running', 'paused', 'running', 'stopped']);
  assert.ok(stopped.saved >= 2, 'a checkpoint on pause and on stop');
  assert.equal(stopped.status, 'stopped');
  assert.ok(stopped.step < stopped.total_steps);
  assert.equal(await page.isEnabled(testid('train-export')), true);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a fresh mini-BERT pretrains with MLM + NSP on pasted text', async () => {
  // Documents of five same-topic sentences from the English sample, a blank line between them.
  const rows = readFileSync(join(repo, 'assets/samples/topics-en-500.csv'), 'utf8').trim().split('\n').slice(1);
  const byTopic = {};
  for (const row of rows) {
    const label = row.slice(row.lastIndexOf(',') + 1);
    const text = row.slice(0, row.lastIndexOf(',')).replace(/^"|"$/g, '').replaceAll('""', '"');
    (byTopic[label] ??= []).push(text);
  }
  const docs = Object.values(byTopic).flatMap((sentences) =>
    Array.from({ length: sentences.length / 5 }, (_, i) => sentences.slice(5 * i, 5 * i + 5).join('\n')));
  const page = await h.open('#backend=cpu');
  const result = await train(page, {
    data: docs.join('\n\n'), task: 'pretrain', lr: 1e-3, batchSize: 16, epochs: 3, maxLen: 32, warmup: 0.1,
    fresh: { layers: 2, hidden: 64, heads: 2, intermediate: 128 },
  });
  assert.equal(result.status, 'done');
  assert.match(await page.textContent(testid('train-preview')), /sentence pairs for training/);
  const losses = result.events.filter((e) => e.type === 'steps').flatMap((e) => e.records.map((r) => r.loss));
  assert.ok(mean(losses.slice(-5)) < mean(losses.slice(0, 5)) - 1, `MLM + NSP loss falls: ${losses[0]} → ${losses.at(-1)}`);
  const final = result.final;
  assert.ok(final.masked_tokens > 0 && final.pairs > 0, JSON.stringify(final));
  assert.ok(final.mlm_top5 >= final.mlm_top1 && final.mlm_top1 > 0, JSON.stringify(final));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('bad data gets a clear message and nothing starts', async () => {
  const page = await h.open('#backend=cpu');
  const fails = (o) => page.evaluate((opts) => window.bertplay.train(opts).done.then(() => 'trained', (e) => e.message), o);
  assert.match(await fails({ data: '   ' }), /Choose a sample set/);
  assert.match(await fails({ data: 'text,label\n"an unterminated quote,positive\nfine,negative\n', fileName: 'bad.csv' }), /line 2/);
  assert.match(await page.textContent(testid('train-message')), /line 2/);
  assert.match(await fails({ data: 'words,tag\nhello,a\n', fileName: 'bad.csv' }), /no text .*column/);
  // One class: the preview warns before anything trains.
  await page.evaluate(() => window.bertplay.train({ data: 'text,label\nthe cat sat,cat\nthe dog ran,cat\n', fileName: 'one.csv', epochs: 1 }).done);
  assert.match(await page.textContent(testid('train-message')), /only one label/);
  assert.match(await page.textContent(testid('train-preview')), /only one label/);
  // Bad rows are listed in the preview and left out.
  await page.fill(testid('train-text'), 'text,label\nthe cat sat,cat\n"two, fields",dog,extra\nthe dog ran,dog\n');
  await page.waitForSelector(testid('train-preview-skipped'));
  assert.match(await page.textContent(testid('train-preview-skipped')), /3/);
  // Data files as spreadsheets save them: UTF-16 with its byte-order mark is read; a file that is
  // not text, or too large for a tab, is named with what to do.
  await page.setInputFiles(testid('train-file'), join(repo, 'tests/fixtures/tables/utf16.csv'));
  await page.waitForFunction(() => /4 rows for training, 2 for validation/.test(document.querySelector('[data-testid="train-preview"]').textContent));
  assert.match(await page.textContent(testid('train-preview')), /she said "wow" twice/);
  const dir = mkdtempSync(join(tmpdir(), 'bertplay-data-'));
  writeFileSync(join(dir, 'latin1.csv'), Buffer.from('text,label\ncaf\xe9 au lait,pos\n', 'latin1'));
  await page.setInputFiles(testid('train-file'), join(dir, 'latin1.csv'));
  await page.waitForFunction(() => /latin1\.csv is not UTF-8/.test(document.querySelector('[data-testid="train-message"]').textContent));
  // A 300 MB file, sparse on disk: refused by its size, before it is read.
  writeFileSync(join(dir, 'huge.csv'), '');
  truncateSync(join(dir, 'huge.csv'), 300 * 2 ** 20);
  await page.setInputFiles(testid('train-file'), join(dir, 'huge.csv'));
  await page.waitForFunction(() => /huge\.csv is 300 MB; the tab reads data files of at most 256 MB/.test(document.querySelector('[data-testid="train-message"]').textContent));
  // Settings no run could finish (or no memory could hold) are refused before anything starts.
  const two = 'text,label\nthe cat sat,cat\nthe dog ran,dog\n';
  assert.match(await fails({ data: two, fileName: 'two.csv', epochs: 1e9 }), /at most 4096 and 1000/);
  assert.match(await fails({ data: two, fileName: 'two.csv', epochs: 1, fresh: { layers: 1e9, hidden: 64, heads: 2, intermediate: 128 } }), /num_hidden_layers is 1000000000/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('on WebGPU, a training step, its validation and pretraining scores match the CPU', async () => {
  // Dropout off (it draws different masks on each backend), and no freshly initialised head
  // (each backend has its own random generator), so the two backends must agree.
  const noDropout = (src) => {
    const dir = mkdtempSync(join(tmpdir(), 'bertplay-nodropout-'));
    const config = JSON.parse(readFileSync(join(src, 'config.json'), 'utf8'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 }));
    for (const f of ['model.safetensors', 'tokenizer.json']) writeFileSync(join(dir, f), readFileSync(join(src, f)));
    return ['config.json', 'model.safetensors', 'tokenizer.json'].map((f) => join(dir, f));
  };
  const sample = readFileSync(join(repo, 'assets/samples/topics-en-500.csv'), 'utf8').trim().split('\n');
  const small = { data: sample.slice(0, 13).join('\n'), fileName: 'small.csv', lr: 5e-4, batchSize: 16, epochs: 1, maxLen: 16, warmup: 0 };
  const texts = sample.slice(1, 25).map((r) => r.slice(0, r.lastIndexOf(',')).replace(/^"|"$/g, ''));
  const docs = Array.from({ length: 6 }, (_, i) => texts.slice(4 * i, 4 * i + 4).join('\n')).join('\n\n');
  const pretrain = { data: docs, task: 'pretrain', lr: 5e-4, batchSize: 16, epochs: 1, maxLen: 24, warmup: 0, validation: 0.34 };
  const run = (page, o) =>
    page.evaluate(async (opts) => {
      const r = window.bertplay.train(opts);
      const out = await r.done;
      return { status: out.status, final: out.final, losses: r.events.filter((e) => e.type === 'steps').flatMap((e) => e.records.map((x) => x.loss)) };
    }, o);

  // A classifier head with the data's labels, made once on the CPU and then kept by both runs.
  let page = await h.open('#backend=cpu');
  await run(page, small);
  const withHead = await exportTo(page);
  await page.close();

  const out = {};
  for (const backend of ['webgpu', 'cpu']) {
    page = await h.open(`#backend=${backend}`);
    assert.equal((await page.evaluate(() => window.bertplay.backend())).name, backend);
    assert.match(await pickFiles(page, noDropout(withHead)), /Loaded/);
    const classify = await run(page, small);
    assert.match(await pickFiles(page, noDropout(join(repo, 'assets/builtin-model'))), /Loaded/);
    const pretraining = await run(page, pretrain);
    out[backend] = { classify, pretraining };
    assert.deepEqual(page.errors, []);
    await page.close();
  }
  const close = (a, b, what) => assert.ok(Math.abs(a - b) < 1e-3, `${what}: WebGPU ${a} vs CPU ${b}`);
  const [g, c] = [out.webgpu, out.cpu];
  for (const job of ['classify', 'pretraining']) {
    assert.equal(g[job].status, 'done');
    assert.equal(g[job].losses.length, c[job].losses.length);
    g[job].losses.forEach((l, i) => close(l, c[job].losses[i], `${job} step ${i + 1} loss`));
    close(g[job].final.loss, c[job].final.loss, `${job} validation loss after the update`);
  }
  assert.equal(g.classify.final.accuracy, c.classify.final.accuracy);
  const m = c.pretraining.final;
  assert.ok(m.masked_tokens > 0 && m.pairs > 0, JSON.stringify(m));
  assert.equal(g.pretraining.final.masked_tokens, m.masked_tokens, 'the same held-out masks');
  // Ranks can flip only between near-equal logits: allow one token either way.
  for (const k of ['mlm_top1', 'mlm_top5']) assert.ok(Math.abs(g.pretraining.final[k] - m[k]) <= 1 / m.masked_tokens + 1e-9, `${k}: ${g.pretraining.final[k]} vs ${m[k]}`);
  assert.equal(g.pretraining.final.nsp_accuracy, m.nsp_accuracy);
});

test('two tabs never train into the one stored run at once: the second is told why', async () => {
  // Two tabs of one browser profile share the origin's storage (and its lock).
  const context = await h.browser.newContext({ viewport: { width: 1200, height: 900 } });
  const open = async () => {
    const page = await context.newPage();
    page.errors = [];
    page.on('pageerror', (e) => page.errors.push(String(e)));
    await page.goto(`${h.base}#backend=cpu`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 300_000 });
    return page;
  };
  const [first, second] = [await open(), await open()];
  await first.evaluate((job) => {
    window.lastRun = window.bertplay.train(job);
    return new Promise((ok) => window.lastRun.on((e) => e.type === 'steps' && ok()));
  }, JOB);
  const refused = await second.evaluate((job) => window.bertplay.train(job).done.then(() => 'trained', (e) => e.message), JOB);
  assert.match(refused, /another tab of this page is training/);
  await first.evaluate(() => window.lastRun.stop());
  const result = await first.evaluate(() => window.lastRun.done);
  assert.equal(result.status, 'stopped');
  // Once the first tab's run has ended, the second may train.
  const again = await second.evaluate((job) => window.bertplay.train({ ...job, epochs: 1 }).done.then((r) => r.status, (e) => e.message), JOB);
  assert.equal(again, 'done');
  assert.deepEqual([...first.errors, ...second.errors], []);
  await context.close();
});
