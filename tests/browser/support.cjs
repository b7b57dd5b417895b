// Shared helpers of the browser tests: servers, a headless Chromium, knobs.
// Debian's chromium is driven by playwright-core; no browser is downloaded.
const { chromium } = require('playwright-core');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');

const root = path.resolve(__dirname, '..', '..');
const bin = process.env.CONCUR_BIN || path.join(root, 'target', 'debug', 'concur');
const dist = process.env.CONCUR_DIST || path.join(root, 'dist');
const shots = path.join(root, 'target', 'browser-tests');

// Servers started here never outlive the test process, however it ends.
const started = new Set();
process.on('exit', () => { for (const child of started) child.kill('SIGKILL'); });
fs.mkdirSync(shots, { recursive: true });

const CHROMIUM_FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Starts `concur serve --dir dist` on a free port; resolves to { url, stop }. */
async function concurServe() {
  const child = spawn(bin, ['serve', '--port', '0', '--dir', dist], { stdio: ['ignore', 'pipe', 'inherit'] });
  started.add(child);
  const url = await new Promise((resolve, reject) => {
    let seen = '';
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      const found = seen.match(/http:\/\/[\d.]+:\d+/);
      if (found) resolve(found[0]);
    });
    child.once('exit', (code) => reject(new Error(`concur serve exited with ${code}: ${seen}`)));
  });
  return { url, stop: () => stopChild(child) };
}

function freePort() {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A plain static host: no isolation headers, no endpoints (python3's
 * http.server). With `subPath`, `dir` is served at `/<subPath>/` (a link in
 * a folder of its own), as on a GitHub Pages project site; `root` is that
 * folder, so a test can put another build in place. Resolves to
 * { url (no trailing slash), root, stop }.
 */
async function staticServe({ dir = dist, subPath = '' } = {}) {
  const port = await freePort();
  let served = dir;
  let root = null;
  if (subPath) {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'concur-host-'));
    fs.symlinkSync(path.resolve(dir), path.join(root, subPath), 'dir');
    served = root;
  }
  const child = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', served], { stdio: 'ignore' });
  started.add(child);
  const url = `http://127.0.0.1:${port}${subPath ? `/${subPath}` : ''}`;
  const stop = async () => {
    await stopChild(child);
    if (root) fs.rmSync(root, { recursive: true, force: true });
  };
  for (let attempt = 0; attempt < 100; attempt += 1) {
    try {
      const response = await fetch(`${url}/index.html`);
      if (response.ok) return { url, root, stop };
    } catch (_) { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error('the static server did not come up');
}

function stopChild(child) {
  return new Promise((resolve) => {
    const done = () => { started.delete(child); resolve(); };
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', done);
    child.kill('SIGINT');
  });
}

/**
 * A fresh headless Chromium with its own profile; resolves to
 * { page, context, errors, close }. `serviceWorkers: 'block'` forbids them,
 * as some private windows do.
 */
async function browser({ serviceWorkers = 'allow' } = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'concur-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS, acceptDownloads: true, serviceWorkers,
  });
  const page = context.pages()[0] || await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const close = async () => {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { page, context, errors, close };
}

/**
 * Opens the page on a host that sends no isolation headers: the first
 * visit registers the service worker and reloads once. Waits until the
 * page is isolated, the runner ready and the endpoints found.
 */
async function openHosted(page, url, suffix = '/') {
  await page.goto(`${url}${suffix}`);
  await settle(page);
}

/** Waits until a page under its service worker is isolated and ready. */
async function settle(page) {
  await waitFor(page, () => crossOriginIsolated && navigator.serviceWorker.controller !== null, 'the page became cross-origin isolated under its service worker');
  await ready(page);
  await page.waitForSelector('#endpoints');
}

/** Polls `predicate` in the page until it holds, across reloads. */
async function waitFor(page, predicate, what, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await page.evaluate(predicate)) return;
    } catch (_) { /* the page was reloading */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** Opens the page and waits until the runner is ready and the I/O mode known. */
async function open(page, url) {
  await page.goto(`${url}/`);
  await ready(page);
}

function ready(page) {
  return page.waitForSelector('.controls[data-ready="true"]', { timeout: 60000 });
}

/** Picks an experiment and sets knobs by their input ids. */
async function setUp(page, experiment, knobs) {
  await page.selectOption('#experiment', experiment);
  for (const [id, value] of Object.entries(knobs)) await page.fill(`#knob-${id}`, String(value));
}

/** Presses Run and waits for the result table. */
async function run(page, whileRunning) {
  // A lesson asks for a prediction before Run: answer with the first choice.
  if (await page.$('#predict.pending')) await page.check('#predict input[type=radio] >> nth=0');
  const before = Number(await page.getAttribute('main', 'data-completed'));
  await page.click('#run');
  if (whileRunning) await whileRunning();
  await page.waitForFunction((n) => Number(document.querySelector('main').dataset.completed) > n, before, { timeout: 120000 });
  const error = await page.$('#run-error');
  if (error) throw new Error(`the run failed: ${await error.textContent()}`);
  return page.$$eval('#result .results tbody tr', (rows) => rows.map((row) => ({
    model: row.dataset.model,
    cells: [...row.querySelectorAll('td')].map((cell) => cell.textContent),
    answer: row.querySelector('td.answer').textContent,
  })));
}

/** A row's median wall time in seconds ("123.4 ms" or "1.23 s" in the table). */
function medianSeconds(rows, model) {
  const [value, unit] = rows.find((r) => r.model === model).cells[2].split(' ');
  return unit === 'ms' ? Number(value) / 1000 : Number(value);
}

function shot(page, name) {
  return page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

module.exports = {
  bin, dist, concurServe, staticServe, browser, open, openHosted, settle, waitFor, ready, setUp, run, shot, medianSeconds,
};

// Added for the layout and accessibility tests.

/** Every lesson's id, in the course's order. */
const LESSON_IDS = ['side-by-side', 'gil', 'threading', 'multiprocessing', 'asyncio', 'echo-server', 'comparison', 'decision-flow', 'health-check', 'faq'];

/**
 * Opens a lesson by its deep link (`query`: more of the link, such as
 * knobs), reloading so the page reads the link afresh.
 */
async function openLesson(page, url, id, query = '') {
  await page.goto(`${url}/#lesson=${id}${query ? `&${query}` : ''}`);
  await page.reload();
  await page.waitForSelector(`#lesson[data-lesson="${id}"]`);
}

module.exports.LESSON_IDS = LESSON_IDS;
module.exports.openLesson = openLesson;
module.exports.shotsDir = shots;

/** Every finished request of the page and its workers, with its bytes on the wire. */
function recordTransfers(page) {
  const transfers = [];
  page.on('requestfinished', async (request) => {
    const entry = { url: request.url(), started: request.timing().startTime, bytes: null };
    transfers.push(entry);
    try {
      const sizes = await request.sizes();
      entry.bytes = sizes.responseBodySize + sizes.responseHeadersSize;
    } catch (_) {
      entry.bytes = 0; // a request the browser dropped before it was sized
    }
  });
  return transfers;
}

/** Bytes of the requests started before `epochMs` (all of them if omitted). */
async function bytesBefore(transfers, epochMs = Infinity) {
  // Sizes arrive a moment after each request finishes.
  for (let i = 0; i < 100 && transfers.some((t) => t.bytes === null); i += 1) await new Promise((r) => setTimeout(r, 20));
  const counted = transfers.filter((t) => t.started <= epochMs && !t.url.startsWith('blob:'));
  return { bytes: counted.reduce((sum, t) => sum + (t.bytes || 0), 0), count: counted.length };
}

module.exports.recordTransfers = recordTransfers;
module.exports.bytesBefore = bytesBefore;
