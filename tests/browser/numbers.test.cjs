// The numbers under a run: the GIL per thread (held, waited, taken) under a
// GIL run, checked against the slices of the downloaded trace, and one
// latency per request in each model's histogram.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { concurServe, browser, open, ready, setUp, run } = require('./support.cjs');

const GIL_LINK = 'lesson=gil&workers=2&tasks=4&n=4000000&runs=1&warmup=0&models=sequential,threads-gil';

test('the GIL in numbers: shares add up to at most the run and match the trace', async (t) => {
  const server = await concurServe();
  const { page, errors, close } = await browser();
  t.after(async () => { try { await close(); } finally { await server.stop(); } });
  await page.goto(`${server.url}/#${GIL_LINK}`);
  await page.reload();
  await page.waitForSelector('#lesson[data-lesson="gil"]');
  await ready(page);
  await run(page);
  const figure = await page.waitForSelector('figure.gil-numbers[data-model="threads-gil"]');
  assert.equal(await page.$('figure.gil-numbers[data-model="sequential"]'), null, 'no GIL numbers without a GIL');
  const rows = await figure.$$eval('tbody tr', (trs) => trs.map((tr) => ({
    name: tr.cells[0].textContent,
    held: Number(tr.querySelector('.held').textContent.replace('%', '')),
    waited: Number(tr.querySelector('.waited').textContent.replace('%', '')),
    takes: Number(tr.cells[3].textContent),
  })));
  assert.equal(rows.length, 2, JSON.stringify(rows));
  // Each share is rounded to a whole percent: two of them may gain 1 together.
  assert.ok(rows.reduce((sum, r) => sum + r.held, 0) <= 101, JSON.stringify(rows));
  for (const row of rows) assert.ok(row.held + row.waited <= 101, JSON.stringify(row));
  const handovers = Number(await figure.getAttribute('data-handovers'));
  assert.ok(handovers >= 1, `hand-overs: ${handovers}`);

  // The same shares from the trace's own slices.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-trace')]);
  const trace = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
  const names = new Map(trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name')
    .map((e) => [`${e.pid}/${e.tid}`, e.args.name]));
  const slices = trace.traceEvents.filter((e) => e.ph === 'X' && e.args.model === 'threads-gil' && e.args.model_order !== undefined);
  const start = Math.min(...slices.map((e) => e.ts));
  const end = Math.max(...slices.map((e) => e.ts + e.dur));
  for (const row of rows) {
    const lane = slices.filter((e) => names.get(`${e.pid}/${e.tid}`) === `threads-gil ${row.name}`);
    assert.ok(lane.length > 0, `no slices of ${row.name}`);
    const share = (kind) => lane.filter((e) => e.name === kind).reduce((sum, e) => sum + e.dur, 0) / (end - start) * 100;
    assert.ok(Math.abs(share('run') - row.held) <= 1.5, `${row.name} held ${row.held}%, the trace says ${share('run').toFixed(1)}%`);
    assert.ok(Math.abs(share('gil-wait') - row.waited) <= 1.5, `${row.name} waited ${row.waited}%, the trace says ${share('gil-wait').toFixed(1)}%`);
  }
  assert.deepEqual(errors, []);
});

test('each model\'s latency histogram counts every request once', async (t) => {
  const server = await concurServe();
  const { page, errors, close } = await browser();
  t.after(async () => { try { await close(); } finally { await server.stop(); } });
  await open(page, server.url);
  await setUp(page, 'quick-io', { workers: 3, tasks: 3, 'delay-ms': 100, runs: 1, warmup: 0 });
  const rows = await run(page);
  const histograms = await page.$$eval('.latencies figure.histogram', (figures) => figures.map((f) => ({
    model: f.dataset.model,
    count: Number(f.dataset.count),
    binned: Number(f.dataset.binned),
    caption: f.querySelector('figcaption').textContent,
  })));
  assert.deepEqual(histograms.map((h) => h.model), rows.map((r) => r.model));
  for (const h of histograms) {
    assert.equal(h.count, 3, JSON.stringify(h));
    assert.equal(h.binned, 3, JSON.stringify(h));
    const [p50, p95, max] = ['p50', 'p95', 'max'].map((p) => Number(h.caption.match(new RegExp(`${p} ([0-9.]+) ms`))[1]));
    // Every request waited for the 100 ms delay, and the percentiles are ordered.
    assert.ok(p50 >= 100 && p50 <= p95 && p95 <= max, h.caption);
  }
  assert.deepEqual(errors, []);
});
