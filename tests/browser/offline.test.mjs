// The classroom with poor connectivity: after the first visit the page opens, loads its models,
// runs the tasks and trains with both servers gone; a model loaded from a URL is kept and loads
// again without a download (the host counts its requests), also from a shared link offline,
// until it is deleted; a new build replaces the cached page cleanly once the page offers it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, fixtures, repo } from './harness.mjs';
import { serve } from '../../web/serve.mjs';

let h;
before(async () => (h = await start()));
after(async () => h?.close());

const testid = (id) => `[data-testid="${id}"]`;
const listen = (server, port = 0) => new Promise((ok) => server.listen(port, '127.0.0.1', () => ok(server.address().port)));
const close = (server) => {
  server.closeAllConnections?.();
  return new Promise((ok) => server.close(ok));
};

/** The built page, copied so a test may change it, on its own server. */
async function site() {
  const root = mkdtempSync(join(tmpdir(), 'bertplay-site-'));
  cpSync(join(repo, 'web/dist'), root, { recursive: true });
  const server = await serve({ root, port: 0 });
  return { root, server, base: `http://127.0.0.1:${server.address().port}/` };
}

/** Another origin serving a test model with CORS, counting requests per path. */
function modelHost() {
  const counts = {};
  const server = createServer((req, res) => {
    counts[req.url] = (counts[req.url] ?? 0) + 1;
    const name = req.url.split('/').pop();
    let bytes;
    try {
      bytes = readFileSync(join(fixtures, 'tiny-classifier', name));
    } catch {
      return void res.writeHead(404, { 'access-control-allow-origin': '*' }).end();
    }
    res.writeHead(200, { 'access-control-allow-origin': '*', 'content-length': bytes.length });
    res.end(bytes);
  });
  return { server, counts };
}

async function openIn(context, url) {
  const page = await context.newPage();
  page.errors = [];
  page.on('console', (m) => m.type() === 'error' && page.errors.push(m.text()));
  page.on('pageerror', (e) => page.errors.push(String(e)));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 300_000 });
  return page;
}

test('offline after the first visit: the page, its models, a kept URL model, the tasks and training', async () => {
  const { root, server, base } = await site();
  const host = modelHost();
  const hostPort = await listen(host.server);
  const modelUrl = `http://127.0.0.1:${hostPort}/models/tiny-classifier`;
  const context = await h.browser.newContext();

  // First visit: the service worker keeps the page; a model from a URL is kept too.
  const first = await openIn(context, `${base}#backend=cpu`);
  await first.evaluate(() => navigator.serviceWorker.ready);
  const name = (await first.evaluate((u) => window.bertplay.loadModel(u), modelUrl)).name;
  assert.equal(host.counts['/models/tiny-classifier/model.safetensors'], 1);
  await first.waitForSelector(`${testid('model-cache')}:not([hidden])`);
  assert.match(await first.textContent(testid('model-cache')), /Models kept in this browser: 1 \([0-9.]+ MB\)/);
  assert.match(await first.textContent(testid('model-cache-list')), new RegExp(`${modelUrl} · [0-9.]+ MB`));
  // A second load of the same URL does not download it again.
  const second = await openIn(context, `${base}#backend=cpu`);
  await second.evaluate((u) => window.bertplay.loadModel(u), modelUrl);
  assert.equal(host.counts['/models/tiny-classifier/model.safetensors'], 1, 'read from the cache');
  const requests = Object.values(host.counts).reduce((a, b) => a + b, 0);
  await first.close();
  await second.close();

  // No network at all: both servers are gone and the browser is offline.
  const port = server.address().port;
  await close(server);
  await close(host.server);
  await context.setOffline(true);
  const offline = await openIn(context, `${base}#backend=cpu`);
  assert.equal(await offline.evaluate(() => window.bertplay.model().name), 'built-in model');
  const fill = await offline.evaluate(() => window.bertplay.fillMask('the capital of [MASK] is paris.'));
  assert.ok(fill.masks[0].candidates.length > 0);
  const nsp = await offline.evaluate(() => window.bertplay.nsp('the cat sat.', 'it was happy.'));
  assert.ok(nsp.is_next >= 0 && nsp.is_next <= 1);
  await offline.evaluate(() => window.bertplay.loadModel('toy'));
  await offline.evaluate(() => window.bertplay.loadModel('builtin'));
  const run = await offline.evaluate(() =>
    window.bertplay.train({ sample: 'samples/topics-en-500.csv', epochs: 1, batchSize: 16, maxLen: 32 }).done,
  );
  assert.equal(run.status, 'done', 'trained offline');
  assert.deepEqual(offline.errors, []);
  await offline.close();
  // A shared link to the kept model opens offline.
  const shared = await openIn(context, `${base}#backend=cpu&model=${encodeURIComponent(modelUrl)}`);
  assert.equal(await shared.evaluate(() => window.bertplay.model().name), name);
  const label = await shared.evaluate(() => window.bertplay.classify('the film was good'));
  assert.ok(label.labels.length > 0);
  assert.deepEqual(shared.errors, []);

  // Back online: deleting the kept model means the next load downloads it again.
  await context.setOffline(false);
  const again = await serve({ root, port });
  await listen(host.server, hostPort);
  await shared.click('#model-cache summary');
  await shared.click(testid('model-cache-delete'));
  await shared.waitForSelector(`${testid('model-cache')}[hidden]`, { state: 'attached' });
  await shared.evaluate((u) => window.bertplay.loadModel(u), modelUrl);
  assert.equal(host.counts['/models/tiny-classifier/model.safetensors'], 2, 'downloaded again after the delete');
  assert.ok(Object.values(host.counts).reduce((a, b) => a + b, 0) > requests);
  await context.close();
  await close(host.server);
  await close(again);
});

test('a new build replaces the cached page once the page offers it', async () => {
  const { root, server, base } = await site();
  const context = await h.browser.newContext();
  const page = await openIn(context, `${base}#backend=cpu`);
  await page.evaluate(() => navigator.serviceWorker.ready);
  const keys = () => page.evaluate(() => caches.keys().then((k) => k.filter((n) => n.startsWith('bertplay-page-')).sort()));
  const [old] = await keys();
  // Another build: its service worker names another version.
  const sw = join(root, 'sw.js');
  writeFileSync(sw, readFileSync(sw, 'utf8').replace(/(\\"version\\":\\")[0-9a-f]+/, '$1feedfacefeedface'));
  await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r.update()));
  await page.waitForSelector(`${testid('update')}:not([hidden])`, { timeout: 120_000 });
  assert.match(await page.textContent(testid('update')), /A new version of the playground is ready/);
  await Promise.all([page.waitForEvent('load'), page.click(testid('update-reload'))]);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 300_000 });
  assert.deepEqual(await keys(), ['bertplay-page-feedfacefeedface'], `the old cache ${old} is gone`);
  assert.deepEqual(page.errors, []);
  await context.close();
  await close(server);
});
