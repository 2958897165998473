'use strict';
// `npm run bench`: every case on V8 and on wasm-rt in one run, side by side, with the ratio
// wasm-rt / V8 of the medians (above 1: wasm-rt takes longer or uses more). Each section runs in
// a Node process of its own. Writes bench/out/report.json.
//   node bench/run.js [section...]     sections: calls, instantiate, compile, compute, memory, wasi, startup, termination, programs
//   BENCH_QUICK=1 node bench/run.js    smaller sizes, for trying the harness out
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const SECTIONS = ['calls', 'instantiate', 'compile', 'compute', 'memory', 'wasi', 'startup', 'termination', 'programs'];

if (process.argv[2] === '--section') {
  Promise.resolve(require(`./cases/${process.argv[3]}`)()).then((rows) => process.stdout.write(JSON.stringify(rows)));
  return;
}

const chosen = process.argv.slice(2);
for (const s of chosen) if (!SECTIONS.includes(s)) throw new Error(`bench: unknown section '${s}' (${SECTIONS.join(', ')})`);

const fmt = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const geomean = (xs) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);

const started = Date.now();
const rows = [];
for (const section of chosen.length > 0 ? chosen : SECTIONS) {
  const t = Date.now();
  const out = execFileSync(process.execPath, [__filename, '--section', section], { maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'inherit'] });
  const got = JSON.parse(out).map((r) => ({ section, ...r, ratio: r['wasm-rt'] / r.v8 }));
  rows.push(...got);
  console.log(`\n## ${section} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  console.log(`${'case'.padEnd(52)} ${'unit'.padEnd(8)} ${'V8'.padStart(9)} ${'wasm-rt'.padStart(9)}  wasm-rt/V8`);
  for (const r of got) {
    console.log(`${r.case.padEnd(52)} ${r.unit.padEnd(8)} ${fmt(r.v8).padStart(9)} ${fmt(r['wasm-rt']).padStart(9)}  ${r.ratio.toFixed(2)}×`);
  }
}

const find = (name) => rows.find((r) => r.case === name);
const targets = [];
const target = (what, value, goal, met) => targets.push({ what, value, goal, met });
if (find('call add(i32,i32)')) {
  const add = find('call add(i32,i32)')['wasm-rt'];
  target('JS→wasm add(i32,i32)', `${fmt(add)} ns`, '≤ 95 ns', add <= 95);
  const imp = find('wasm→JS import (i32)→i32, loop in wasm')['wasm-rt'];
  target('wasm→JS import (i32)→i32', `${fmt(imp)} ns`, '≤ 150 ns', imp <= 150);
}
for (const compiler of ['cranelift', 'singlepass']) {
  const kernels = rows.filter((r) => r.section === 'compute' && r.case.endsWith(` [${compiler}]`));
  if (kernels.length === 0) continue;
  const speed = geomean(kernels.map((r) => r.v8 / r['wasm-rt']));
  const goal = compiler === 'cranelift' ? 1.0 : null;
  target(`compute speed vs V8, geometric mean, ${compiler}`, `${speed.toFixed(2)}×`, goal ? `≥ ${goal.toFixed(1)}×` : '(no target)', goal ? speed >= goal : null);
}
for (const [label, goal] of [['timeout', 1.05], ['fuel', 1.3]]) {
  const limited = rows.filter((r) => r.section === 'compute' && r.case.endsWith(`[cranelift, ${label}]`));
  if (limited.length === 0) continue;
  const plain = (r) => find(r.case.replace(`[cranelift, ${label}]`, '[cranelift]'))['wasm-rt'];
  const cost = geomean(limited.map((r) => r['wasm-rt'] / plain(r)));
  target(`cranelift with a ${label} vs without, C kernels, geometric mean`, `${cost.toFixed(3)}×`, `≤ ${goal}×`, cost <= goal);
}
const first = rows.find((r) => /^to first call large .*\[singlepass\]$/.test(r.case));
if (first) target('singlepass time to first call, large module', `${fmt(first['wasm-rt'])} ms (V8 ${fmt(first.v8)} ms)`, '≤ V8', first['wasm-rt'] <= first.v8);

const startup = (kind, unit = 'ms') => rows.filter((r) => r.section === 'startup' && r.unit === unit && r.case.endsWith(kind));
for (const [kind, goal] of [['cold cache', 25], ['second run', 3], ['after tier-up', 1.5]]) {
  const list = startup(kind);
  if (list.length === 0) continue;
  const ratio = geomean(list.map((r) => r.ratio));
  target(`start-up to a compiled Module, ${kind}, geometric mean vs V8`, `${ratio.toFixed(2)}×`, `≤ ${goal}×`, ratio <= goal);
}
for (const kind of ['cold cache', 'second run', 'after tier-up']) {
  const list = startup(kind, 'MB');
  if (list.length === 0) continue;
  const worst = list.reduce((a, b) => (b.ratio > a.ratio ? b : a));
  target(`peak memory to a compiled Module, ${kind}, worst module vs V8`, `${worst.ratio.toFixed(2)}× (${worst.case.replace(/^peak memory (\S+).*$/, '$1')})`, '≤ 2×', worst.ratio <= 2);
}
const programs = (kind, unit) => rows.filter((r) => r.section === 'programs' && r.unit === unit && r.case.endsWith(kind));
const warmTimes = programs('time, warm', 'ms');
if (warmTimes.length > 0) {
  const ratio = geomean(warmTimes.map((r) => r.ratio));
  target('whole npm programs, warm, time geometric mean vs V8', `${ratio.toFixed(2)}×`, '≤ 1.5×', ratio <= 1.5);
  const peaks = programs('peak memory, warm', 'MB');
  const worst = peaks.reduce((a, b) => (b.ratio > a.ratio ? b : a));
  target('whole npm programs, warm, peak memory, worst program vs V8', `${worst.ratio.toFixed(2)}× (${worst.case.replace(/^program (\S+).*$/, '$1')})`, '≤ 2×', worst.ratio <= 2);
  target('whole npm programs, warm, peak memory within 2× of V8', `${peaks.filter((r) => r.ratio <= 2).length} of ${peaks.length}`, '(no target)', null);
  // The first run compiles every function before the program starts (bench/README.md).
  const firsts = programs('peak memory, first run', 'MB');
  target('whole npm programs, first run, peak memory within 2× of V8', `${firsts.filter((r) => r.ratio <= 2).length} of ${firsts.length}`, '(no target)', null);
}
const limits = find('WPT limits.any.js, whole file, empty cache');
if (limits) {
  target('WPT limits.any.js time vs V8', `${limits.ratio.toFixed(2)}×`, '≤ 1.5×', limits.ratio <= 1.5);
  const peak = find('WPT limits.any.js, peak memory');
  target('WPT limits.any.js peak memory vs V8', `${peak.ratio.toFixed(2)}×`, '≤ 2×', peak.ratio <= 2);
}
const distinct = rows.find((r) => r.case.startsWith('distinct modules compiled and dropped'));
if (distinct) target('distinct modules compiled and dropped, peak RSS vs V8', `${distinct.ratio.toFixed(2)}×`, '≤ 2×', distinct.ratio <= 2);
const wasiRows = rows.filter((r) => r.section === 'wasi');
for (const r of wasiRows) target(`${r.case} vs node:wasi`, `${r.ratio.toFixed(2)}×`, '≤ 1.0×', r.ratio <= 1.0);

console.log('\n## targets');
for (const t of targets) console.log(`${t.met === null ? '-   ' : t.met ? 'met ' : 'MISS'} ${t.what}: ${t.value} (target ${t.goal})`);
const seconds = (Date.now() - started) / 1000;
console.log(`\nbench: ${rows.length} cases in ${seconds.toFixed(0)} s`);

const report = {
  date: new Date().toISOString(),
  node: process.version,
  v8: process.versions.v8,
  cpus: os.cpus().length,
  cpu: os.cpus()[0]?.model,
  quick: process.env.BENCH_QUICK === '1',
  seconds,
  rows,
  targets,
};
fs.mkdirSync(path.join(__dirname, 'out'), { recursive: true });
fs.writeFileSync(path.join(__dirname, 'out', 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log('report: bench/out/report.json');
