// Faults in the tab, and nothing lost: a reload while a checkpoint is being written resumes
// from a whole checkpoint and ends where an unbroken run does; browser storage that is full is
// reported and training goes on; a lost WebGPU device moves the engine to the CPU with a
// message; the engine's memory stays bounded over 500 inspects and 20 model loads and backend
// switches. See docs/RELIABILITY.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { start } from './harness.mjs';

let h;
before(async () => (h = await start()));
after(async () => h?.close());

const testid = (id) => `[data-testid="${id}"]`;
/** A short run of the built-in model on the English sample: three epochs, a checkpoint at each
 * epoch's end. */
const JOB = { sample: 'samples/topics-en-500.csv', lr: 5e-4, batchSize: 8, epochs: 3, maxLen: 32, warmup: 0.1, seed: 42 };

function train(page, options) {
  return page.evaluate(async (o) => {
    const run = window.bertplay.train(o);
    const result = await run.done;
    return { ...result, events: run.events.filter((e) => e.type !== 'started') };
  }, options);
}

test('a reload while a checkpoint is being written resumes from a whole checkpoint, as an unbroken run ends', async () => {
  const page = await h.open('#backend=cpu');
  const unbroken = await train(page, JOB);
  assert.equal(unbroken.status, 'done');

  // The same run, reloaded from inside the page the moment its second checkpoint starts to be
  // written (about 60 MB of weights and optimizer moments into IndexedDB).
  await page.evaluate((o) => {
    const run = window.bertplay.train(o);
    run.done.catch(() => null);
    let saved = null;
    run.on((e) => {
      if (e.type === 'saved' && e.slot === 'latest') saved = e.step;
      if (e.type === 'saving' && e.slot === 'latest' && saved !== null) {
        sessionStorage.setItem('cut', JSON.stringify({ saved, saving: e.step }));
        location.reload();
      }
    });
  }, JOB);
  await page.waitForEvent('framenavigated', { timeout: 300_000 });
  await page.waitForSelector('body[data-ready="true"]', { timeout: 300_000 });
  const cut = JSON.parse(await page.evaluate(() => sessionStorage.getItem('cut')));
  assert.ok(cut, 'the page was reloaded mid-save');
  const stored = await page.evaluate(() => window.bertplay.savedRun());
  // The transaction landed whole or not at all: the run names a checkpoint it really holds.
  assert.ok([cut.saved, cut.saving].includes(stored.latestStep), `stored at ${stored.latestStep}, cut ${JSON.stringify(cut)}`);
  console.log(`reload during the save of step ${cut.saving}: storage kept step ${stored.latestStep}`);
  const resumed = await page.evaluate(async () => {
    const run = window.bertplay.resumeTraining();
    const result = await run.done;
    return { ...result, first: run.events.find((e) => e.type === 'steps').records[0].step };
  });
  assert.equal(resumed.first, stored.latestStep + 1, 'no step is lost or repeated');
  assert.equal(resumed.final.loss, unbroken.final.loss, 'bit-identical to the unbroken run');
  assert.equal(resumed.final.accuracy, unbroken.final.accuracy);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('browser storage that is full is reported, and training goes on', async () => {
  const page = await h.open('#backend=cpu');
  const cdp = await page.context().newCDPSession(page);
  const origin = new URL(h.base).origin;
  // 1 MB beyond what the origin holds (the page's offline copy): the run's record fits, no
  // checkpoint does.
  await cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: 'indexeddb' });
  const { usage } = await cdp.send('Storage.getUsageAndQuota', { origin });
  await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: usage + 2 ** 20 });
  try {
    const run = await train(page, { ...JOB, epochs: 1 });
    console.log(await page.textContent(testid('train-message')));
    assert.equal(run.status, 'done', 'training went on');
    const errors = run.events.filter((e) => e.type === 'storage-error');
    assert.ok(errors.length > 0);
    assert.match(errors[0].message, /browser storage is full: the (checkpoint|best model) \([0-9.]+ MB\) was not saved/);
    assert.match(await page.textContent(testid('train-message')), /Checkpoints are not being saved: browser storage is full/);
    assert.equal(run.events.filter((e) => e.type === 'saved').length, 0, 'nothing claimed as saved');
    assert.deepEqual(page.errors, []);
  } finally {
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    await page.close();
  }
});

test('a lost WebGPU device moves the engine to the CPU with a message, and the page keeps answering', async () => {
  const page = await h.open('#backend=webgpu');
  assert.equal((await page.evaluate(() => window.bertplay.backend())).name, 'webgpu');
  const cpuAnswer = await (async () => {
    const other = await h.open('#backend=cpu');
    const a = await other.evaluate(() => window.bertplay.fillMask('the capital of [MASK] is paris.'));
    await other.close();
    return a;
  })();
  await page.evaluate(() => window.bertplay.loseWebgpuDevice());
  await page.waitForFunction(() => /WebGPU stopped working/.test(document.getElementById('banner').textContent));
  const banner = await page.textContent('#banner');
  assert.match(banner, /the WebGPU device was lost .*: the model was reloaded on the CPU/);
  assert.match(await page.textContent('#backend-badge'), /^CPU:/);
  assert.equal(await page.inputValue('#backend-select'), 'cpu');
  assert.match(page.url(), /backend=cpu/);
  const info = await page.evaluate(() => window.bertplay.backend());
  assert.equal(info.name, 'cpu');
  assert.match(info.webgpu_error, /reload the page to use WebGPU again/);
  const answer = await page.evaluate(() => window.bertplay.fillMask('the capital of [MASK] is paris.'));
  assert.deepEqual(answer.masks, cpuAnswer.masks, 'the CPU answers as a CPU page does');
  // Asking for WebGPU again says why not, instead of failing inside the engine.
  const refused = await page.evaluate(() => window.bertplay.setBackend('webgpu').then(() => 'switched', (e) => e.message));
  assert.match(refused, /WebGPU is not available: the WebGPU device was lost/);
  assert.deepEqual(page.errors.filter((e) => !/WebGPU|GPU device|lost/i.test(e)), []);
  await page.close();
});

/** Resident memory (MB) of the browser's renderer processes (the page and its worker) and of
 * its GPU process, read from /proc. */
async function processMemory(browser) {
  const cdp = await browser.newBrowserCDPSession();
  const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
  await cdp.detach();
  const out = { renderer: 0, gpu: 0 };
  for (const p of processInfo.filter((p) => p.type === 'renderer' || p.type === 'GPU')) {
    const rss = Number(readFileSync(`/proc/${p.id}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]) / 1024;
    out[p.type === 'GPU' ? 'gpu' : 'renderer'] += rss;
  }
  return out;
}

test('memory stays bounded over 500 inspects, 20 model loads and 40 backend switches', async (t) => {
  // Its own browser, with garbage collection on call: memory is compared once the page and the
  // worker have collected their garbage, so what is left is what they hold.
  const browser = await h.launch(['--enable-unsafe-webgpu', '--js-flags=--expose-gc']);
  // A failed check must not leave the browser running (it would keep the test file from ending).
  t.after(() => browser.close());
  const page = await h.open('#backend=cpu', browser);
  const cdp = await page.context().newCDPSession(page);
  const rounds = [];
  const models = ['builtin', '/test-models/tiny-classifier'];
  for (let round = 0; round < 20; round++) {
    await page.evaluate(async ([source, round]) => {
      const b = window.bertplay;
      await b.loadModel(source);
      await b.setBackend('webgpu');
      await b.setBackend('cpu');
      for (let i = 0; i < 25; i++) await b.inspect(`round ${round}, sentence ${i}: the capital of france is paris.`);
    }, [models[round % 2], round]);
    await cdp.send('HeapProfiler.collectGarbage');
    // The service worker, which served every model load from the offline copy, too.
    for (const sw of page.context().serviceWorkers()) await sw.evaluate(() => gc());
    for (const worker of page.workers()) await worker.evaluate(() => gc());
    await new Promise((ok) => setTimeout(ok, 500));
    const { nodes } = await cdp.send('Memory.getDOMCounters');
    const engine = (await page.evaluate(() => window.bertplay.engineMemory())) / 2 ** 20;
    rounds.push({ round, engine, nodes, ...(await processMemory(browser)) });
  }
  const mb = (x) => Math.round(x * 10) / 10;
  console.log(JSON.stringify(rounds.map((r) => [r.round, mb(r.engine), r.nodes, mb(r.renderer), mb(r.gpu)])));
  // High-water marks of the first five rounds (warming up) and of the fifteen after them.
  const high = (from, to, key) => Math.max(...rounds.slice(from, to).map((r) => r[key]));
  // WebAssembly memory never shrinks: its size is the engine's own high-water mark.
  assert.ok(high(5, 20, 'engine') <= high(0, 5, 'engine') + 4, `engine memory grew: ${JSON.stringify(rounds.map((r) => r.engine))}`);
  // A page that kept each inspect's heatmap images grew 1.5 MB a round (22 MB over these
  // fifteen): 12 MB is above this machine's round-to-round noise (about 3 MB) and below that.
  for (const key of ['renderer', 'gpu']) {
    assert.ok(high(5, 20, key) <= high(0, 5, key) + 12, `${key} grew: ${JSON.stringify(rounds.map((r) => mb(r[key])))}`);
  }
  assert.ok(high(5, 20, 'nodes') <= high(0, 5, 'nodes') * 1.02, `DOM nodes grew: ${JSON.stringify(rounds.map((r) => r.nodes))}`);
  assert.deepEqual(page.errors, []);
});
