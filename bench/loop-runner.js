'use strict';
// The driver shared by the loop benchmarks: each engine runs the loop in its own process (so
// the RSS is its own), then both results print side by side with the wasm-rt/v8 ratio.
// A benchmark file calls `runLoop(__filename, child, options)`; `child(engine, iterations, sync)`
// writes one JSON line `{ engine, ms, rssMiB, samples, peak? }` to stdout.
const { execFileSync } = require('node:child_process');

/** One engine's run of the loop in `file`, in a process of its own: its JSON line, parsed. */
function runChild(file, engine, iterations, sync) {
  return JSON.parse(execFileSync(process.execPath, [file, '--child', engine, String(iterations), sync ? 'sync' : 'async']));
}

function runLoop(file, child, { title, compare = 'rssMiB' }) {
  if (process.argv[2] === '--child') {
    child(process.argv[3], Number(process.argv[4]), process.argv[5] === 'sync');
    return;
  }
  const iterations = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 100000);
  const sync = process.argv.includes('--sync');
  const v8 = runChild(file, 'v8', iterations, sync);
  const rt = runChild(file, 'wasm-rt', iterations, sync);
  console.log(`${title(iterations)}, ${sync ? 'synchronous' : 'yielding every 1000'}`);
  for (const r of [v8, rt]) {
    const peak = r.peak === undefined ? '' : `  peak ${r.peak} MiB`;
    console.log(`${r.engine.padEnd(8)} ${(r.ms / 1000).toFixed(2)} s  final RSS ${r.rssMiB} MiB${peak}  samples ${r.samples.join(' ')}`);
  }
  const rss = compare === 'peak' ? 'peak RSS' : 'RSS';
  console.log(`ratio wasm-rt/v8: time ${(rt.ms / v8.ms).toFixed(2)}x  ${rss} ${(rt[compare] / v8[compare]).toFixed(2)}x`);
}

module.exports = { runLoop, runChild };
