// The course: every lesson renders and its Run works, a prediction is
// judged only by the run it was frozen for, deep links restore a lesson
// with its knobs and models (and a refused knob stays refused), progress
// survives a reload, and the arrow keys step through the lessons.
const test = require('node:test');
const assert = require('node:assert/strict');
const { concurServe, browser, open, ready, run, shot } = require('./support.cjs');

// Each lesson's id and its tutorial section (section 5 has two lessons).
const LESSONS = [['side-by-side', 1], ['gil', 2], ['threading', 3], ['multiprocessing', 4], ['asyncio', 5], ['echo-server', 5], ['comparison', 6], ['decision-flow', 7], ['health-check', 8], ['faq', 9]];
const SMALL = 'runs=1&warmup=0&delay-ms=100&n=300000';
// The echo server's n is the gap between clients (ms): 5 clients 20 ms apart.
const SMALL_FOR = { 'echo-server': 'runs=1&warmup=0&delay-ms=100&n=20' };

test('every lesson renders, and each Run answers the same under every model', async (t) => {
  const server = await concurServe();
  const { page, errors, close } = await browser();
  t.after(async () => { try { await close(); } finally { await server.stop(); } });
  await open(page, server.url);
  for (const [id, section] of LESSONS) {
    await page.goto(`${server.url}/#lesson=${id}&${SMALL_FOR[id] ?? SMALL}`);
    await page.reload();
    await page.waitForSelector(`#lesson[data-lesson="${id}"]`);
    assert.match(await page.textContent('#lesson h2'), new RegExp(`^${section}\\. `));
    assert.ok((await page.textContent('#lesson pre code.python')).length > 100, `${id} shows its Python`);
    await page.click('#lesson details.code summary');
    assert.ok(await page.isVisible('#lesson pre code.rust'), `${id} shows its Rust on demand`);
    if (!(await page.$('#predict'))) continue;
    await ready(page);
    assert.equal(await page.isDisabled('#run'), true, `${id}: Run waits for a prediction`);
    const rows = await run(page);
    const answers = rows.map((r) => r.answer);
    for (const answer of answers) assert.match(answer, /^ok /, `${id}: ${answer}`);
    assert.equal(new Set(answers).size, 1, `${id}: ${answers}`);
    await page.waitForSelector('#verdict');
    await shot(page, `lesson-${id}`);
  }
  assert.deepEqual(errors, []);
});

test('a deep link restores the lesson, its knobs and models, and progress survives a reload', async (t) => {
  const server = await concurServe();
  const { page, close } = await browser();
  t.after(async () => { try { await close(); } finally { await server.stop(); } });
  await page.goto(`${server.url}/#lesson=gil&workers=3&n=4000000&tasks=6&models=sequential,threads-gil`);
  await page.waitForSelector('#lesson[data-lesson="gil"]');
  // Thread models show as chosen once the runner says threads can run here.
  await ready(page);
  assert.equal(await page.inputValue('#experiment'), 'cpu-sqrt');
  assert.equal(await page.inputValue('#knob-workers'), '3');
  assert.equal(await page.inputValue('#knob-n'), '4000000');
  assert.equal(await page.inputValue('#knob-tasks'), '6');
  assert.equal(await page.isChecked('#model-threads-free'), false);
  assert.equal(await page.isChecked('#model-threads-gil'), true);
  await page.fill('#knob-workers', '2');
  const link = await page.evaluate(() => location.href);
  assert.match(link, /#lesson=gil&workers=2&tasks=6&n=4000000/);
  const other = await browser();
  t.after(() => other.close());
  await other.page.goto(link);
  await other.page.waitForSelector('#lesson[data-lesson="gil"]');
  await ready(other.page);
  assert.equal(await other.page.inputValue('#knob-workers'), '2');
  assert.equal(await other.page.isChecked('#model-threads-free'), false);
  // Digit separators count only in groups of three: "2,4" is refused, not 24.
  await other.page.goto(`${server.url}/#lesson=gil&workers=2,4`);
  await other.page.reload();
  await other.page.waitForSelector('#lesson[data-lesson="gil"]');
  await ready(other.page);
  assert.equal(await other.page.inputValue('#knob-workers'), '2,4');
  const field = other.page.locator('label.knob:has(#knob-workers)');
  assert.match(await field.getAttribute('class'), /\binvalid\b/);
  assert.equal(await field.locator('.field-error').textContent(), 'must be a whole number from 1 to 8 (got "2,4")');
  await other.page.check('#predict input[type=radio] >> nth=0');
  assert.equal(await other.page.isDisabled('#run'), true, 'a refused knob locks Run');
  assert.match(await other.page.evaluate(() => location.hash), /workers=2,4(&|$)/);
  // Progress: the open lesson and the visited ones come back without a link.
  await page.click('.stepper .step[data-lesson="asyncio"]');
  await page.goto(`${server.url}/`);
  await page.waitForSelector('#lesson[data-lesson="asyncio"]');
  assert.equal(await page.getAttribute('.stepper .step[data-lesson="gil"]', 'class'), 'step visited');
});

test('a prediction is frozen at Run and judged only by that run', async (t) => {
  const server = await concurServe();
  const { page, errors, close } = await browser();
  t.after(async () => { try { await close(); } finally { await server.stop(); } });
  await page.goto(`${server.url}/#lesson=gil&${SMALL}&models=sequential,threads-gil`);
  await page.waitForSelector('#lesson[data-lesson="gil"]');
  await ready(page);
  const [first, second] = await page.$$eval('#predict input[type=radio]', (inputs) => inputs.map((i) => i.value));
  await page.check(`#predict input[value="${first}"]`);
  await run(page);
  assert.ok((await page.textContent('#verdict')).startsWith(`You predicted ${first} before Run`));
  // Another answer after the run is not judged by it.
  await page.check(`#predict input[value="${second}"]`);
  assert.equal(await page.$('#verdict'), null, 'the verdict is cleared');
  assert.match(await page.textContent('#verdict-cleared'), /press Run again/);
  // Back in the lesson, the old run judges nothing; only a new run does.
  await page.click('#next');
  await page.waitForSelector('#lesson[data-lesson="threading"]');
  await page.click('#prev');
  await page.waitForSelector('#lesson[data-lesson="gil"]');
  assert.ok(await page.$('#result'), 'the old result is still shown');
  await page.check(`#predict input[value="${second}"]`);
  assert.equal(await page.$('#verdict'), null, 'no verdict before a new run');
  await run(page);
  assert.ok((await page.textContent('#verdict')).startsWith(`You predicted ${second} before Run`));
  assert.deepEqual(errors, []);
});

test('the arrow keys step through the lessons, but not while typing', async (t) => {
  const server = await concurServe();
  const { page, close } = await browser();
  t.after(async () => { try { await close(); } finally { await server.stop(); } });
  await page.goto(`${server.url}/#lesson=side-by-side`);
  await page.waitForSelector('#lesson[data-lesson="side-by-side"]');
  await page.keyboard.press('ArrowRight');
  await page.waitForSelector('#lesson[data-lesson="gil"]');
  await page.keyboard.press('ArrowRight');
  await page.waitForSelector('#lesson[data-lesson="threading"]');
  await page.keyboard.press('ArrowLeft');
  await page.waitForSelector('#lesson[data-lesson="gil"]');
  await page.focus('#knob-workers');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getAttribute('#lesson', 'data-lesson'), 'gil');
  await page.click('#next');
  await page.waitForSelector('#lesson[data-lesson="threading"]');
  await page.click('#prev');
  await page.waitForSelector('#lesson[data-lesson="gil"]');
});

test('the comparison lesson measures its rows in this browser', async (t) => {
  const server = await concurServe();
  const { page, errors, close } = await browser();
  t.after(async () => { try { await close(); } finally { await server.stop(); } });
  await page.goto(`${server.url}/#lesson=comparison`);
  await page.waitForSelector('#lesson[data-lesson="comparison"]');
  await ready(page);
  await page.click('#measure');
  await page.waitForSelector('#costs', { timeout: 60000 });
  const cost = async (id) => parseFloat(await page.textContent(`#cost-${id}`));
  const workerMs = await cost('worker-start');
  assert.ok(workerMs > 0, `a worker takes time to start: ${workerMs} ms`);
  const taskUs = await cost('task-start');
  assert.ok(taskUs > 0 && taskUs < workerMs * 1000, `a task is far cheaper than a worker: ${taskUs} us`);
  // Counted as each task parked at its await, before the signal fired.
  const spawned = Number(await page.getAttribute('#cost-tasks-alive', 'data-spawned'));
  const alive = await cost('tasks-alive');
  console.log(`async tasks alive at once: ${alive} of ${spawned} spawned`);
  assert.ok(spawned >= 10000, `tasks spawned: ${spawned}`);
  assert.ok(alive >= 0.9 * spawned && alive <= spawned, `tasks seen waiting at once: ${alive} of ${spawned}`);
  for (const id of ['thread-switch', 'process-switch', 'task-switch']) {
    assert.ok(await cost(id) > 0, `${id} was measured`);
  }
  assert.ok(await cost('task-switch') < await cost('process-switch'), 'tasks switch faster than a message round trip');
  assert.match(await page.textContent('#costs'), /8 Web Workers sharing memory/);
  await shot(page, 'comparison-measured');
  assert.deepEqual(errors, []);
});
