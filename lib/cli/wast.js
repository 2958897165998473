'use strict';
// `wasm-rt wast`: the core spec's .wast scripts on several engines (by default V8 and wasm-rt;
// lib/cli/engine-spec.js names the others) through the same JS API, one child process per file
// and engine (lib/cli/wast-child.js); each command is a case, named by its line, of the table,
// differences, expectations (conformance/expectations/wast.json) and report of lib/cli/suite-report.js.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { wastCommands } = require('../native');
const { runChild } = require('./child');
const { parseArgv, suiteOptions, suiteValues, besideProject, parseCommandLine } = require('./options');
const { ENGINE_OPTIONS, ENGINES_USAGE, enginesFromOptions, childOf, runtimesOf } = require('./engine-spec');
const report = require('./suite-report');
const { pool } = require('./pool');

const CHILD = path.join(__dirname, 'wast-child.js');

const USAGE = `usage: wasm-rt wast [options] [FILE|DIR...]
  FILE|DIR                   .wast scripts, or folders searched for them (default: $WAST_DIR, else
                             ../shared/suites/webassembly-spec/test/core beside the project)
  --if-present               without scripts, print a note and exit 0
${ENGINES_USAGE}
  --filter SUBSTR            only scripts whose path contains SUBSTR
  --jobs N                   parallel child processes (default: number of CPUs)
  --timeout MS               per script and engine (default: 120000)
  --json FILE                JSON report (default: wast-report.json)
  --html FILE                also an HTML page of the report: the matrix of scripts by engines
                             and the commands where they disagree
  --update-expectations      rewrite conformance/expectations/wast.json from this run, for each
                             engine it lists
Every action runs through a small wrapper module that checks the results in wasm (v128 and NaN
bits included). Text-format assertions (module quote) test a text parser, not an engine: they
are counted apart, as are commands this runner cannot express (host references, threads).
Exit code 1 when an engine fails a command conformance/expectations/wast.json does not list for
it, or passes one it lists.`;

const OPTIONS = {
  ...ENGINE_OPTIONS,
  ...suiteOptions({ timeout: '120000', json: 'wast-report.json' }),
};

function parse(argv) {
  const { values, positionals } = parseArgv(argv, OPTIONS, true);
  const { engines, specs } = enginesFromOptions(values);
  const suite = process.env.WAST_DIR || besideProject('webassembly-spec', 'test', 'core');
  const roots = positionals.length > 0 ? positionals : suite ? [suite] : [];
  const common = suiteValues(values);
  return { roots, engines, specs, expectations: report.expectationsOfRun('wast', engines, common.update), ...common };
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

const ended = (status, message) => ({ status, message, cases: [] });
const base64 = (_, v) => (v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : v);

/**
 * The scripts' commands for the children, each script parsed here once, when its first run starts
 * (the parser is in the addon, which Bun and Deno do not load), into a file in `dir` that goes when
 * its last run ends: `take(file)` gives `{ commands }` (the file's path) or `{ error }`.
 */
function commandFiles(dir, runsPerScript) {
  const scripts = new Map();
  return {
    take(file) {
      let s = scripts.get(file);
      if (!s) {
        s = { left: runsPerScript };
        try {
          const commands = path.join(dir, `${scripts.size}.json`);
          fs.writeFileSync(commands, JSON.stringify(wastCommands(fs.readFileSync(file, 'utf8')), base64));
          s.commands = commands;
        } catch (e) {
          s.error = `${e?.constructor?.name ?? typeof e}: ${e?.message ?? String(e)}`;
        }
        scripts.set(file, s);
      }
      return s;
    },
    done(file) {
      const s = scripts.get(file);
      if (--s.left === 0 && s.commands) fs.rmSync(s.commands, { force: true });
    },
  };
}

/** One script (its commands file) on one engine as a run of lib/cli/suite-report.js: each command a case named by its line. */
async function runScript(commands, engine, timeoutMs) {
  const r = await runChild({ script: CHILD, ...childOf(engine), args: [JSON.stringify({ engine: engine.kind, commands })], stdout: 'ignore', timeoutMs, tail: 4000 });
  if (r.timedOut) return ended('TIMEOUT', `timed out after ${timeoutMs} ms`);
  if (r.spawnError) return ended('CRASH', `could not start: ${r.spawnError.message}`);
  if (!r.message) return ended('CRASH', `crashed (${r.signal ?? `exit code ${r.code}`}): ${r.stderr.trim().split('\n').pop() ?? ''}`);
  // A script the child could not read or parse.
  if (!r.message.ok) return ended('CRASH', r.message.error);
  const { results } = r.message;
  return {
    status: 'OK',
    message: null,
    cases: results.filter((c) => c.type !== 'skip').map((c) => ({ name: String(c.line), status: c.ok ? 'PASS' : 'FAIL', message: c.message, type: c.type })),
    skipped: results.filter((c) => c.type === 'skip' && !c.text).length,
    text: results.filter((c) => c.type === 'skip' && c.text).length,
  };
}

/** The command type of a case, from the first engine that failed it (or ran it). */
const typeOf = (c, engines) => (engines.map((e) => c[e]).find((x) => x.status === 'FAIL') ?? engines.map((e) => c[e]).find((x) => x.type))?.type;

async function main(argv) {
  const out = (line) => process.stdout.write(`${line}\n`);
  const o = parseCommandLine('wast', USAGE, parse, argv);
  if (typeof o === 'number') return o;
  const files = scripts(o.roots, o.filter);
  if (files.length === 0) {
    const where = o.roots.length > 0 ? `in ${o.roots.join(', ')}` : '(set WAST_DIR or pass a folder)';
    if (o.ifPresent) {
      out(`wast: no .wast scripts ${where}; skipped`);
      return 0;
    }
    process.stderr.write(`wasm-rt wast: no .wast scripts ${where}\n`);
    return 2;
  }
  const started = Date.now();
  const jobs = files.flatMap(([file, name]) => o.engines.map((engine) => ({ file, name, engine })));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-wast-'));
  const parsed = commandFiles(dir, o.engines.length);
  let runs;
  try {
    runs = await pool(jobs, o.jobs, async (j) => {
      const { commands, error } = parsed.take(j.file);
      const run = error ? ended('CRASH', error) : await runScript(commands, o.specs[j.engine], o.timeoutMs);
      parsed.done(j.file);
      return { ...j, run };
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const results = files.map(([, name]) => report.lineUp(name, Object.fromEntries(runs.filter((r) => r.name === name).map((r) => [r.engine, r.run])), o.engines));
  // Commands not expressible here and text-format assertions are the script's, whichever engine read it.
  const apart = (r, key) => o.engines.map((e) => r.runs[e]).find((run) => run.status === 'OK')?.[key] ?? 0;
  const columns = { skipped: (r) => apart(r, 'skipped'), text: (r) => apart(r, 'text') };

  out(report.fileTable(results, o.engines, { first: 'script', columns }));
  const shown = { unit: 'commands', label: (c) => `line ${c.name} ${typeOf(c, o.engines)}` };
  for (const line of report.differenceLines(results, o.engines, shown)) out(line);
  const verdicts = report.expectationsStep(out, 'wast', o.expectations, results, o.engines, o.update);

  const shared = report.reportOf('wast', results, o.engines, verdicts);
  const rows = results.map((r) => {
    const row = { file: r.file, total: r.cases.length, skipped: columns.skipped(r), text: columns.text(r) };
    for (const e of o.engines) row[e] = r.runs[e].status === 'OK' ? r.cases.filter((c) => c[e].status === 'PASS').length : `crashed: ${r.runs[e].message}`;
    return row;
  });
  const totals = { total: shared.summary.total, skipped: 0, text: 0, ...shared.summary.passed };
  for (const row of rows) {
    totals.skipped += row.skipped;
    totals.text += row.text;
  }
  const differences = results.flatMap((r) => r.cases.filter((c) => c.differs).map((c) => {
    const d = { file: r.file, line: Number(c.name), type: typeOf(c, o.engines) };
    for (const e of o.engines) d[e] = c[e].status === 'PASS' ? 'PASS' : (c[e].message ?? c[e].status);
    d.alone = c.alone;
    return d;
  }));
  // The verdicts as the earlier report gave them: line 0 is the script as a whole.
  const line = (name) => (name === report.RUN ? 0 : Number(name));
  const typeAt = (file, name) => typeOf(results.find((r) => r.file === file).cases.find((c) => c.name === name), o.engines);
  const unexpected = (shared.expectations?.unexpectedFailures ?? []).map((f) => ({ engine: f.engine, file: f.file, line: line(f.name), message: f.name === report.RUN ? f.message : `${typeAt(f.file, f.name)}: ${f.message ?? f.status}` }));
  const fixed = (shared.expectations?.unexpectedPasses ?? []).map((p) => ({ engine: p.engine, file: p.file, line: line(p.name) }));
  const seconds = (Date.now() - started) / 1000;
  const json = { ...shared, runtimes: runtimesOf(o.engines, o.specs), node: process.version, seconds, totals, rows, differences, unexpected, fixed };
  out('');
  report.finish(out, 'wast', o.json, json, `${files.length} scripts in ${seconds.toFixed(1)} s; ${totals.skipped} commands not expressible here, ${totals.text} text-format assertions counted apart`, { html: o.html, results, ...shown });
  return !o.update && report.unexpected(verdicts) ? 1 : 0;
}

module.exports = { main };
