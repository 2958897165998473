'use strict';
// Whole programs: the npm workloads of __test__/npm (its packages.json), each run as a program in
// fresh processes, on V8 and on wasm-rt (lib/cli/preload.js, as `wasm-rt compare` runs it). The
// packages are installed into bench/out/npm-programs at bench time. wasm-rt's "first run" starts
// with an empty code cache; "warm" runs come after the tier-up helper has left cranelift's code
// there. Time is the process's wall time, memory its peak RSS: of the program's main process
// only (esbuild-wasm's service, a child process that is killed at the end, reports none).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');
const { median, quick } = require('../measure');

const ROOT = path.join(__dirname, '..', '..');
const WORKLOADS = path.join(ROOT, '__test__', 'npm');
const PACKAGES = JSON.parse(fs.readFileSync(path.join(WORKLOADS, 'packages.json'), 'utf8'));
const DIR = path.join(__dirname, '..', 'out', 'npm-programs');
const PRELOAD = path.join(ROOT, 'lib', 'cli', 'preload.js');
const MAX_RSS = path.join(__dirname, '..', 'max-rss.js');
const REPEATS = quick ? 1 : 3;
const TIER_UP_LIMIT_MS = 5 * 60_000;

const installed = (spec) => {
  const at = spec.lastIndexOf('@');
  const manifest = path.join(DIR, 'node_modules', spec.slice(0, at), 'package.json');
  return fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).version === spec.slice(at + 1);
};

function install() {
  fs.mkdirSync(DIR, { recursive: true });
  const specs = Object.values(PACKAGES);
  if (!specs.every((p) => installed(p.spec))) {
    // As the spec installs them: npm drops what a fresh package.json does not name, and refuses
    // an install beside a wasm32 package unless forced, so both steps name every package; npm
    // fetches only the missing ones.
    fs.writeFileSync(path.join(DIR, 'package.json'), '{"private": true}');
    for (const wasm32 of [false, true]) {
      const args = ['install', '--no-audit', '--no-fund', '--silent', '--ignore-scripts', ...(wasm32 ? ['--cpu=wasm32', '--force'] : [])];
      execFileSync('npm', [...args, ...specs.filter((p) => p.wasm32 === wasm32).map((p) => p.spec)], { cwd: DIR, stdio: ['ignore', process.stderr, 'inherit'] });
    }
  }
  for (const file of Object.keys(PACKAGES)) fs.copyFileSync(path.join(WORKLOADS, file), path.join(DIR, file));
}

/** One process of the program: its wall time (ms), its peak RSS (MB), its stdout. */
function runProgram(engine, file, cacheDir) {
  const env = { ...process.env };
  // Tier-up as by default.
  delete env.WASM_RT_TIER_UP;
  const preloads = engine === 'v8' ? [MAX_RSS] : [PRELOAD, MAX_RSS];
  if (engine !== 'v8') {
    // The Node processes the program starts run on wasm-rt too, as under `wasm-rt compare`.
    env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --require ${JSON.stringify(PRELOAD)}`.trim();
    env.WASM_RT_CACHE_DIR = cacheDir;
  }
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [...preloads.flatMap((p) => ['-r', p]), file], { cwd: DIR, env, encoding: 'utf8', maxBuffer: 1 << 26, timeout: 600_000 });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  // Its worker threads may report too, the same process's figure so far.
  const rss = [...r.stderr.matchAll(/max-rss-kb (\d+)/g)].map((m) => Number(m[1]));
  if (r.status !== 0 || rss.length === 0) {
    throw new Error(`program ${file} on ${engine}: exit ${r.status}${r.signal ? ` (${r.signal})` : ''}\n${r.stderr.slice(-2000)}`);
  }
  return { ms, mb: Math.max(...rss) / 1024, stdout: r.stdout };
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Waits until the tier-up helper has no job left in the cache and does not hold its lock. */
function waitForTierUp(cacheDir, file) {
  const dir = path.join(cacheDir, 'tier-up');
  const deadline = Date.now() + TIER_UP_LIMIT_MS;
  for (;;) {
    const names = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
    const lock = path.join(dir, 'lock');
    const free = !names.includes('lock') || spawnSync('flock', ['-n', lock, 'true']).status === 0;
    if (free && !names.some((n) => n.endsWith('.job'))) {
      const failed = names.filter((n) => n.endsWith('.failed'));
      if (failed.length > 0) process.stderr.write(`bench programs: ${file}: tier-up failed for ${failed.length} module(s)\n`);
      return;
    }
    if (Date.now() > deadline) throw new Error(`program ${file}: the tier-up helper did not finish within ${TIER_UP_LIMIT_MS / 1000} s`);
    sleep(200);
  }
}

module.exports = function run() {
  install();
  const rows = [];
  for (const file of Object.keys(PACKAGES)) {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-bench-cache-'));
    const v8 = [];
    const warm = [];
    let first;
    let expected;
    const check = (run, engine) => {
      expected ??= run.stdout;
      if (run.stdout !== expected) throw new Error(`program ${file}: stdout on ${engine} differs from V8's\n--- v8\n${expected.slice(-2000)}\n--- ${engine}\n${run.stdout.slice(-2000)}`);
      return run;
    };
    try {
      // The engines take turns, so that a slow moment of the machine falls on both.
      for (let r = 0; r < REPEATS; r++) {
        v8.push(check(runProgram('v8', file), 'v8'));
        if (r === 0) first = check(runProgram('wasm-rt', file, cacheDir), 'wasm-rt (first run)');
        waitForTierUp(cacheDir, file);
        warm.push(check(runProgram('wasm-rt', file, cacheDir), 'wasm-rt (warm)'));
      }
      waitForTierUp(cacheDir, file);
    } finally {
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
    const of = (runs, key) => median(runs.map((r) => r[key]));
    for (const [key, unit, what] of [
      ['ms', 'ms', 'time'],
      ['mb', 'MB', 'peak memory'],
    ]) {
      rows.push({ case: `program ${file} ${what}, first run`, unit, v8: of(v8, key), 'wasm-rt': first[key] });
      rows.push({ case: `program ${file} ${what}, warm`, unit, v8: of(v8, key), 'wasm-rt': of(warm, key) });
    }
  }
  return rows;
};
