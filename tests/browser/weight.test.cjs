// What a visit downloads: at most 400 KB before the first lesson can be
// read and 700 KB before the first Run, and SQLite only when a learner
// runs db-inserts. The page and the everyday runner come first (compressed
// by `concur serve`); the database runner, the same runner built with
// SQLite, is fetched for the first db-inserts run, and its process workers
// are instances of it.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { dist, concurServe, browser, open, setUp, run, recordTransfers, bytesBefore } = require('./support.cjs');

const MODELS = ['sequential', 'threads-gil', 'threads-free', 'processes', 'async'];
const KB = 1024;

/** The size of the one file in dist/ whose name matches `pattern`. */
function distSize(pattern) {
  const found = fs.readdirSync(dist).filter((f) => pattern.test(f));
  assert.equal(found.length, 1, `${pattern} matches ${found}`);
  return fs.statSync(path.join(dist, found[0])).size;
}

test('SQLite is downloaded only for db-inserts, whose every model runs it', async (t) => {
  const server = await concurServe();
  const { page, errors, close } = await browser();
  t.after(async () => { try { await close(); } finally { await server.stop(); } });
  const fetched = [];
  page.on('response', async (response) => {
    fetched.push({ path: new URL(response.url()).pathname, encoding: await response.headerValue('content-encoding') });
  });
  await open(page, server.url);
  await setUp(page, 'cpu-sqrt', { workers: 2, tasks: 2, n: 1000000, runs: 1, warmup: 0 });
  for (const row of await run(page)) assert.match(row.answer, /^ok /, row.model);
  const everyday = fetched.find((f) => /^\/runner-[0-9a-f]+_bg\.wasm$/.test(f.path));
  assert.ok(everyday, `the everyday runner was fetched: ${fetched.map((f) => f.path)}`);
  assert.equal(everyday.encoding, 'br', 'the runner crossed the network compressed');
  assert.deepEqual(fetched.filter((f) => f.path.includes('runner_db')), [], 'no database runner before db-inserts');
  assert.ok(distSize(/^runner-[0-9a-f]+_bg\.wasm$/) * 2 < distSize(/^runner_db-[0-9a-f]+_bg\.wasm$/),
    'the everyday runner carries no SQLite');

  await setUp(page, 'db-inserts', { workers: 2, tasks: 3, n: 4, 'delay-ms': 1, runs: 1, warmup: 0 });
  // The first database run says what it waits for while SQLite's runner
  // loads: every status line shown during the run is recorded.
  await page.evaluate(() => {
    window.statusLines = [];
    new MutationObserver(() => {
      for (const line of document.querySelectorAll('.progress')) window.statusLines.push(line.textContent);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  const rows = await run(page);
  const statusLines = await page.evaluate(() => window.statusLines);
  assert.ok(statusLines.some((line) => line.includes('downloading and starting the database runner')),
    `the wait for SQLite's runner was shown: ${[...new Set(statusLines)].join(' | ')}`);
  assert.deepEqual(rows.map((r) => r.model), MODELS);
  for (const row of rows) assert.equal(row.answer, 'ok 12 rows committed', row.model);
  const dbWasm = fetched.filter((f) => /^\/runner_db-[0-9a-f]+_bg\.wasm$/.test(f.path));
  // The database runner, then its two process workers, each load it.
  assert.ok(dbWasm.length >= 3, `the database runner and its process workers: ${dbWasm.length} fetches`);
  // Back to another experiment: the everyday runner still answers.
  await setUp(page, 'cpu-sqrt', { workers: 2, tasks: 2, n: 1000000, runs: 1, warmup: 0 });
  for (const row of await run(page)) assert.match(row.answer, /^ok /, row.model);
  assert.deepEqual(errors, []);
});

// The weight targets as a regression test: bytes, unlike times, do
// not depend on how busy the machine is. `cargo xtask bench-web` prints the
// same figures beside the others.
test('a first visit transfers at most 400 KB before the first lesson is usable and 700 KB before the first Run', async (t) => {
  const server = await concurServe();
  const { page, errors, close } = await browser();
  t.after(async () => { try { await close(); } finally { await server.stop(); } });
  const transfers = recordTransfers(page);
  await open(page, server.url);
  const readyAt = Date.now();
  const usableAt = await page.evaluate(() =>
    performance.timeOrigin + performance.getEntriesByName('concur-first-render')[0].startTime);
  const usable = await bytesBefore(transfers, usableAt);
  const firstRun = await bytesBefore(transfers, readyAt);
  const list = (part) => transfers.filter((x) => x.started <= part).map((x) => `${new URL(x.url).pathname} ${x.bytes}`).join(', ');
  assert.ok(usable.count >= 3, `the page, its glue and its wasm were counted: ${list(usableAt)}`);
  assert.ok(usable.bytes <= 400 * KB, `${(usable.bytes / KB).toFixed(0)} KB before the first lesson: ${list(usableAt)}`);
  assert.ok(firstRun.bytes <= 700 * KB, `${(firstRun.bytes / KB).toFixed(0)} KB before the first Run: ${list(readyAt)}`);
  assert.deepEqual(errors, []);
});
