// The playground served by `concur serve --dir dist` (cross-origin isolated,
// real endpoints): every model of both experiments, answers, lanes, the GIL
// in the downloaded trace, the responsiveness ticker, and report import.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');
const { bin, concurServe, browser, open, ready, setUp, run, shot, medianSeconds } = require('./support.cjs');

const MODELS = ['sequential', 'threads-gil', 'threads-free', 'processes', 'async'];

/** Run events of one model from a Chrome trace, grouped by track. */
function runEvents(trace, model) {
  return trace.traceEvents.filter((e) => e.ph === 'X' && e.name === 'run' && e.args.model === model);
}

function overlapAcrossTracks(events) {
  return events.some((a, i) => events.slice(i + 1).some((b) => a.tid !== b.tid
    && a.ts < b.ts + b.dur - 0.001 && b.ts < a.ts + a.dur - 0.001));
}

test('cpu-sqrt runs under every model in an isolated page', async (t) => {
  const server = await concurServe();
  const { page, errors, close } = await browser();
  t.after(async () => { try { await close(); } finally { await server.stop(); } });
  await open(page, server.url);
  assert.equal(await page.evaluate(() => crossOriginIsolated), true);
  assert.match(await page.textContent('#cores'), /^\d+ logical cores$/);
  await setUp(page, 'cpu-sqrt', { workers: 2, tasks: 4, n: 20000000, runs: 1, warmup: 0 });
  const tickerBefore = await page.textContent('.ticker');
  const rows = await run(page, async () => {
    await page.waitForSelector('.progress progress');
    await shot(page, 'isolated-cpu-sqrt-running');
  });
  const ticks = (text) => Number(text.match(/tick (\d+)/)[1]);
  assert.ok(ticks(await page.textContent('.ticker')) > ticks(tickerBefore), 'the main thread kept ticking');
  assert.deepEqual(rows.map((r) => r.model), MODELS);
  const answers = rows.map((r) => r.answer);
  for (const answer of answers) assert.match(answer, /^ok 4 sums/);
  assert.equal(new Set(answers).size, 1, `every model computed the same answer: ${answers}`);
  const lanes = { sequential: 1, 'threads-gil': 2, 'threads-free': 2, processes: 2, async: 4 };
  for (const [model, count] of Object.entries(lanes)) {
    await page.click(`.tabs .tab[data-model="${model}"]`);
    assert.equal(await page.locator('.timeline .lane').count(), count, `lanes of ${model}`);
  }
  await page.click('.tabs .tab[data-model="threads-gil"]');
  assert.ok(await page.locator('.timeline .gil-lane rect').count() >= 2, 'a lane shows who held the GIL');
  // The holder lane tells workers apart by hues of its own, never an event
  // kind's colour (blue there would read as waiting for I/O), and says so.
  const rgb = (els, prop) => els.map((el) => getComputedStyle(el)[prop]);
  const eventColours = await page.$$eval('.timeline .legend.events i', rgb, 'backgroundColor');
  assert.equal(eventColours.length, 7, 'one swatch per event kind');
  const held = await page.$$eval('.timeline .gil-lane rect', (rects) => rects.map((r) => ({ worker: r.dataset.worker, fill: getComputedStyle(r).fill })));
  for (const { worker, fill } of held) {
    assert.ok(!eventColours.includes(fill), `worker ${worker} holds the GIL in ${fill}, an event colour`);
  }
  assert.deepEqual([...new Set(held.map((h) => h.worker))].sort(), ['1', '2']);
  const keys = await page.$$eval('#gil-holder-legend span[data-worker]', (spans) => spans.map((s) => ({ worker: s.dataset.worker, text: s.textContent, fill: getComputedStyle(s.querySelector('i')).backgroundColor })));
  assert.deepEqual(keys.map((k) => [k.worker, k.text]), [['1', 'worker 1'], ['2', 'worker 2']]);
  for (const { worker, fill } of held) {
    assert.equal(fill, keys.find((k) => k.worker === worker).fill, `worker ${worker} wears its legend hue`);
  }
  assert.match(await page.textContent('#gil-holder-legend'), /^GIL held by/);
  await page.click('.tabs .tab[data-model="threads-free"]');
  assert.equal(await page.locator('.timeline .gil-lane').count(), 0, 'free threads have no GIL lane');
  assert.equal(await page.$('#gil-holder-legend'), null, 'nor its legend entry');
  await page.click('.tabs .tab[data-model="threads-gil"]');
  await shot(page, 'isolated-cpu-sqrt');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-trace')]);
  const trace = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
  const gil = runEvents(trace, 'threads-gil');
  const free = runEvents(trace, 'threads-free');
  assert.ok(new Set(gil.map((e) => e.tid)).size === 2, 'both GIL threads computed');
  assert.equal(overlapAcrossTracks(gil), false, 'with the GIL on, no two threads compute at once');
  assert.equal(overlapAcrossTracks(free), true, 'with the GIL off, threads compute at once');
  assert.deepEqual(errors, []);
});

test('quick-io makes real requests under every model', async (t) => {
  const server = await concurServe();
  const { page, errors, close } = await browser();
  t.after(async () => { try { await close(); } finally { await server.stop(); } });
  await open(page, server.url);
  assert.equal(await page.$('#simulated-io'), null, 'a concur server answers, so nothing is simulated');
  await setUp(page, 'quick-io', { workers: 3, tasks: 3, 'delay-ms': 300, runs: 1, warmup: 0 });
  const rows = await run(page);
  assert.deepEqual(rows.map((r) => r.model), MODELS);
  for (const row of rows) assert.equal(row.answer, 'ok 3 × HTTP 200', row.model);
  const median = (model) => medianSeconds(rows, model);
  // Three 300 ms requests: one after another about 0.9 s, overlapped about 0.3 s.
  for (const model of MODELS.slice(1)) {
    assert.ok(median(model) < 0.67 * median('sequential'), `${model} overlapped its requests: ${median(model)} s vs ${median('sequential')} s`);
  }
  await page.click('.tabs .tab[data-model="async"]');
  assert.ok(await page.locator('.timeline rect.io-wait').count() >= 3, 'io-wait bars are drawn');
  await shot(page, 'isolated-quick-io');
  assert.deepEqual(errors, []);
});

test('knobs are validated as they are typed, and imports are checked', async (t) => {
  const server = await concurServe();
  const { page, close } = await browser();
  t.after(async () => { try { await close(); } finally { await server.stop(); } });
  await open(page, server.url);
  await page.check('#predict input[type=radio] >> nth=0');
  await page.fill('#knob-workers', '0');
  assert.match(await page.textContent('.knob.invalid .field-error'), /from 1 to 8/);
  assert.equal(await page.isDisabled('#run'), true);
  await page.fill('#knob-workers', '2');
  assert.equal(await page.isDisabled('#run'), false);
  // Keep-alive: a checkbox named by its label, toggled from the keyboard,
  // only where the experiment makes HTTP requests.
  await page.selectOption('#experiment', 'convoy');
  const keepAlive = page.getByRole('checkbox', { name: 'keep-alive (one connection reused)' });
  assert.equal(await keepAlive.isChecked(), false);
  await keepAlive.focus();
  await page.keyboard.press('Space');
  assert.equal(await keepAlive.isChecked(), true);
  await page.selectOption('#experiment', 'cpu-sqrt');
  assert.equal(await page.$('#knob-keep-alive'), null, 'cpu-sqrt makes no requests');
  await page.click('#quick');
  assert.equal(await page.inputValue('#knob-n'), '5,000,000');
  assert.equal(await page.inputValue('#knob-runs'), '1');
  assert.equal(await page.inputValue('#knob-warmup'), '0');
  await page.setInputFiles('#import', { name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"nope": 1}') });
  await page.waitForSelector('#import-error');
  assert.match(await page.textContent('#import-error'), /broken\.json is not a concur report/);
  const native = execFileSync(bin, ['run', 'cpu-sqrt', '--n', '100000', '--runs', '1', '--warmup', '0', '--json', '--quiet']);
  await page.setInputFiles('#import', { name: 'native.json', mimeType: 'application/json', buffer: native });
  await page.waitForSelector('#compare-table');
  assert.equal(await page.locator('#compare-table tbody tr').count(), 5);
  await shot(page, 'import');
});

test('every other experiment answers the same under every model', async (t) => {
  const server = await concurServe();
  const { page, errors, close } = await browser();
  t.after(async () => { try { await close(); } finally { await server.stop(); } });
  await open(page, server.url);
  const cases = {
    'data-batches': { workers: 2, tasks: 4, n: 200000, runs: 1, warmup: 0 },
    convoy: { workers: 2, tasks: 10, n: 2000000, 'delay-ms': 0, runs: 1, warmup: 0 },
    'db-inserts': { workers: 3, tasks: 3, n: 5, 'delay-ms': 2, runs: 1, warmup: 0 },
    scraper: { workers: 3, tasks: 3, 'delay-ms': 100, runs: 1, warmup: 0 },
    'async-requests': { workers: 5, tasks: 10, 'delay-ms': 100, runs: 1, warmup: 0 },
    'health-check': { workers: 2, tasks: 10, 'delay-ms': 100, runs: 1, warmup: 0 },
  };
  for (const [experiment, knobs] of Object.entries(cases)) {
    await setUp(page, experiment, knobs);
    const rows = await run(page);
    assert.deepEqual(rows.map((r) => r.model), MODELS, experiment);
    const answers = rows.map((r) => r.answer);
    for (const answer of answers) assert.match(answer, /^ok /, `${experiment}: ${answer}`);
    assert.equal(new Set(answers).size, 1, `${experiment}: ${answers}`);
    if (experiment === 'db-inserts') {
      assert.match(await page.textContent('#browser-note'), /real SQLite/, 'the page says what the database is here');
    }
    if (experiment === 'data-batches') {
      await page.click('.tabs .tab[data-model="processes"]');
      assert.ok(await page.locator('.timeline rect.serialize').count() >= 8, 'shipping batches shows as serialize bars');
      await shot(page, 'isolated-data-batches');
    }
  }
  assert.deepEqual(errors, []);
});

test('the in-page echo server answers every client under every model', async (t) => {
  const server = await concurServe();
  const { page, errors, close } = await browser();
  t.after(async () => { try { await close(); } finally { await server.stop(); } });
  await open(page, server.url);
  // Three clients 20 ms apart, a 200 ms pause in the handler, 3 workers.
  await setUp(page, 'echo-server', { workers: 3, tasks: 3, n: 20, 'delay-ms': 200, runs: 1, warmup: 0 });
  assert.match(await page.textContent('#browser-note'), /in-page equivalent/, 'the page says no TCP runs here');
  const rows = await run(page);
  assert.deepEqual(rows.map((r) => r.model), MODELS);
  const answers = rows.map((r) => r.answer);
  for (const answer of answers) assert.match(answer, /^ok 3 echoes, \d+ bytes$/, answer);
  assert.equal(new Set(answers).size, 1, `every model echoed the same: ${answers}`);
  // One at a time, the last client waits for the two before it; concurrent
  // servers answer each one pause after it arrives. (Processes are left
  // out: starting their Web Workers takes a share of so short a run.)
  const median = (model) => medianSeconds(rows, model);
  for (const model of ['threads-gil', 'threads-free', 'async']) {
    assert.ok(median(model) < 0.75 * median('sequential'), `${model} served the clients at once: ${median(model)} s vs ${median('sequential')} s`);
  }
  // Server lanes plus one lane per client.
  const lanes = { sequential: 1 + 3, 'threads-free': 3 + 3, processes: 3 + 3, async: 3 + 3 };
  for (const [model, count] of Object.entries(lanes)) {
    await page.click(`.tabs .tab[data-model="${model}"]`);
    assert.equal(await page.locator('.timeline .lane').count(), count, `lanes of ${model}`);
  }
  const names = await page.$$eval('.timeline .lane .lane-label', (labels) => labels.map((l) => l.textContent));
  assert.deepEqual(names.filter((n) => n.startsWith('client')), ['client 1', 'client 2', 'client 3']);
  await shot(page, 'isolated-echo-server');
  assert.deepEqual(errors, []);
});

test('a health check gives up on a slow URL after its 5 s timeout', async (t) => {
  const server = await concurServe();
  const { page, errors, close } = await browser();
  t.after(async () => { try { await close(); } finally { await server.stop(); } });
  // Five URLs, the fifth answering after 6.1 s: past the 5 s timeout.
  await page.goto(`${server.url}/#lesson=health-check&workers=5&tasks=5&delay-ms=6100&runs=1&warmup=0&models=threads-free,processes,async`);
  await ready(page);
  const rows = await run(page);
  assert.deepEqual(rows.map((r) => r.model), ['threads-free', 'processes', 'async']);
  // The server would answer at 6.1 s: "timed out" means each model gave up first.
  for (const row of rows) assert.equal(row.answer, 'ok 4 × HTTP 200, 1 timed out', row.model);
  assert.deepEqual(errors, []);
});
