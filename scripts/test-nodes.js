'use strict';
// `npm run test:nodes [-- [--conformance] node@22 ...]`: the vitest suite under each other
// supported Node (by default 22, 24 and 26), installed from the npm registry by `wasm-rt engines
// add`; with --conformance, the conformance steps of `npm test` (wpt, wasi-test, wast) as well,
// under the last Node named. The addon is the one this checkout built; each test's V8 column is
// that Node's own V8. Prints a line per run and exits 1 if any failed.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { add } = require('../lib/cli/engines');

const root = path.join(__dirname, '..');
const args = process.argv.slice(2);
const conformance = args.includes('--conformance');
const named = args.filter((a) => a !== '--conformance');
const names = named.length > 0 ? named : ['node@22', 'node@24', 'node@26'];
// oxlint-disable-next-line no-control-regex -- the escape sequences of colored output
const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');
const summary = [];
let failed = false;

/** Runs `argv` under the Node at `bin`, its output passed through; its exit status and stdout. */
function run(bin, argv) {
  // The Node under test first on PATH: the processes tests start (node, npx) are that Node too.
  const env = { ...process.env, PATH: `${path.dirname(bin)}${path.delimiter}${process.env.PATH}` };
  const r = spawnSync(bin, argv, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 30 });
  process.stdout.write(r.stdout);
  failed ||= r.status !== 0;
  return r;
}

names.forEach((name, i) => {
  const { bin, reports } = add(name);
  const v8 = spawnSync(bin, ['-p', 'process.versions.v8'], { encoding: 'utf8' }).stdout.trim();
  const label = `${name} (${reports}, V8 ${v8})`;
  console.log(`test:nodes: vitest on ${label}`);
  const t = Date.now();
  const r = run(bin, [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run']);
  const tests = strip(r.stdout).match(/^\s*Tests\s+(.*?)\s*$/m)?.[1] ?? 'no summary';
  summary.push(`${label}: vitest ${r.status === 0 ? 'passed' : 'FAILED'}, ${tests}, ${Math.round((Date.now() - t) / 1000)} s`);
  if (!conformance || i !== names.length - 1) return;
  for (const step of ['wpt', 'wasi-test', 'wast']) {
    const s = run(bin, [path.join(root, 'bin', 'wasm-rt.js'), step, '--if-present']);
    const line = strip(s.stdout).split('\n').filter((l) => l.startsWith(`${step}:`)).at(-1) ?? `${step}: no summary`;
    summary.push(`${label}: ${line}${s.status === 0 ? '' : ' (FAILED)'}`);
  }
});
for (const line of summary) console.log(`test:nodes: ${line}`);
process.exit(failed ? 1 : 0);
