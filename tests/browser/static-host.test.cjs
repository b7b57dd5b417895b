// The built page on a plain static host (no isolation headers, no
// endpoints) in a browser that blocks service workers, as some private
// windows do: the page's own service worker cannot help, so the page must
// degrade exactly as it always did. Threads are shown as unavailable with
// the reason, waits are simulated with a notice that says why, the page
// does not reload in a loop, and the other models still run.
const test = require('node:test');
const assert = require('node:assert/strict');
const { staticServe, browser, open, setUp, run, shot, medianSeconds } = require('./support.cjs');

test('with service workers blocked, a static host degrades clearly and the other models still run', async (t) => {
  const server = await staticServe({ subPath: 'concur' });
  const { page, errors, close } = await browser({ serviceWorkers: 'block' });
  t.after(async () => { try { await close(); } finally { await server.stop(); } });
  let loads = 0;
  page.on('load', () => { loads += 1; });
  await open(page, server.url);
  assert.equal(await page.evaluate(() => crossOriginIsolated), false);
  assert.equal(await page.evaluate(() => navigator.serviceWorker?.controller ?? null), null);
  await page.waitForSelector('#simulated-io');
  assert.match(await page.textContent('#simulated-io'), /No service worker controls this page/);
  assert.equal(await page.$('#endpoints'), null, 'nobody serves the endpoints');
  assert.match(await page.textContent('#threads-unavailable'), /not cross-origin isolated/);
  assert.match(await page.textContent('#threads-unavailable'), /concur serve/);
  assert.equal(await page.isDisabled('#model-threads-gil'), true);
  assert.equal(await page.isDisabled('#model-threads-free'), true);
  await setUp(page, 'quick-io', { workers: 3, tasks: 3, 'delay-ms': 200, runs: 1, warmup: 0 });
  const rows = await run(page);
  assert.deepEqual(rows.map((r) => r.model), ['sequential', 'processes', 'async']);
  for (const row of rows) assert.equal(row.answer, 'ok 3 × HTTP 200', row.model);
  for (const model of ['processes', 'async']) {
    assert.ok(medianSeconds(rows, model) < 0.67 * medianSeconds(rows, 'sequential'), `${model} overlapped the simulated waits`);
  }
  assert.equal(loads, 1, 'the page loaded once: no reload when isolation cannot work');
  await shot(page, 'static-host');
  assert.deepEqual(errors, []);
});
