'use strict';
// `npm run test:nodes [-- node@22 ...]`: the vitest suite under each other supported Node (by
// default 22, 24 and 26), installed from the npm registry by `wasm-rt engines add`. The addon is
// the one this checkout built; each test's V8 column is that Node's own V8. Prints a line per
// Node and exits 1 if any run failed.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { add } = require('../lib/cli/engines');

const root = path.join(__dirname, '..');
const names = process.argv.length > 2 ? process.argv.slice(2) : ['node@22', 'node@24', 'node@26'];
const summary = [];
let failed = false;
for (const name of names) {
  const { bin, reports } = add(name);
  const v8 = spawnSync(bin, ['-p', 'process.versions.v8'], { encoding: 'utf8' }).stdout.trim();
  console.log(`test:nodes: vitest on ${name} (${reports}, V8 ${v8})`);
  const t = Date.now();
  // The Node under test first on PATH: the processes tests start (node, npx) are that Node too.
  const env = { ...process.env, PATH: `${path.dirname(bin)}${path.delimiter}${process.env.PATH}` };
  const r = spawnSync(bin, [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run'], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 30 });
  process.stdout.write(r.stdout);
  const tests = r.stdout.replace(/\x1b\[[0-9;]*m/g, '').match(/^\s*Tests\s+(.*?)\s*$/m)?.[1] ?? 'no summary';
  summary.push(`${name} (${reports}, V8 ${v8}): ${r.status === 0 ? 'passed' : 'FAILED'}, ${tests}, ${Math.round((Date.now() - t) / 1000)} s`);
  failed ||= r.status !== 0;
}
for (const line of summary) console.log(`test:nodes: ${line}`);
process.exit(failed ? 1 : 0);
