// Accessibility in Chromium. axe-core (the npm package, injected into the page) finds no serious
// or critical violation in the page's main states: after load, each attention view, after the
// tasks, with a training run's charts, in the learn mode, and all of it in Bahasa Indonesia. A
// keyboard alone (Tab, arrow keys, Enter, Space; no mouse) switches the attention views, changes
// layer and head, picks a token, follows a token in the head view and starts, pauses and stops
// training, and every control it lands on shows a focus ring. On the CPU backend: training
// steps there take a fraction of SwiftShader's time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, repo } from './harness.mjs';

let h;
before(async () => (h = await start()));
after(async () => h?.close());

const testid = (id) => `[data-testid="${id}"]`;
const axeSource = readFileSync(join(repo, 'web/node_modules/axe-core/axe.min.js'), 'utf8');

/** Runs axe on the whole page; fails listing every serious or critical violation, where it is
 * and what to fix. */
async function assertAccessible(page, state) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  const { violations } = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = bad.map((v) =>
    [`${v.impact} ${v.id}: ${v.help} (${v.helpUrl})`, ...v.nodes.map((n) => `  ${n.target.join(' ')}\n    ${n.failureSummary.replace(/\n/g, '\n    ')}`)].join('\n'),
  );
  assert.equal(bad.length, 0, `axe, ${state}:\n${report.join('\n')}`);
}

/** Starts training the built-in model on a sample from the panel and waits for its first steps. */
async function startTraining(page) {
  await page.selectOption(testid('train-sample'), 'samples/sentiment-en.csv');
  await page.click(testid('train-start'));
  await page.waitForFunction(() => /\d+ \/ \d+/.test(document.querySelector('[data-testid="train-status"]').textContent), null, { timeout: 180_000 });
}

test('axe finds no serious or critical violations in the page’s main states, in English and Bahasa Indonesia', async () => {
  const page = await h.open('#backend=cpu');
  try {
    await assertAccessible(page, 'after load');
    for (const view of ['model', 'matrix', 'head']) {
      await page.click(testid(`tab-${view}`));
      await page.waitForSelector(`svg.view-svg[data-view="${view}"]`);
      await assertAccessible(page, `${view} view`);
    }

    for (const task of ['fill-mask', 'nsp', 'qa', 'classify']) {
      await page.click(`${testid(`${task}-form`)} button`);
      await page.waitForFunction((id) => document.querySelector(`[data-testid="${id}-result"]`).textContent !== '', task);
    }
    await assertAccessible(page, 'after the tasks');

    await startTraining(page);
    await page.click(testid('train-pause'));
    await page.waitForFunction(() => document.querySelector('[data-testid="train-status"]').textContent.startsWith('paused'), null, { timeout: 120_000 });
    await page.waitForSelector(`${testid('train-loss-chart')} svg[role="img"]`);
    await assertAccessible(page, 'the training panel with a paused run');
    await page.click(testid('train-stop'));
    await page.waitForFunction(() => !document.querySelector('[data-testid="train-start"]').disabled, null, { timeout: 120_000 });

    await page.click(testid('learn-open'));
    await page.waitForSelector('#learn-section[data-step="tokens"]');
    await assertAccessible(page, 'the learn mode');

    await page.selectOption(testid('lang-select'), 'id');
    await page.waitForFunction(() => document.documentElement.lang === 'id');
    await assertAccessible(page, 'in Bahasa Indonesia');
    // The text alternatives follow the language too.
    const label = await page.getAttribute('svg.view-svg[data-view="head"]', 'aria-label');
    assert.match(label, /^Tampilan kepala lapisan/);
    assert.equal(await page.getAttribute(testid('export-png'), 'aria-label'), 'Unduh tampilan ini sebagai gambar PNG');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

/** Whether the focused element shows a focus ring (an outline or a box shadow). */
const focusRing = (page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    const s = getComputedStyle(el);
    const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
    return { what: el.outerHTML.slice(0, 80), visible: el.matches(':focus-visible') && (outline || s.boxShadow !== 'none') };
  });

/** Presses Tab (or Shift+Tab) until the focus is on `selector`; every stop shows its focus. */
async function tabTo(page, selector, back = false) {
  for (let i = 0; i < 600; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const ring = await focusRing(page);
    if (ring.what.startsWith('<body')) continue;
    assert.ok(ring.visible, `no visible focus on ${ring.what}`);
    if (await page.evaluate((s) => document.activeElement.matches(s), selector)) return;
  }
  assert.fail(`the keyboard never reached ${selector}`);
}

const press = async (page, ...keys) => {
  for (const key of keys) await page.keyboard.press(key);
};
const focused = (page, selector) => page.evaluate((s) => document.activeElement.matches(s), selector);

test('the keyboard alone switches views, layer and head, picks tokens and runs training, with the focus visible', async () => {
  const page = await h.open('#backend=cpu');
  try {
    // The attention views are a tablist: Tab lands on the shown tab, arrows move, Enter/Space show.
    await tabTo(page, '[role="tab"][aria-selected="true"]');
    assert.equal(await page.getAttribute('[role="tab"][aria-selected="true"]', 'data-view'), 'head');
    await press(page, 'ArrowRight', 'Enter');
    await page.waitForSelector('svg.view-svg[data-view="model"]');
    await press(page, 'ArrowRight', ' ');
    await page.waitForSelector('svg.view-svg[data-view="matrix"]');
    assert.equal(await page.getAttribute(testid('tab-matrix'), 'aria-selected'), 'true');
    assert.ok(await focused(page, testid('tab-matrix')));

    // Layer and head: the selects answer the arrow keys.
    await tabTo(page, testid('layer-select'));
    await press(page, 'ArrowDown');
    await press(page, 'Tab');
    assert.ok(await focused(page, testid('head-select')));
    await press(page, 'ArrowDown');
    assert.equal(await page.inputValue(testid('layer-select')), '1');
    assert.equal(await page.inputValue(testid('head-select')), '1');
    assert.match(await page.getAttribute('svg.view-svg[data-view="matrix"]', 'aria-label'), /^Attention of layer 1, head 1 /);

    // A token: arrows move along the pieces, Enter picks one (its embedding sum shows).
    await tabTo(page, `${testid('tokens')} td[tabindex="0"]`, true);
    await press(page, 'ArrowRight', 'ArrowRight', 'Enter');
    await page.waitForFunction(() => document.querySelector('svg[data-view="embedding-sum"]').getAttribute('aria-label').includes('position 3'));
    assert.ok(await focused(page, `${testid('tokens')} td[data-token="3"][aria-current="true"]`), 'the focus stays on the picked token');

    // The head view: focusing a token shows only its lines, as hovering does; Up/Down move.
    await tabTo(page, '[role="tab"][aria-selected="true"]');
    await press(page, 'Home', 'Enter');
    await page.waitForSelector('svg.view-svg[data-view="head"]');
    await tabTo(page, 'svg[data-view="head"] .token-column.left .token-row');
    await press(page, 'ArrowDown');
    assert.ok(await focused(page, '.token-column.left .token-row[aria-selected="true"]'));
    assert.equal(await page.locator('svg[data-view="head"].focused').count(), 1);
    assert.ok((await page.locator('.token-column.right .token-weight').first().textContent()) !== '', 'the weights show');
    assert.equal(await page.locator('.token-column.left .token-row').nth(1).getAttribute('aria-selected'), 'true');

    // Training: a sample, then start, pause, resume and stop, each from the keyboard.
    await tabTo(page, testid('train-sample'));
    await press(page, 'ArrowDown');
    assert.notEqual(await page.inputValue(testid('train-sample')), '');
    await page.waitForFunction(() => document.querySelector('[data-testid="train-data-name"]').textContent !== '');
    await tabTo(page, testid('train-start'));
    await press(page, 'Enter');
    await page.waitForFunction(() => /\d+ \/ \d+/.test(document.querySelector('[data-testid="train-status"]').textContent), null, { timeout: 180_000 });
    assert.ok(await focused(page, testid('train-pause')), 'the focus moves on to Pause when Start disables itself');
    await press(page, ' ');
    await page.waitForFunction(() => document.querySelector('[data-testid="train-pause"]').textContent === 'Resume');
    await page.waitForFunction(() => document.querySelector('[data-testid="train-status"]').textContent.startsWith('paused'), null, { timeout: 120_000 });
    assert.ok((await focusRing(page)).visible);
    await press(page, 'Tab');
    assert.ok(await focused(page, testid('train-stop')));
    await press(page, 'Enter');
    await page.waitForFunction(() => !document.querySelector('[data-testid="train-start"]').disabled, null, { timeout: 120_000 });
    assert.match(await page.textContent(testid('train-status')), /^stopped at step/);
    assert.ok(await focused(page, testid('train-start')), 'the focus goes back to Start');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});
