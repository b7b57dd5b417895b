// The learner's view: every model's last run on one time axis (the same
// pixels per second for all), zoom and pan shared by both timelines, and
// the replay of the detail view's run: a scrubber, Play, step buttons, and
// the words core's describe_at gives for the cursor.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { concurServe, browser, open, ready, setUp, run } = require('./support.cjs');

const SHOTS = path.join(__dirname, '..', '..', 'target', 'browser-tests');
// The GIL lesson's experiment (cpu-sqrt), big enough for a few forced
// hand-overs between two threads, small enough to run in a second or two.
const GIL_LINK = 'lesson=gil&workers=2&tasks=4&n=4000000&runs=1&warmup=0&models=sequential,threads-gil';

/** The replay's sentences, and who they say holds the GIL. */
async function says(page) {
  const lines = await page.$$eval('#replay-says li', (items) => items.map((li) => li.textContent));
  const running = lines.filter((l) => /^worker \d+ runs\b/.test(l));
  const holding = lines.filter((l) => /holding the GIL/.test(l)).map((l) => l.match(/^(worker \d+)/)[1]);
  const heldBy = lines.map((l) => l.match(/held by (worker \d+)/)).filter(Boolean).map((m) => m[1]);
  return { lines, running, holding, heldBy };
}

const cursorNs = async (page) => Number(await page.getAttribute('#replay', 'data-cursor-ns'));

async function scrubTo(page, share) {
  await page.$eval('#replay-scrubber', (input, s) => {
    input.value = String(Math.round(Number(input.max) * s));
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, share);
}

async function axisLabels(page, figure) {
  return page.$$eval(`${figure} .time-axis .tick-label`, (labels) => labels.map((l) => l.textContent));
}

async function runGil(page, url) {
  await page.goto(`${url}/#${GIL_LINK}`);
  await page.reload();
  await page.waitForSelector('#lesson[data-lesson="gil"]');
  await ready(page);
  await run(page);
  await page.click('.tabs .tab[data-model="threads-gil"]');
  await page.waitForSelector('#replay-next-handover');
}

test('every model is drawn on one time axis, at the same pixels per second', async (t) => {
  const server = await concurServe();
  const { page, errors, close } = await browser();
  t.after(async () => { try { await close(); } finally { await server.stop(); } });
  await open(page, server.url);
  await setUp(page, 'quick-io', { workers: 3, tasks: 3, 'delay-ms': 200, runs: 1, warmup: 0 });
  for (const model of ['threads-gil', 'processes']) await page.uncheck(`#model-${model}`);
  await run(page);
  const extents = await page.$$eval('#one-axis rect.run-extent', (rects) => rects.map((r) => ({
    model: r.dataset.model, wallNs: Number(r.dataset.wallNs), width: r.getBoundingClientRect().width,
  })));
  assert.deepEqual(extents.map((e) => e.model), ['sequential', 'threads-free', 'async']);
  const perSecond = extents.map((e) => e.width / (e.wallNs / 1e9));
  const [low, high] = [Math.min(...perSecond), Math.max(...perSecond)];
  assert.ok(high / low < 1.03, `px per second differ: ${perSecond.map((p) => p.toFixed(1))}`);
  const seq = extents.find((e) => e.model === 'sequential');
  const asy = extents.find((e) => e.model === 'async');
  assert.ok(seq.wallNs > 1.5 * asy.wallNs, `sequential waited longer: ${seq.wallNs} vs ${asy.wallNs} ns`);
  assert.ok(seq.width > 1.5 * asy.width, 'and is drawn wider');
  // Each model's lanes sit under its name; every slice says what it is.
  for (const model of ['sequential', 'threads-free', 'async']) {
    assert.ok(await page.locator(`#one-axis .stacked-lane[data-model="${model}"]`).count() >= 1, model);
  }
  const titles = await page.$$eval('#one-axis rect.event.io-wait title', (ts) => ts.map((x) => x.textContent));
  assert.ok(titles.some((x) => /^worker \d+ · io-wait · task \d+ · [\d.]+ ms$/.test(x) || /^coroutine/.test(x)), titles.slice(0, 3).join(' | '));
  // Kinds differ by texture too: waits are patterns, the legend shows them.
  assert.match(await page.getAttribute('#one-axis rect.event.io-wait >> nth=0', 'fill'), /^url\(#stacked-pattern-io-wait\)$/);
  assert.equal(await page.getAttribute('#detail-timeline .legend span[data-kind="gil-wait"]', 'data-texture'), 'hatch');
  assert.match(await page.$eval('#detail-timeline .legend span[data-kind="io-wait"] i', (i) => getComputedStyle(i).backgroundImage), /radial-gradient/);
  assert.deepEqual(errors, []);
});

test('replay: the cursor, its words, the steps, Play and the keyboard', async (t) => {
  const server = await concurServe();
  const { page, errors, close } = await browser();
  t.after(async () => { try { await close(); } finally { await server.stop(); } });
  await page.setViewportSize({ width: 1280, height: 900 });
  await runGil(page, server.url);
  assert.equal(await page.getAttribute('#replay-says', 'aria-live'), 'polite');
  assert.match(await page.textContent('label[for="replay-scrubber"]'), /Time in the run/);
  assert.equal(await page.$('#replay-next-request'), null, 'cpu-sqrt makes no requests');
  // Wherever the cursor stands, whoever computes is the one GIL holder.
  let checked = 0;
  for (const share of [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95]) {
    await scrubTo(page, share);
    const { lines, running, holding, heldBy } = await says(page);
    assert.equal(lines.length, 2, lines.join(' | '));
    if (running.length === 0) continue;
    checked += 1;
    assert.equal(running.length, 1, `one worker computes under the GIL: ${lines.join(' | ')}`);
    assert.equal(holding.length, 1, `exactly one holder is named: ${lines.join(' | ')}`);
    for (const named of heldBy) assert.equal(named, holding[0], lines.join(' | '));
  }
  assert.ok(checked >= 3, `the cursor found computing workers at ${checked} positions`);
  // Hand-overs: each one changes the holder.
  await scrubTo(page, 0);
  const holderAfterStep = async () => {
    await page.click('#replay-next-handover');
    let { holding, lines } = await says(page);
    for (let extra = 0; holding.length === 0 && extra < 2; extra += 1) {
      await page.click('#replay-next');
      ({ holding, lines } = await says(page));
    }
    assert.equal(holding.length, 1, lines.join(' | '));
    return holding[0];
  };
  const first = await holderAfterStep();
  const second = await holderAfterStep();
  assert.notEqual(second, first, 'the GIL changed hands');
  const third = await holderAfterStep();
  assert.notEqual(third, second, 'and again');
  // Paused right after a hand-over: the picture of it.
  const handover = await cursorNs(page);
  // A vertical line has no width, so check it is there and where.
  assert.equal(Number(await page.getAttribute('#replay-cursor', 'data-cursor-ns')), handover, 'the cursor is drawn on the detail view');
  assert.ok(await page.$('#stacked-cursor'), 'and on the one-axis view');
  await page.$eval('#detail-timeline', (el) => el.scrollIntoView({ block: 'start' }));
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, 'replay-handover.png') });
  assert.ok(handover > 0);
  // Previous event steps back.
  await page.click('#replay-prev');
  assert.ok(await cursorNs(page) < handover, 'Previous event moves back');
  // Keyboard: Tab reaches the replay's buttons; Space and Enter press them.
  await page.focus('.tabs .tab[data-model="threads-gil"]');
  let reached = false;
  for (let press = 0; press < 20 && !reached; press += 1) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement && document.activeElement.id === 'replay-next');
  }
  assert.ok(reached, 'Tab reaches Next event');
  let before = await cursorNs(page);
  await page.keyboard.press('Space');
  await page.waitForFunction((n) => Number(document.querySelector('#replay').dataset.cursorNs) > n, before);
  before = await cursorNs(page);
  await page.keyboard.press('Enter');
  await page.waitForFunction((n) => Number(document.querySelector('#replay').dataset.cursorNs) > n, before);
  // Play crosses the run in a few seconds while the page stays responsive.
  await scrubTo(page, 0);
  const ticks = async () => Number((await page.textContent('.ticker')).match(/tick (\d+)/)[1]);
  const ticksBefore = await ticks();
  await page.click('#replay-play');
  assert.equal(await page.getAttribute('#replay-play', 'aria-label'), 'Pause');
  await page.waitForTimeout(1500);
  const midway = await cursorNs(page);
  assert.ok(midway > 0, 'Play moves the cursor');
  await page.waitForSelector('#replay-play[aria-label="Play"]', { timeout: 15000 });
  const max = Number(await page.getAttribute('#replay-scrubber', 'max'));
  assert.ok(await cursorNs(page) >= (max - 1) * 1000, 'Play stops at the end');
  assert.ok(await ticks() > ticksBefore, 'the main thread kept ticking');
  assert.ok(await page.locator('#one-axis rect').count() < 5000, 'element counts stay sane');
  assert.deepEqual(errors, []);
});

test('zoom and pan relabel both axes, and Reset restores them', async (t) => {
  const server = await concurServe();
  const { page, errors, close } = await browser();
  t.after(async () => { try { await close(); } finally { await server.stop(); } });
  await runGil(page, server.url);
  const whole = await axisLabels(page, '#one-axis');
  const wholeDetail = await axisLabels(page, '#detail-timeline');
  const unit = () => page.getAttribute('#one-axis .time-axis', 'data-unit');
  const wholeUnit = await unit();
  assert.equal(await page.getAttribute('#zoom-in', 'aria-label'), 'Zoom in');
  assert.equal(await page.isDisabled('#zoom-reset'), true, 'nothing to reset yet');
  await page.click('#zoom-in');
  const once = await axisLabels(page, '#one-axis');
  assert.notDeepEqual(once, whole, 'the axis relabels');
  assert.notDeepEqual(await axisLabels(page, '#detail-timeline'), wholeDetail, 'the detail view zooms too');
  for (let press = 0; press < 30 && (await unit()) === wholeUnit; press += 1) await page.click('#zoom-in');
  assert.notEqual(await unit(), wholeUnit, 'a narrow window is labelled in a smaller unit');
  const zoomed = await axisLabels(page, '#one-axis');
  await page.click('#pan-right');
  assert.notDeepEqual(await axisLabels(page, '#one-axis'), zoomed, '→ pans');
  await page.click('#pan-left');
  await page.click('#zoom-reset');
  assert.deepEqual(await axisLabels(page, '#one-axis'), whole, 'Reset restores the labels');
  assert.deepEqual(await axisLabels(page, '#detail-timeline'), wholeDetail);
  // The wheel zooms around the pointer; a drag pans.
  const box = await page.locator('#one-axis svg').boundingBox();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
  await page.mouse.wheel(0, -400);
  await page.waitForFunction((before) => JSON.stringify([...document.querySelectorAll('#one-axis .tick-label')].map((l) => l.textContent)) !== before, JSON.stringify(whole));
  const wheeled = await axisLabels(page, '#one-axis');
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2, { steps: 4 });
  await page.mouse.up();
  assert.notDeepEqual(await axisLabels(page, '#one-axis'), wheeled, 'dragging pans');
  await page.click('#zoom-reset');
  assert.deepEqual(await axisLabels(page, '#one-axis'), whole);
  assert.deepEqual(errors, []);
});
