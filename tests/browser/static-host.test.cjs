// The built page on a plain static host: no isolation headers and no
// endpoints. Threads must be shown as unavailable with the reason, waits
// simulated with a notice, and the other models must still run.
const test = require('node:test');
const assert = require('node:assert/strict');
const { staticServe, browser, open, setUp, run, shot, medianSeconds } = require('./support.cjs');

test('a static host degrades clearly and the other models still run', async (t) => {
  const server = await staticServe();
  const { page, errors, close } = await browser();
  t.after(async () => { try { await close(); } finally { await server.stop(); } });
  await open(page, server.url);
  assert.equal(await page.evaluate(() => crossOriginIsolated), false);
  await page.waitForSelector('#simulated-io');
  assert.match(await page.textContent('#threads-unavailable'), /not cross-origin isolated/);
  assert.match(await page.textContent('#threads-unavailable'), /concur serve/);
  assert.equal(await page.isDisabled('#model-threads-gil'), true);
  assert.equal(await page.isDisabled('#model-threads-free'), true);
  await setUp(page, 'quick-io', { workers: 3, tasks: 3, 'delay-ms': 200, runs: 1, warmup: 0 });
  const rows = await run(page);
  assert.deepEqual(rows.map((r) => r.model), ['sequential', 'processes', 'async']);
  for (const row of rows) assert.equal(row.cells[6], 'ok 3 × HTTP 200', row.model);
  for (const model of ['processes', 'async']) {
    assert.ok(medianSeconds(rows, model) < 0.67 * medianSeconds(rows, 'sequential'), `${model} overlapped the simulated waits`);
  }
  await shot(page, 'static-host');
  assert.deepEqual(errors, []);
});
