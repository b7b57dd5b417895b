// The decision-flow advisor on the page: every branch of the tutorial's
// flow, and its button setting up the experiment that shows the advice.
const test = require('node:test');
const assert = require('node:assert/strict');
const { concurServe, browser, open, shot } = require('./support.cjs');

test('the advisor follows the decision flow', async (t) => {
  const server = await concurServe();
  const { page, errors, close } = await browser();
  t.after(async () => { try { await close(); } finally { await server.stop(); } });
  await open(page, server.url);
  await page.click('.stepper .step[data-lesson="decision-flow"]');
  const advice = () => page.textContent('#advice strong');
  assert.equal(await advice(), 'Use threads (threading).');
  await page.check('#advise-cpu');
  assert.equal(await advice(), 'Use processes (multiprocessing).');
  await page.click('#advise-show');
  assert.equal(await page.inputValue('#experiment'), 'cpu-sqrt');
  await page.uncheck('#advise-cpu');
  await page.fill('#advise-concurrent', '500');
  assert.equal(await advice(), 'Use async (asyncio).');
  await page.click('#advise-show');
  assert.equal(await page.inputValue('#experiment'), 'async-requests');
  await page.uncheck('#advise-async');
  assert.equal(await advice(), 'Use threads (threading).');
  assert.match(await page.textContent('#advice'), /stay with threads/);
  await page.fill('#advise-concurrent', 'lots');
  assert.match(await page.textContent('.advisor .field-error'), /whole number/);
  await shot(page, 'advisor');
  assert.deepEqual(errors, []);
});
