// The built page on a plain static host (python3's http.server: no
// isolation headers, no endpoints) under a sub-path, as on a GitHub Pages
// project site. The page's own service worker (web/sw.js) must make it
// cross-origin isolated after the first visit, answer the endpoints with
// real waits, keep it working offline, and switch to a new deploy whole.
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
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
  const answers = rows.map((r) => r.answer);
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
  // The endpoints, as concur serve answers them (httpbin's paths and
  // answers), below the sub-path.
  const unavailable = await fetchFromPage(page, './status/503');
  assert.deepEqual(unavailable, { status: 503, servedBy: 'browser', body: '' });
  const invalid = await fetchFromPage(page, './status/42');
  assert.equal(invalid.status, 400);
  assert.match(invalid.body, /Invalid status code/);
  assert.ok([201, 202].includes((await fetchFromPage(page, './status/201,202')).status));
  const delayed = await fetchFromPage(page, './delay/0.05?x=1');
  assert.equal(delayed.status, 200);
  const shape = JSON.parse(delayed.body);
  assert.deepEqual(Object.keys(shape).sort(), ['args', 'data', 'files', 'form', 'headers', 'origin', 'url']);
  assert.deepEqual(shape.args, { x: '1' });
  assert.ok(shape.url.endsWith('/concur/delay/0.05?x=1'), shape.url);
  for (const garbage of ['-1', 'NaN', 'inf', '1,000x']) {
    const refused = await fetchFromPage(page, `./delay/${garbage}`);
    assert.equal(refused.status, 400, garbage);
    assert.match(refused.body, /\/delay\/\{seconds\}.*0 to 10/, garbage);
  }
  const got = JSON.parse((await fetchFromPage(page, './get?x=1')).body);
  assert.deepEqual(Object.keys(got).sort(), ['args', 'headers', 'origin', 'url']);
  assert.deepEqual(got.args, { x: '1' });
  assert.equal((await fetchFromPage(page, './delay/0.005', { method: 'POST' })).status, 405);
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
  for (const row of gil) assert.match(row.answer, /^ok /, row.model);
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

/** FNV-1a, 64 bits, as 16 hex digits: the content hash of crates/xtask/src/dist.rs. */
function fnv1a(bytes) {
  let [hi, lo] = [0xcbf29ce4, 0x84222325];
  for (const byte of bytes) {
    lo = (lo ^ byte) >>> 0;
    // hash * (2^40 + 0x1b3), modulo 2^64, in two 32-bit halves.
    const low = lo * 0x1b3;
    hi = (Math.imul(hi, 0x1b3) + Math.floor(low / 0x100000000) + (lo << 8)) >>> 0;
    lo = low >>> 0;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/** Every file below `dir`, as relative paths with `/`. */
function filesBelow(dir, prefix = '') {
  return fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? filesBelow(dir, relative) : [relative];
  });
}

/** The entry points, which keep their names from build to build. */
const FIXED = ['index.html', 'sw.js', '.nojekyll'];

test('every file of the build but its entry points carries its own content hash in its name', () => {
  assert.equal(fnv1a(Buffer.from('')), 'cbf29ce484222325');
  assert.equal(fnv1a(Buffer.from('a')), 'af63dc4c8601ec8c');
  const files = filesBelow(dist);
  assert.ok(files.some((f) => f.startsWith('snippets/')), `wasm-bindgen-rayon's snippet is in the build: ${files}`);
  for (const file of files.filter((f) => !FIXED.includes(f))) {
    const named = path.basename(file).match(/-([0-9a-f]{16})[._]/);
    assert.ok(named, `${file} has a 16-digit hash in its name`);
    assert.equal(named[1], fnv1a(fs.readFileSync(path.join(dist, file))), `${file}: the hash in its name is its content's`);
  }
  // What names the snippet names it by its hashed name, integrity included.
  const index = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
  const snippet = files.find((f) => f.startsWith('snippets/'));
  for (const glue of files.filter((f) => /^(app|runner|runner_db)-[0-9a-f]{16}\.js$/.test(f))) {
    assert.match(fs.readFileSync(path.join(dist, glue), 'utf8'), new RegExp(`from '\\./${snippet.replace(/[.]/g, '\\.')}'`), glue);
  }
  const links = index.match(/<link [^>]*integrity="[^"]*"[^>]*>/g);
  assert.ok(links.some((l) => l.includes(`href="./${snippet}"`)), `index.html preloads ${snippet}: ${links}`);
  for (const link of links) {
    const [, href] = link.match(/href="\.\/([^"]+)"/);
    const [, integrity] = link.match(/integrity="([^"]+)"/);
    const digest = crypto.createHash('sha384').update(fs.readFileSync(path.join(dist, href))).digest('base64');
    assert.equal(integrity, `sha384-${digest}`, `index.html's integrity of ${href}`);
  }
});

/**
 * A second deploy, simulated from the first (a real build takes minutes):
 * a copy of dist/ whose runner wasm gains a custom section and whose
 * wasm-bindgen-rayon snippet gains a comment, so they, and every file that
 * names them in turn (the glue, the loaders), get new names, each its new
 * content's hash as `cargo xtask web` gives it; whose index.html says
 * "build B" in its title and carries the new names and integrity; and whose
 * service worker carries a new build hash and file list.
 */
function secondBuild(from, to) {
  fs.cpSync(from, to, { recursive: true, dereference: true });
  const read = (file) => fs.readFileSync(path.join(to, file));
  const text = (file) => read(file).toString('utf8');
  // A later modification time, as a real deploy has: python's server
  // answers If-Modified-Since by the second, and both builds are made
  // within one.
  const later = new Date(Date.now() + 60000);
  const write = (file, content) => {
    fs.writeFileSync(path.join(to, file), content);
    fs.utimesSync(path.join(to, file), later, later);
  };
  /**
   * Changes `file` by `change` (bytes to bytes), renames it after its new
   * content's hash and rewrites every script and page of the build that
   * names it; returns the new name. Those become stale in turn, so a file
   * goes before the files that name it.
   */
  const redeploy = (file, change = (bytes) => bytes) => {
    const bytes = change(read(file));
    const renamed = file.replace(/-[0-9a-f]{16}(?=[._][^/]*$)/, `-${fnv1a(bytes)}`);
    fs.rmSync(path.join(to, file));
    write(renamed, bytes);
    for (const other of filesBelow(to).filter((f) => /\.(js|html)$/.test(f))) {
      const code = text(other);
      if (code.includes(file)) write(other, code.split(file).join(renamed));
    }
    return renamed;
  };
  const index = text('index.html');
  // The page finds its runners' (hashed) loaders through meta lines.
  const loader = index.match(/data-loader="runner_loader\.js" content="\.\/(runner_loader-[0-9a-f]+\.js)"/)[1];
  const dbLoader = index.match(/data-loader="runner_db_loader\.js" content="\.\/(runner_db_loader-[0-9a-f]+\.js)"/)[1];
  const app = index.match(/from '\.\/(app-[0-9a-f]+\.js)'/)[1];
  const glue = text(loader).match(/'\.\/(runner-[0-9a-f]+\.js)'/)[1];
  const dbGlue = text(dbLoader).match(/'\.\/(runner_db-[0-9a-f]+\.js)'/)[1];
  const wasm = text(glue).match(/'(runner-[0-9a-f]+_bg\.wasm)'/)[1];
  const snippet = filesBelow(to).find((f) => f.startsWith('snippets/'));
  const section = Buffer.concat([Buffer.from([0, 7, 6]), Buffer.from('deploy')]);
  const newWasm = redeploy(wasm, (bytes) => Buffer.concat([bytes, section]));
  const newSnippet = redeploy(snippet, (bytes) => Buffer.concat([bytes, Buffer.from('\n// build B\n')]));
  for (const file of [glue, dbGlue, app, loader, dbLoader]) redeploy(file);
  // Integrity as trunk writes it, of the files as they are now.
  write('index.html', text('index.html').replace('</title>', ' (build B)</title>').replace(/<link [^>]*>/g, (link) => {
    const href = link.match(/href="\.\/([^"]+)"/);
    if (!href || !link.includes('integrity="')) return link;
    const digest = crypto.createHash('sha384').update(read(href[1])).digest('base64');
    return link.replace(/integrity="[^"]*"/, `integrity="sha384-${digest}"`);
  }));
  const sw = text('sw.js');
  const hash = sw.match(/hash: "([0-9a-f]+)"/)[1];
  write('sw.js', sw.replace(`hash: "${hash}"`, 'hash: "b0000000000000b2"'));
  for (const file of filesBelow(to).filter((f) => !FIXED.includes(f))) {
    assert.ok(sw.includes(`"${file}"`), `the new service worker caches ${file}`);
  }
  return { oldWasm: wasm, newWasm, oldSnippet: path.basename(snippet), newSnippet: path.basename(newSnippet) };
}

/** The wasm-bindgen-rayon snippets the page and its runner workers loaded. */
async function snippetFiles(page) {
  const names = [];
  for (const scope of [page, ...page.workers().filter((w) => /\/runner_loader-[0-9a-f]+\.js$/.test(w.url()))]) {
    try {
      names.push(...await scope.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname.split('/').pop())));
    } catch (_) { /* a worker of the page before the reload, gone */ }
  }
  return [...new Set(names.filter((name) => name.startsWith('workerHelpers')))];
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
  const { oldWasm, newWasm, oldSnippet, newSnippet } = secondBuild(dist, second);
  assert.notEqual(newSnippet, oldSnippet, 'a changed snippet gets a new name');
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
  assert.deepEqual(await snippetFiles(page), [oldSnippet]);
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
  assert.deepEqual(await snippetFiles(page), [newSnippet], 'the snippet, too');
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
  for (const row of rows) assert.equal(row.answer, 'ok 5 × HTTP 200', row.model);
  assert.equal(loads, 2, 'one reload, never a loop');
  assert.deepEqual(errors, []);
});
