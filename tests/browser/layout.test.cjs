// The learner's view: at 1280 x 900 every lesson shows its lesson pane and
// Run side by side without scrolling; at 360 x 740 (a phone) the page is one
// column with no sideways scroll and the run bar (the page's Run button)
// fixed in view, its shortcut reaching the question that unlocks Run.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { concurServe, browser, ready, run } = require('./support.cjs');
const { LESSON_IDS, shotsDir, openLesson } = require('./support.cjs');

const SMALL = 'runs=1&warmup=0&delay-ms=100&n=300000';

/** The element's box, asserted to lie inside the viewport. */
async function inView(page, selector, viewport) {
  const box = await page.locator(selector).boundingBox();
  assert.ok(box, `${selector} is rendered`);
  // Within a pixel: boxes land on fractions of one.
  assert.ok(box.x >= -1 && box.y >= -1 && box.x + box.width <= viewport.width + 1 && box.y + box.height <= viewport.height + 1,
    `${selector} lies inside ${viewport.width} x ${viewport.height}: ${JSON.stringify(box)}`);
  return box;
}

test('at 1280 x 900 the lesson and Run sit side by side on every lesson, without scrolling', async (t) => {
  const server = await concurServe();
  const { page, errors, close } = await browser();
  t.after(async () => { try { await close(); } finally { await server.stop(); } });
  const viewport = { width: 1280, height: 900 };
  await page.setViewportSize(viewport);
  for (const id of LESSON_IDS) {
    await openLesson(page, server.url, id);
    await ready(page);
    assert.equal(await page.evaluate(() => window.scrollY), 0, `${id}: the page itself does not scroll`);
    const left = await inView(page, '#lesson', viewport);
    await inView(page, '#lesson-title', viewport);
    assert.ok(await page.isVisible('#lesson h2'), `${id}: the title shows`);
    const right = await inView(page, '#experiment-pane', viewport);
    assert.ok(left.x + left.width <= right.x, `${id}: the panes sit side by side: ${JSON.stringify([left, right])}`);
    await inView(page, '#run', viewport);
    if (await page.$('#predict')) await inView(page, '#predict', viewport);
    if (id === 'decision-flow') await inView(page, '#advisor', viewport);
    if (id === 'comparison') await inView(page, '#measure', viewport);
  }
  // Run stays in view however long the results grow.
  await openLesson(page, server.url, 'gil', SMALL);
  await ready(page);
  await run(page);
  await page.waitForSelector('#verdict');
  await inView(page, '#run', viewport);
  await page.screenshot({ path: path.join(shotsDir, 'two-panes-gil.png') });
  // Scrolled to the result, the right pane shows the table and the one-axis
  // timeline while the lesson stays beside it.
  await page.$eval('#result .results', (table) => {
    const pane = document.querySelector('#experiment-pane');
    pane.scrollTop += table.getBoundingClientRect().top - pane.getBoundingClientRect().top;
  });
  await inView(page, '#one-axis', viewport);
  await inView(page, '#lesson-title', viewport);
  await page.screenshot({ path: path.join(shotsDir, 'two-panes-gil-result.png') });
  assert.deepEqual(errors, []);
});

test('at 360 x 740 the page is one column and the run bar keeps Run in reach', async (t) => {
  const server = await concurServe();
  const { page, errors, close } = await browser();
  t.after(async () => { try { await close(); } finally { await server.stop(); } });
  const viewport = { width: 360, height: 740 };
  await page.setViewportSize(viewport);
  for (const id of LESSON_IDS) {
    await openLesson(page, server.url, id);
    await ready(page);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= viewport.width, `${id}: no sideways scroll (${width} px wide)`);
    const lesson = await page.locator('#lesson').boundingBox();
    const pane = await page.locator('#experiment-pane').boundingBox();
    assert.ok(pane.y >= lesson.y + lesson.height, `${id}: one column, the lesson first`);
    await inView(page, '#run-bar', viewport);
    await inView(page, '#run', viewport);
    await inView(page, '#lesson-title', viewport);
  }
  await openLesson(page, server.url, 'gil', SMALL);
  await ready(page);
  await page.screenshot({ path: path.join(shotsDir, 'phone-lesson.png') });
  // Run is locked until the question is answered; the bar leads to it.
  assert.equal(await page.isDisabled('#run'), true);
  await page.click('#to-predict');
  await inView(page, '#predict', viewport);
  assert.equal(await page.evaluate(() => document.activeElement.name), 'prediction');
  await page.check('#predict input[type=radio] >> nth=0');
  await page.evaluate(() => window.scrollTo(0, 0));
  await inView(page, '#run', viewport);
  await run(page);
  await page.click('#to-result');
  assert.ok(await page.evaluate(() => document.activeElement.closest('.result-slot') !== null), 'the focus moved to the result');
  const top = await page.locator('.result-slot').boundingBox();
  assert.ok(top.y >= -1 && top.y < viewport.height / 2, `the result is scrolled into view: ${JSON.stringify(top)}`);
  await page.screenshot({ path: path.join(shotsDir, 'phone-result.png') });
  assert.deepEqual(errors, []);
});
