// The built page on a plain static host (python3's http.server: no
// isolation headers, no endpoints) under a sub-path, as on a GitHub Pages
// project site. The page's own service worker (web/sw.js) must make it
// cross-origin isolated after the first visit, answer the endpoints with
// real waits, keep it working offline, and switch to a new deploy whole.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {
  dist, concurServe, staticServe, browser, open, openHosted, settle, waitFor, ready, setUp, run, shot, medianSeconds,
} = require('./support.cjs');

const MODELS = ['sequential', 'threads-gil', 'threads-free', 'processes', 'async'];

/** Small knobs for every experiment (the --quick scale or smaller). */
const CASES = {
  'cpu-sqrt': { workers: 2, tasks: 4, n: 2000000, runs: 1, warmup: 0 },
  'quick-io': { workers: 5, tasks: 5, 'delay-ms': 300, runs: 1, warmup: 0 },
  convoy: { workers: 2, tasks: 5, n: 1000000, 'delay-ms': 0, runs: 1, warmup: 0 },
  scraper: { workers: 3, tasks: 3, 'delay-ms': 100, runs: 1, warmup: 0 },
  'db-inserts': { workers: 2, tasks: 2, n: 3, 'delay-ms': 2, runs: 1, warmup: 0 },
  'data-batches': { workers: 2, tasks: 2, n: 100000, runs: 1, warmup: 0 },
  'async-requests': { workers: 5, tasks: 10, 'delay-ms': 100, runs: 1, warmup: 0 },
  'echo-server': { workers: 3, tasks: 3, n: 20, 'delay-ms': 100, runs: 1, warmup: 0 },
  'health-check': { workers: 2, tasks: 10, 'delay-ms': 100, runs: 1, warmup: 0 },
};

/** Runs `experiment` and returns the one answer every model agreed on. */
async function agreedAnswer(page, experiment, models) {
  await setUp(page, experiment, CASES[experiment]);
  const rows = await run(page);
  assert.deepEqual(rows.map((r) => r.model), models, experiment);
  const answers = rows.map((r) => r.cells[6]);
  for (const answer of answers) assert.match(answer, /^ok /, `${experiment}: ${answer}`);
  assert.equal(new Set(answers).size, 1, `${experiment}: every model answers alike: ${answers}`);
  return { answer: answers[0], rows };
}

/** The files in the page's build caches (names below the scope). */
function cachedFiles(page) {
  return page.evaluate(async () => {
    const files = [];
    for (const name of await caches.keys()) {
      if (!name.startsWith('concur-')) continue;
      for (const request of await (await caches.open(name)).keys()) files.push(new URL(request.url).pathname.split('/').pop());
    }
    return files;
  });
}

/** What fetch from the page gets for `path` (relative to the page). */
function fetchFromPage(page, path, init) {
  return page.evaluate(async ([p, i]) => {
    const response = await fetch(p, i);
    return { status: response.status, servedBy: response.headers.get('x-concur-served-by'), body: await response.text() };
  }, [path, init]);
}

test('a static host under a sub-path: isolated after one visit, endpoints served by the browser, every experiment under every model', async (t) => {
  const host = await staticServe({ subPath: 'concur' });
  const { page, errors, close } = await browser();
  let native = null;
  t.after(async () => {
    try { await close(); } finally { await host.stop(); if (native) await native.stop(); }
  });
  let loads = 0;
  page.on('load', () => { loads += 1; });
  await openHosted(page, host.url);
  assert.equal(await page.$('#simulated-io'), null, 'nothing is simulated');
  assert.equal(await page.$('#threads-unavailable'), null, 'threads are available');
  assert.equal(await page.getAttribute('#endpoints', 'data-served-by'), 'browser');
  assert.match(await page.textContent('#endpoints'), /served by your browser/);
  assert.match(await page.textContent('#endpoints'), new RegExp(`at ${host.url}:`), 'the endpoints live below the page');
  // The endpoints, as concur serve answers them, below the sub-path.
  const unavailable = await fetchFromPage(page, './status/503');
  assert.deepEqual(unavailable, { status: 503, servedBy: 'browser', body: '{"status":503}' });
  assert.equal((await fetchFromPage(page, './status/42')).status, 400);
  const tooLong = await fetchFromPage(page, './delay/99999');
  assert.equal(tooLong.status, 400);
  assert.match(tooLong.body, /60,000/);
  assert.equal((await fetchFromPage(page, './delay/1,000x')).status, 400);
  assert.match((await fetchFromPage(page, './get?x=1')).body, /"query":"x=1"/);
  assert.equal((await fetchFromPage(page, './delay/5', { method: 'POST' })).status, 405);
  const echoed = await fetchFromPage(page, './echo', { method: 'POST', body: 'hello', headers: { 'content-type': 'text/plain' } });
  assert.equal(echoed.body, 'hello');
  await shot(page, 'hosted-endpoints');
  const installed = await cachedFiles(page);
  assert.ok(installed.some((f) => /^runner-[0-9a-f]+_bg\.wasm$/.test(f)), `the runner is cached on install: ${installed}`);
  assert.ok(!installed.some((f) => f.startsWith('runner_db')), `SQLite's runner waits for db-inserts: ${installed}`);

  // Real waits through the service worker: five 300 ms requests take about
  // one delay, not five, under threads, processes and async.
  const answers = {};
  for (const experiment of Object.keys(CASES)) {
    const { answer, rows } = await agreedAnswer(page, experiment, MODELS);
    answers[experiment] = answer;
    if (experiment === 'db-inserts') {
      const cached = await cachedFiles(page);
      assert.ok(cached.some((f) => /^runner_db-[0-9a-f]+_bg\.wasm$/.test(f)), `db-inserts cached SQLite's runner for offline use: ${cached}`);
    }
    if (experiment === 'quick-io') {
      assert.equal(answer, 'ok 5 × HTTP 200');
      const sequential = medianSeconds(rows, 'sequential');
      t.diagnostic(`quick-io, 5 x 300 ms through the service worker: ${MODELS.map((m) => `${m} ${medianSeconds(rows, m).toFixed(2)} s`).join(', ')}`);
      assert.ok(sequential >= 1.2, `sequential waited for five delays one after another: ${sequential} s`);
      for (const model of MODELS.slice(1)) {
        const median = medianSeconds(rows, model);
        assert.ok(median < 0.5 * sequential, `${model} waited about one delay: ${median} s against ${sequential} s sequential`);
      }
    }
  }
  assert.equal(loads, 2, 'the first visit reloaded once, and only once');
  assert.deepEqual(errors, []);

  // The GIL lesson, run on the static host as a learner would.
  // (A query makes it a new load, as opening a shared link is.)
  await page.goto(`${host.url}/?lesson#lesson=gil&workers=2&tasks=4&n=4000000&runs=1&warmup=0&models=sequential,threads-gil,threads-free`);
  await page.waitForSelector('#lesson[data-lesson="gil"]');
  const gil = await run(page);
  assert.deepEqual(gil.map((r) => r.model), ['sequential', 'threads-gil', 'threads-free']);
  for (const row of gil) assert.match(row.cells[6], /^ok /, row.model);
  t.diagnostic(`GIL lesson on the static host: threads-gil ${(medianSeconds(gil, 'sequential') / medianSeconds(gil, 'threads-gil')).toFixed(2)}x, threads-free ${(medianSeconds(gil, 'sequential') / medianSeconds(gil, 'threads-free')).toFixed(2)}x over sequential`);
  await shot(page, 'hosted-gil-lesson');

  // The same answers as under concur serve (its sequential run is the reference).
  native = await concurServe();
  await open(page, native.url);
  assert.equal(await page.getAttribute('#endpoints', 'data-served-by'), 'concur-serve');
  assert.match(await page.textContent('#endpoints'), /served by concur serve/);
  assert.equal(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration()) ?? null), null,
    'where the server isolates the page, no service worker is registered');
  for (const model of MODELS.slice(1)) await page.uncheck(`#model-${model}`);
  for (const experiment of Object.keys(CASES)) {
    const { answer } = await agreedAnswer(page, experiment, ['sequential']);
    assert.equal(answer, answers[experiment], `${experiment} answers as under concur serve`);
  }
});

test('offline after one visit: the page reloads from its cache and still runs', async (t) => {
  const host = await staticServe({ subPath: 'concur' });
  const { page, context, errors, close } = await browser();
  t.after(async () => { try { await close(); } finally { await host.stop(); } });
  await openHosted(page, host.url);
  await host.stop();
  await context.setOffline(true);
  await page.reload();
  await settle(page);
  assert.equal(await page.getAttribute('#endpoints', 'data-served-by'), 'browser');
  await agreedAnswer(page, 'cpu-sqrt', MODELS);
  const { answer } = await agreedAnswer(page, 'quick-io', MODELS);
  assert.equal(answer, 'ok 5 × HTTP 200');
  await shot(page, 'hosted-offline');
  assert.deepEqual(errors, []);
});

/**
 * A second deploy, simulated from the first (a real build takes minutes):
 * a copy of dist/ whose runner wasm gains a custom section, so the runner
 * files get new names, whose title says "build B", and whose service worker
 * carries a new build hash and file list.
 */
function secondBuild(from, to) {
  fs.cpSync(from, to, { recursive: true, dereference: true });
  const read = (file) => fs.readFileSync(path.join(to, file), 'utf8');
  // A later modification time, as a real deploy has: python's server
  // answers If-Modified-Since by the second, and both builds are made
  // within one.
  const later = new Date(Date.now() + 60000);
  const write = (file, text) => {
    fs.writeFileSync(path.join(to, file), text);
    fs.utimesSync(path.join(to, file), later, later);
  };
  // The page finds its runner's (hashed) loader through a meta line.
  const loader = read('index.html').match(/data-loader="runner_loader\.js" content="\.\/(runner_loader-[0-9a-f]+\.js)"/)[1];
  const newLoader = 'runner_loader-b0000000000000b2.js';
  const glue = read(loader).match(/'\.\/(runner-[0-9a-f]+\.js)'/)[1];
  const wasm = read(glue).match(/'(runner-[0-9a-f]+_bg\.wasm)'/)[1];
  const [newGlue, newWasm] = ['runner-b0000000000000b2.js', 'runner-b0000000000000b2_bg.wasm'];
  const section = Buffer.concat([Buffer.from([0, 7, 6]), Buffer.from('deploy')]);
  fs.writeFileSync(path.join(to, newWasm), Buffer.concat([fs.readFileSync(path.join(to, wasm)), section]));
  write(newGlue, read(glue).replace(`'${wasm}'`, `'${newWasm}'`));
  fs.rmSync(path.join(to, wasm));
  fs.rmSync(path.join(to, glue));
  write(newLoader, read(loader).replace(glue, newGlue));
  fs.rmSync(path.join(to, loader));
  write('index.html', read('index.html').replace('</title>', ' (build B)</title>').replace(`./${loader}`, `./${newLoader}`));
  const sw = read('sw.js');
  const hash = sw.match(/hash: "([0-9a-f]+)"/)[1];
  write('sw.js', sw.replace(`hash: "${hash}"`, 'hash: "b0000000000000b2"').replace(`"${wasm}"`, `"${newWasm}"`).replace(`"${glue}"`, `"${newGlue}"`).replace(`"${loader}"`, `"${newLoader}"`));
  return { oldWasm: wasm, newWasm };
}

/** The runner wasm each live runner worker of the page loaded (the
 * pool's helper workers, started from blob: URLs, block and are skipped). */
async function runnerFiles(page) {
  const seen = [];
  for (const worker of page.workers().filter((w) => /\/runner_loader-[0-9a-f]+\.js$/.test(w.url()))) {
    try {
      const names = await worker.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname.split('/').pop()));
      seen.push(names.filter((name) => name.startsWith('runner-') && name.endsWith('_bg.wasm')));
    } catch (_) { /* a worker of the page before the reload, gone */ }
  }
  return seen;
}

test('a new deploy replaces the old build whole: page and runner come from one build', async (t) => {
  const builds = fs.mkdtempSync(path.join(os.tmpdir(), 'concur-deploys-'));
  const [first, second] = [path.join(builds, 'a'), path.join(builds, 'b')];
  fs.cpSync(dist, first, { recursive: true });
  const { oldWasm, newWasm } = secondBuild(dist, second);
  const host = await staticServe({ dir: first, subPath: 'concur' });
  const { page, errors, close } = await browser();
  t.after(async () => {
    try { await close(); } finally { await host.stop(); fs.rmSync(builds, { recursive: true, force: true }); }
  });
  await openHosted(page, host.url);
  assert.doesNotMatch(await page.title(), /build B/);
  let runners = await runnerFiles(page);
  assert.ok(runners.length >= 1, 'the runner worker is seen');
  for (const files of runners) assert.deepEqual(files, [oldWasm]);
  const cachesBefore = await page.evaluate(() => caches.keys());
  assert.equal(cachesBefore.length, 1, `one build cached: ${cachesBefore}`);

  // Deploy the second build in place of the first, and come back.
  const served = path.join(host.root, 'concur');
  fs.unlinkSync(served);
  fs.symlinkSync(second, served, 'dir');
  await page.reload();
  await waitFor(page, () => document.title.includes('build B'), 'the page switched to the new build');
  await settle(page);
  runners = await runnerFiles(page);
  assert.ok(runners.length >= 1, 'the new runner worker is seen');
  for (const files of runners) assert.deepEqual(files, [newWasm], 'the runner comes from the new build');
  assert.deepEqual(await page.evaluate(() => caches.keys()), ['concur-b0000000000000b2'], 'the old build is gone from the cache');
  const { answer } = await agreedAnswer(page, 'quick-io', MODELS);
  assert.equal(answer, 'ok 5 × HTTP 200');
  assert.deepEqual(errors, []);
});

test('when isolation still fails under the service worker, the page reloads once and degrades with its explanation', async (t) => {
  // A broken copy: its service worker hands out responses without the
  // isolation headers, as a browser that ignores them would leave the page.
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'concur-broken-'));
  fs.cpSync(dist, copy, { recursive: true });
  const sw = fs.readFileSync(path.join(copy, 'sw.js'), 'utf8');
  assert.match(sw, /function isolated\(response\) \{/);
  fs.writeFileSync(path.join(copy, 'sw.js'), sw.replace('function isolated(response) {', 'function isolated(response) { return response;'));
  const host = await staticServe({ dir: copy, subPath: 'concur' });
  const { page, errors, close } = await browser();
  t.after(async () => {
    try { await close(); } finally { await host.stop(); fs.rmSync(copy, { recursive: true, force: true }); }
  });
  let loads = 0;
  page.on('load', () => { loads += 1; });
  await page.goto(`${host.url}/`);
  for (let waited = 0; loads < 2 && waited < 60000; waited += 100) await new Promise((r) => setTimeout(r, 100));
  await waitFor(page, () => navigator.serviceWorker.controller !== null, 'the service worker controls the reloaded page');
  await ready(page);
  await page.waitForSelector('#threads-unavailable');
  assert.equal(await page.evaluate(() => crossOriginIsolated), false);
  assert.match(await page.textContent('#threads-unavailable'), /not cross-origin isolated/);
  assert.equal(await page.isDisabled('#model-threads-free'), true);
  // The endpoints still answer, from the browser, with real waits.
  await page.waitForSelector('#endpoints[data-served-by="browser"]');
  await setUp(page, 'quick-io', CASES['quick-io']);
  const rows = await run(page);
  assert.deepEqual(rows.map((r) => r.model), ['sequential', 'processes', 'async']);
  for (const row of rows) assert.equal(row.cells[6], 'ok 5 × HTTP 200', row.model);
  assert.equal(loads, 2, 'one reload, never a loop');
  assert.deepEqual(errors, []);
});
