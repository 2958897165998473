'use strict';
// `wasm-rt wast`: the core spec's .wast scripts on several engines (by default V8 and wasm-rt;
// lib/cli/engine-spec.js names the others) through the same JS API, one child process per file
// and engine (lib/cli/wast-child.js), with every command whose result differs between them, a per-file table, a JSON report, and wast/expectations.json for
// wasm-rt's known failures.
const fs = require('node:fs');
const path = require('node:path');
const { runChild } = require('./child');
const { parseArgv, suiteOptions, suiteValues, besideProject, parseCommandLine } = require('./options');
const { ENGINE_OPTIONS, ENGINES_USAGE, enginesFromOptions, childOf, runtimesOf, aloneOf, aloneLine } = require('./engine-spec');
const { pool } = require('./pool');

const CHILD = path.join(__dirname, 'wast-child.js');
const EXPECTATIONS = path.join(__dirname, '..', '..', 'wast', 'expectations.json');

const USAGE = `usage: wasm-rt wast [options] [FILE|DIR...]
  FILE|DIR                   .wast scripts, or folders searched for them (default: $WAST_DIR, else
                             ../shared/suites/webassembly-spec/test/core beside the project)
  --if-present               without scripts, print a note and exit 0
${ENGINES_USAGE}
  --filter SUBSTR            only scripts whose path contains SUBSTR
  --jobs N                   parallel child processes (default: number of CPUs)
  --timeout MS               per script and engine (default: 120000)
  --json FILE                JSON report (default: wast-report.json)
Every action runs through a small wrapper module that checks the results in wasm (v128 and NaN
bits included). Text-format assertions (module quote) test a text parser, not an engine: they
are counted apart, as are commands this runner cannot express (host references, threads).
Exit code 1 when wasm-rt fails a command wast/expectations.json does not list.`;

const OPTIONS = {
  ...ENGINE_OPTIONS,
  ...suiteOptions({ timeout: '120000', json: 'wast-report.json' }),
};

function parse(argv) {
  const { values, positionals } = parseArgv(argv, OPTIONS, true);
  const { engines, specs } = enginesFromOptions(values);
  const suite = process.env.WAST_DIR || besideProject('webassembly-spec', 'test', 'core');
  const roots = positionals.length > 0 ? positionals : suite ? [suite] : [];
  return { roots, engines, specs, ...suiteValues(values) };
}

/** The .wast files under `roots`, sorted, as [absolute path, name relative to its root]. */
function scripts(roots, filter) {
  const found = [];
  for (const root of roots) {
    const stat = fs.statSync(root, { throwIfNoEntry: false });
    if (!stat) continue;
    if (stat.isFile()) {
      found.push([path.resolve(root), path.basename(root)]);
      continue;
    }
    (function walk(dir) {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(p);
        else if (entry.name.endsWith('.wast')) found.push([p, path.relative(root, p)]);
      }
    })(root);
  }
  return found.filter(([, name]) => !filter || name.includes(filter));
}

/** One script on one engine: the child's report, or why there is none. */
async function runScript(file, engine, timeoutMs) {
  const r = await runChild({ script: CHILD, ...childOf(engine), args: [JSON.stringify({ engine: engine.kind, file })], stdout: 'ignore', timeoutMs, tail: 4000 });
  if (r.message) return r.message;
  if (r.timedOut) return { ok: false, error: `timed out after ${timeoutMs} ms` };
  if (r.spawnError) return { ok: false, error: `could not start: ${r.spawnError.message}` };
  return { ok: false, error: `crashed (${r.signal ?? `exit code ${r.code}`}): ${r.stderr.trim().split('\n').pop() ?? ''}` };
}

function loadExpectations() {
  return fs.existsSync(EXPECTATIONS) ? JSON.parse(fs.readFileSync(EXPECTATIONS, 'utf8')) : {};
}

/** A script's results on one engine: counts, and the failures by line. */
function summarize(run) {
  if (!run.ok) return { crashed: run.error, total: 0, passed: 0, skipped: 0, text: 0, failures: new Map() };
  const ran = run.results.filter((r) => r.type !== 'skip');
  const failures = new Map(ran.filter((r) => !r.ok).map((r) => [r.line, r]));
  return {
    crashed: null,
    total: ran.length,
    passed: ran.length - failures.size,
    skipped: run.results.filter((r) => r.type === 'skip' && !r.text).length,
    text: run.results.filter((r) => r.type === 'skip' && r.text).length,
    failures,
    skipReasons: run.results.filter((r) => r.type === 'skip' && !r.text).map((r) => r.reason),
  };
}

async function main(argv) {
  const o = parseCommandLine('wast', USAGE, parse, argv);
  if (typeof o === 'number') return o;
  const files = scripts(o.roots, o.filter);
  if (files.length === 0) {
    const where = o.roots.length > 0 ? `in ${o.roots.join(', ')}` : '(set WAST_DIR or pass a folder)';
    if (o.ifPresent) {
      process.stdout.write(`wast: no .wast scripts ${where}; skipped\n`);
      return 0;
    }
    process.stderr.write(`wasm-rt wast: no .wast scripts ${where}\n`);
    return 2;
  }
  const started = Date.now();
  const jobs = files.flatMap(([file, name]) => o.engines.map((engine) => ({ file, name, engine })));
  const runs = await pool(jobs, o.jobs, async (j) => ({ ...j, run: await runScript(j.file, o.specs[j.engine], o.timeoutMs) }));
  const expectations = loadExpectations();

  const rows = [];
  const differences = [];
  const unexpected = [];
  const fixed = [];
  const totals = { total: 0, skipped: 0, text: 0, ...Object.fromEntries(o.engines.map((e) => [e, 0])) };
  for (const [, name] of files) {
    const by = Object.fromEntries(o.engines.map((e) => [e, summarize(runs.find((r) => r.name === name && r.engine === e).run)]));
    const any = by[o.engines[0]];
    const row = { file: name, total: Math.max(...o.engines.map((e) => by[e].total)), skipped: any.skipped, text: any.text };
    for (const e of o.engines) {
      row[e] = by[e].crashed ? `crashed: ${by[e].crashed}` : by[e].passed;
      totals[e] += by[e].passed;
    }
    totals.total += row.total;
    totals.skipped += row.skipped;
    totals.text += row.text;
    rows.push(row);
    if (o.engines.length > 1) {
      const lines = new Set(o.engines.flatMap((e) => [...by[e].failures.keys()]));
      for (const line of [...lines].sort((a, b) => a - b)) {
        const failed = o.engines.map((e) => by[e].failures.get(line));
        if (failed.every(Boolean) || !failed.some(Boolean)) continue;
        const d = { file: name, line, type: failed.find(Boolean).type };
        o.engines.forEach((e, i) => (d[e] = failed[i]?.message ?? 'PASS'));
        d.alone = aloneOf(o.engines, (e) => d[e] === 'PASS');
        differences.push(d);
      }
    }
    if (by['wasm-rt']) {
      const expected = expectations[name];
      const listed = new Set(expected?.fail ?? []);
      const rt = by['wasm-rt'];
      if (rt.crashed && !expected?.crash) unexpected.push({ file: name, line: 0, message: rt.crashed });
      for (const [line, f] of rt.failures) if (!listed.has(line)) unexpected.push({ file: name, line, message: `${f.type}: ${f.message}` });
      for (const line of listed) if (!rt.crashed && !rt.failures.has(line)) fixed.push({ file: name, line });
    }
  }

  const width = Math.max(...rows.map((r) => r.file.length), 8);
  process.stdout.write(`${'script'.padEnd(width)}  ${'cmds'.padStart(5)}  ${o.engines.map((e) => e.padStart(8)).join('  ')}  skipped  text\n`);
  for (const r of rows) {
    process.stdout.write(`${r.file.padEnd(width)}  ${String(r.total).padStart(5)}  ${o.engines.map((e) => String(r[e]).padStart(8)).join('  ')}  ${String(r.skipped).padStart(7)}  ${String(r.text).padStart(4)}\n`);
  }
  if (differences.length > 0) {
    process.stdout.write(`\ndifferences (${differences.length}):\n`);
    const pad = Math.max(...o.engines.map((e) => e.length));
    for (const d of differences) process.stdout.write(`  ${d.file}:${d.line} ${d.type}${d.alone ? ` (alone: ${d.alone})` : ''}\n${o.engines.map((e) => `    ${e.padEnd(pad)} ${d[e]}\n`).join('')}`);
  }
  const alone = aloneLine(differences);
  if (alone) process.stdout.write(`${alone}\n`);
  if (unexpected.length > 0) {
    process.stdout.write(`\nwasm-rt failures not in wast/expectations.json (${unexpected.length}):\n`);
    for (const u of unexpected.slice(0, 200)) process.stdout.write(`  ${u.file}:${u.line} ${u.message}\n`);
  }
  if (fixed.length > 0) process.stdout.write(`\nlisted in wast/expectations.json but passing now (${fixed.length}): ${fixed.map((f) => `${f.file}:${f.line}`).join(', ')}\n`);
  const report = { engines: o.engines, runtimes: runtimesOf(o.engines, o.specs), node: process.version, seconds: (Date.now() - started) / 1000, totals, rows, differences, unexpected, fixed };
  fs.writeFileSync(o.json, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `\nreport: ${path.relative(process.cwd(), o.json)}; ${files.length} scripts in ${report.seconds.toFixed(1)} s; ` +
      `${totals.skipped} commands not expressible here, ${totals.text} text-format assertions counted apart\n` +
      `wast: ${o.engines.map((e) => `${e} ${totals[e]}/${totals.total}`).join(' ')} differ ${o.engines.length > 1 ? differences.length : '-'}\n`,
  );
  return unexpected.length > 0 ? 1 : 0;
}

module.exports = { main };
