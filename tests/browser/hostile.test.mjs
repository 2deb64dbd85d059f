// Hostile input at the page's edges: a zip bomb dropped as a model is refused before it is
// inflated (and the loaded model keeps working); a model URL announcing more than a tab can
// hold is refused without waiting for it, and a slow one stops at Cancel; the static server serves only files inside its
// folders and only to requests addressed to this machine. See docs/RELIABILITY.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, pickFiles, fixtures, repo } from './harness.mjs';
import { serve } from '../../web/serve.mjs';

const { zipSync } = createRequire(join(repo, 'web/package.json'))('fflate');

let h;
before(async () => (h = await start()));
after(async () => h?.close());

test('a zip bomb dropped as a model is refused before it is inflated, and the loaded model stays', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bertplay-bomb-'));
  const read = (name) => new Uint8Array(readFileSync(join(fixtures, 'tiny-pretraining', name)));
  // 64 MB of zeros deflate to about 64 KB: a thousandfold growth no model file has.
  const bomb = zipSync({
    'bomb/config.json': [read('config.json'), { level: 6 }],
    'bomb/vocab.txt': [read('vocab.txt'), { level: 6 }],
    'bomb/model.safetensors': [new Uint8Array(64 * 2 ** 20), { level: 9 }],
  });
  writeFileSync(join(dir, 'bomb.zip'), bomb);
  const page = await h.open('#backend=cpu');
  const before = await page.evaluate(() => window.bertplay.model().name);
  const message = await pickFiles(page, [join(dir, 'bomb.zip')]);
  assert.match(message, /would grow \d+ times when unpacked/);
  assert.equal(await page.evaluate(() => window.bertplay.model().name), before, 'the loaded model stays');
  const fill = await page.evaluate(() => window.bertplay.fillMask('the capital of [MASK] is paris.'));
  assert.ok(fill.masks[0].candidates.length > 0, 'and still answers');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a model URL announcing a file larger than a tab can hold is refused at once', async () => {
  // Another origin, as a model host is: CORS allows the page to read it.
  const host = createServer((req, res) => {
    res.writeHead(200, { 'access-control-allow-origin': '*', 'content-length': String(3 * 2 ** 30) });
    res.write('{');
    // Never sends the rest: the page must not wait for it.
  });
  await new Promise((ok) => host.listen(0, '127.0.0.1', ok));
  const page = await h.open('#backend=cpu');
  const url = `http://127.0.0.1:${host.address().port}/huge`;
  const message = await page.evaluate((u) => window.bertplay.loadModel(u).then(() => 'loaded', (e) => e.message), url);
  assert.match(message, /is 3\.0 GB; a tab can load model files of at most 2 GB/);
  assert.equal(await page.evaluate(() => window.bertplay.model().name), 'built-in model', 'the loaded model stays');
  assert.deepEqual(page.errors.filter((e) => !/Failed to load resource/.test(e)), []);
  await page.close();
  host.closeAllConnections();
  await new Promise((ok) => host.close(ok));
});

/** GET `path` from a server, with a Host header of choice; resolves to the status. */
function get(port, path, host = `127.0.0.1:${port}`) {
  return new Promise((ok, fail) => {
    request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      res.resume();
      ok(res.statusCode);
    })
      .on('error', fail)
      .end();
  });
}

test('a download in progress shows its progress and stops at Cancel; the loaded model stays', async () => {
  // A slow host: announces 100 MB and sends 64 KB every 50 ms, until the page hangs up.
  let closed;
  const hungUp = new Promise((ok) => (closed = ok));
  const host = createServer((req, res) => {
    res.writeHead(200, { 'access-control-allow-origin': '*', 'content-length': String(100 * 2 ** 20) });
    const drip = setInterval(() => res.write(new Uint8Array(64 * 1024)), 50);
    res.on('close', () => {
      clearInterval(drip);
      closed(req.url);
    });
  });
  await new Promise((ok) => host.listen(0, '127.0.0.1', ok));
  const page = await h.open('#backend=cpu');
  await page.fill('[data-testid=model-url]', `http://127.0.0.1:${host.address().port}/slow`);
  await page.click('[data-testid=load-url]');
  await page.waitForFunction(() => /config\.json [0-9.]+ \/ 100\.0 MB/.test(document.getElementById('model-progress-label').textContent));
  await page.click('[data-testid=model-cancel]');
  assert.equal(await hungUp, '/slow/config.json', 'the transfer is cancelled, not left running');
  await page.waitForFunction(() => /cancelled/.test(document.querySelector('[data-testid=model-message]').textContent));
  assert.equal(await page.locator('[data-testid=model-message]').textContent(), 'The download was cancelled; the model loaded before stays.');
  assert.equal(await page.isHidden('[data-testid=model-cancel]'), true);
  assert.equal(await page.evaluate(() => window.bertplay.model().name), 'built-in model', 'the loaded model stays');
  assert.deepEqual(page.errors.filter((e) => !/Failed to load resource/.test(e)), []);
  await page.close();
  host.closeAllConnections();
  await new Promise((ok) => host.close(ok));
});

test('the static server stays inside its folders and answers only requests addressed to this machine', async () => {
  const root = mkdtempSync(join(tmpdir(), 'bertplay-serve-'));
  writeFileSync(join(root, 'index.html'), '<p>hi</p>');
  writeFileSync(join(root, 'inside.txt'), 'inside');
  const outside = mkdtempSync(join(tmpdir(), 'bertplay-outside-'));
  writeFileSync(join(outside, 'secret.txt'), 'secret');
  symlinkSync(join(outside, 'secret.txt'), join(root, 'link.txt'));
  symlinkSync(outside, join(root, 'linked-dir'));
  const server = await serve({ root, port: 0 });
  const port = server.address().port;
  try {
    assert.equal(await get(port, '/'), 200);
    assert.equal(await get(port, '/inside.txt'), 200);
    assert.equal(await get(port, '/inside.txt', `localhost:${port}`), 200);
    assert.equal(await get(port, '/link.txt'), 403, 'a link out of the folder');
    assert.equal(await get(port, '/linked-dir/secret.txt'), 403, 'a linked folder');
    assert.equal(await get(port, '/..%2f..%2fetc%2fpasswd'), 403, 'a path out of the folder');
    assert.equal(await get(port, '/inside.txt', 'attacker.example'), 403, 'another host name (DNS rebinding)');
    assert.equal(await get(port, '/missing.txt'), 404);
  } finally {
    await new Promise((ok) => server.close(ok));
  }
});
