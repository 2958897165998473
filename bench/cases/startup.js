'use strict';
// Start-up: time from bytes to a compiled WebAssembly.Module, each in a fresh process, for big
// modules from npm (installed into bench/out/npm at bench time; nothing of theirs is committed).
// wasm-rt runs its default (tiered): "cold" with an empty code cache (singlepass compiles), "second
// run" in the next process, after a first that only compiled (singlepass's code in the cache),
// "after tier-up" with cranelift's code in the cache, as the tier-up helper leaves it. Each row
// of time has one of the process's peak memory beside it.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');
const { median, quick } = require('../measure');

const NPM_DIR = path.join(__dirname, '..', 'out', 'npm');
const MODULES = [
  { pkg: 'lightningcss-wasm@1.33.0', file: 'lightningcss-wasm/lightningcss_node.wasm' },
  { pkg: '@swc/wasm@1.16.18', file: '@swc/wasm/wasm_bg.wasm' },
  { pkg: 'esbuild-wasm@0.28.2', file: 'esbuild-wasm/esbuild.wasm' },
  { pkg: '@ruby/3.4-wasm-wasi@2.10.1', file: '@ruby/3.4-wasm-wasi/dist/ruby+stdlib.wasm' },
  { pkg: 'sql.js@1.17.0', file: 'sql.js/dist/sql-wasm.wasm' },
  { pkg: '@biomejs/wasm-nodejs@2.5.14', file: '@biomejs/wasm-nodejs/biome_wasm_bg.wasm' },
];
const REPEATS = quick ? 1 : 3;
const INDEX = path.join(__dirname, '..', '..', 'index.js');

function install() {
  fs.mkdirSync(NPM_DIR, { recursive: true });
  const missing = MODULES.filter((m) => !fs.existsSync(path.join(NPM_DIR, 'node_modules', m.file)));
  if (missing.length === 0) return;
  fs.writeFileSync(path.join(NPM_DIR, 'package.json'), '{"private": true}');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', '--ignore-scripts', ...missing.map((m) => m.pkg)], { cwd: NPM_DIR, stdio: 'inherit' });
}

/** Milliseconds to a compiled Module in a fresh process, and that process's peak memory (MB). */
function timeInChild(engine, file, env = {}) {
  const compile = engine === 'v8' ? 'new WebAssembly.Module(bytes)' : `new (require(${JSON.stringify(INDEX)}).WebAssembly.Module)(bytes)`;
  const script = `const bytes = require('fs').readFileSync(${JSON.stringify(file)});
    ${engine === 'v8' ? '' : `require(${JSON.stringify(INDEX)});`}
    const t = process.hrtime.bigint(); ${compile}; console.log(Number(process.hrtime.bigint() - t) / 1e6, process.resourceUsage().maxRSS / 1024);`;
  // No tier-up helper: its compile would run beside the next measurement.
  const [ms, mb] = execFileSync(process.execPath, ['-e', script], { env: { ...process.env, WASM_RT_TIER_UP: 'off', ...env }, encoding: 'utf8' }).trim().split(' ').map(Number);
  return { ms, mb };
}

// WPT's limits.any.js compiles modules at each of the JS API's limits (1 GiB, a million
// functions, types, globals...): the whole file, in a fresh process with an empty cache.
const SUITE = path.resolve(process.env.WPT_DIR || path.join(__dirname, '..', '..', '..', 'shared', 'suites', 'webassembly-spec'));

function limitsFile(engine) {
  const job = {
    engine,
    harness: path.join(SUITE, 'test', 'harness', 'testharness.js'),
    scripts: ['wasm-module-builder.js', 'limits.any.js'].map((f) => path.join(SUITE, 'test', 'js-api', f)),
    softTimeoutMs: 600_000,
  };
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-bench-cache-'));
  const t = Date.now();
  const r = spawnSync(process.execPath, ['-r', path.join(__dirname, '..', 'max-rss.js'), path.join(__dirname, '..', '..', 'lib', 'cli', 'wpt', 'child.js'), JSON.stringify(job)], {
    env: { ...process.env, WASM_RT_CACHE_DIR: cacheDir },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const ms = Date.now() - t;
  fs.rmSync(cacheDir, { recursive: true, force: true });
  const rss = /max-rss-kb (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !rss) throw new Error(`limits.any.js on ${engine}: exit ${r.status}\n${r.stderr.slice(-2000)}`);
  return { ms, mb: Number(rss[1]) / 1024 };
}

function limitsRows() {
  if (quick || !fs.existsSync(path.join(SUITE, 'test', 'js-api', 'limits.any.js'))) return [];
  const v8 = limitsFile('v8');
  const rt = limitsFile('wasm-rt');
  return [
    { case: 'WPT limits.any.js, whole file, empty cache', unit: 's', v8: v8.ms / 1000, 'wasm-rt': rt.ms / 1000 },
    { case: 'WPT limits.any.js, peak memory', unit: 'MB', v8: v8.mb, 'wasm-rt': rt.mb },
  ];
}

module.exports = function run() {
  install();
  const rows = [];
  for (const m of MODULES) {
    const file = path.join(NPM_DIR, 'node_modules', m.file);
    const name = path.basename(m.file);
    const size = `${(fs.statSync(file).size / 1e6).toFixed(1)} MB`;
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-bench-cache-'));
    const v8 = [];
    const cold = [];
    const second = [];
    for (let r = 0; r < REPEATS; r++) {
      v8.push(timeInChild('v8', file));
      fs.rmSync(cacheDir, { recursive: true, force: true });
      cold.push(timeInChild('wasm-rt', file, { WASM_RT_CACHE_DIR: cacheDir }));
      second.push(timeInChild('wasm-rt', file, { WASM_RT_CACHE_DIR: cacheDir }));
    }
    // Fill the cache with cranelift's code, as the tier-up helper does.
    execFileSync(process.execPath, ['-e', `require(${JSON.stringify(INDEX)}).compileSync(require('fs').readFileSync(${JSON.stringify(file)}), { compiler: 'cranelift' })`], {
      env: { ...process.env, WASM_RT_CACHE_DIR: cacheDir },
    });
    const warm = [];
    for (let r = 0; r < REPEATS; r++) warm.push(timeInChild('wasm-rt', file, { WASM_RT_CACHE_DIR: cacheDir }));
    fs.rmSync(cacheDir, { recursive: true, force: true });
    const of = (runs, key) => median(runs.map((r) => r[key]));
    for (const [key, unit, what] of [
      ['ms', 'ms', 'start-up'],
      ['mb', 'MB', 'peak memory'],
    ]) {
      rows.push({ case: `${what} ${name} (${size}) cold cache`, unit, v8: of(v8, key), 'wasm-rt': of(cold, key) });
      rows.push({ case: `${what} ${name} (${size}) second run`, unit, v8: of(v8, key), 'wasm-rt': of(second, key) });
      rows.push({ case: `${what} ${name} (${size}) after tier-up`, unit, v8: of(v8, key), 'wasm-rt': of(warm, key) });
    }
  }
  rows.push(...limitsRows());
  return rows;
};
