// The playground's speed targets, measured in one run and printed as ratios
// (run by `cargo xtask bench-web`; not a test: a busy machine can miss).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { execFileSync } = require('node:child_process');
const { bin, dist, concurServe, browser, open, setUp, run } = require('./support.cjs');

const N = 50000000;
const lines = [];
const line = (what, target, measured, met) => lines.push({ what, target, measured, met });

function seconds(cell) {
  const [value, unit] = cell.trim().split(' ');
  return unit === 'ms' ? Number(value) / 1000 : Number(value);
}

(async () => {
  for (const file of fs.readdirSync(dist).filter((f) => f.endsWith('.wasm'))) {
    const raw = fs.statSync(path.join(dist, file)).size;
    const gzipped = zlib.gzipSync(fs.readFileSync(path.join(dist, file)), { level: 9 }).length;
    const app = !file.startsWith('runner');
    line(`${app ? 'app' : 'runner'} wasm size (${file})`, app ? '<= 500 KB gzipped' : 'reported',
      `${(raw / 1024).toFixed(0)} KB raw, ${(gzipped / 1024).toFixed(0)} KB gzipped`, app ? gzipped <= 500 * 1024 : true);
  }

  const server = await concurServe();
  const { page, close } = await browser();
  try {
    await open(page, server.url);
    const firstRender = await page.evaluate(() => performance.getEntriesByName('concur-first-render')[0].startTime);
    line('navigation to first rendered page, localhost', 'reported', `${firstRender.toFixed(0)} ms`, true);
    await setUp(page, 'cpu-sqrt', { workers: 2, tasks: 4, n: N, runs: 3, warmup: 1 });
    for (const model of ['threads-gil', 'processes', 'async']) await page.uncheck(`#model-${model}`);
    const rows = await run(page);
    const browserSequential = seconds(rows.find((r) => r.model === 'sequential').cells[2]);
    const browserFree = seconds(rows.find((r) => r.model === 'threads-free').cells[2]);
    const native = JSON.parse(execFileSync(bin, ['run', 'cpu-sqrt', '--models', 'sequential', '--n', String(N),
      '--tasks', '4', '--runs', '3', '--warmup', '1', '--json', '--quiet']));
    const nativeSequential = native.results[0].wall_s.median;
    const wasmRatio = browserSequential / nativeSequential;
    line('single-thread cpu-sqrt: wasm / native', '<= 1.50', `${wasmRatio.toFixed(2)} (${browserSequential.toFixed(3)} s vs ${nativeSequential.toFixed(3)} s)`, wasmRatio <= 1.5);
    const speedup = browserSequential / browserFree;
    line('browser threads-free, 2 workers, over browser sequential', '>= 1.70x', `${speedup.toFixed(2)}x`, speedup >= 1.7);
  } finally {
    await close();
    await server.stop();
  }
  const width = Math.max(...lines.map((l) => l.what.length));
  const targetWidth = Math.max(...lines.map((l) => l.target.length));
  console.log(`concur playground bench (headless Chromium); ratios from this one run\n`);
  for (const l of lines) console.log(`${l.what.padEnd(width)}  target ${l.target.padEnd(targetWidth)}  measured ${l.measured}  ${l.met ? 'met' : 'MISSED'}`);
  const missed = lines.filter((l) => !l.met).length;
  console.log(`\n${lines.length - missed} of ${lines.length} targets met${missed ? ' (a shared, busy machine can miss; run again to compare)' : ''}`);
  assert.ok(lines.length >= 4);
})().catch((error) => { console.error(error); process.exit(1); });
