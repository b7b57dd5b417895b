// Accessibility: axe-core (installed by `cargo xtask setup` beside
// playwright-core) checks every lesson at 1280 x 900, a lesson on a phone,
// and a page with a run's results, and finds nothing serious or critical.
// A failure prints each violation with its rule, help and the elements.
const test = require('node:test');
const assert = require('node:assert/strict');
const { concurServe, browser, ready, run, LESSON_IDS, openLesson } = require('./support.cjs');

const SMALL = 'runs=1&warmup=0&delay-ms=100&n=300000';

/** Runs axe on the page; resolves to its serious and critical violations. */
async function audit(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) {
    await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  }
  const { violations } = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * Adds `where`'s violations to `found`: one entry per rule, with every
 * element it flagged and the places each was seen.
 */
function note(found, where, violations) {
  for (const v of violations) {
    const rule = found.get(v.id) ?? { v, nodes: new Map() };
    for (const n of v.nodes) {
      const key = n.target.join(' ');
      const node = rule.nodes.get(key) ?? { n, places: [] };
      node.places.push(where);
      rule.nodes.set(key, node);
    }
    found.set(v.id, rule);
  }
}

/** The violations, one readable paragraph per rule. */
function describe(found) {
  return [...found.values()].map(({ v, nodes }) => [
    `[${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})`,
    ...[...nodes.entries()].map(([target, { n, places }]) => [
      `  ${target}   (seen on: ${places.join(', ')})`,
      `    ${n.html.slice(0, 240)}`,
      `    ${n.failureSummary.replace(/\n/g, '\n    ')}`,
    ].join('\n')),
  ].join('\n')).join('\n\n');
}

test('axe finds nothing serious on any lesson, on a phone, or beside results', async (t) => {
  const server = await concurServe();
  const { page, errors, close } = await browser();
  t.after(async () => { try { await close(); } finally { await server.stop(); } });
  const found = new Map();
  await page.setViewportSize({ width: 1280, height: 900 });
  for (const id of LESSON_IDS) {
    await openLesson(page, server.url, id);
    await ready(page);
    // The Rust excerpt and the costs table count too.
    await page.click('#lesson details.code summary');
    if (id === 'comparison') {
      await page.click('#measure');
      await page.waitForSelector('#costs', { timeout: 60000 });
    }
    note(found, `lesson ${id}`, await audit(page));
  }
  await openLesson(page, server.url, 'gil', SMALL);
  await ready(page);
  await run(page);
  await page.waitForSelector('#verdict');
  note(found, 'gil with results', await audit(page));
  await page.setViewportSize({ width: 360, height: 740 });
  note(found, 'gil with results, 360 px', await audit(page));
  await openLesson(page, server.url, 'threading');
  await ready(page);
  note(found, 'threading, 360 px', await audit(page));
  const report = describe(found);
  if (report) console.log(`axe found:\n${report}`);
  assert.equal(report, '', 'axe found serious or critical violations (above)');
  assert.deepEqual(errors, []);
});
