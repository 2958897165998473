'use strict';
// `wasm-rt wasi-test`: runs the wasi-testsuite's preview1 programs on node:wasi and on
// wasm-rt side by side, each in a fresh process with its own copy of the test's directory,
// and checks them as the suite's doc/specification.md says (exit code, stdout/stderr prefix).
// Each program is a file of one case, "[run]", of lib/cli/suite-report.js's table, differences,
// expectations (conformance/expectations/wasi-test.json) and report.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { runChild } = require('./child');
const { UsageError, parseArgv, suiteOptions, suiteValues, besideProject, parseCommandLine } = require('./options');
const report = require('./suite-report');
const { pool } = require('./pool');

const BIN = path.join(__dirname, '..', '..', 'bin', 'wasm-rt.js');
// Each engine's column, and the `wasm-rt run --engine` that runs it.
const ENGINES = { node: 'v8', 'wasm-rt': 'wasm-rt' };

const USAGE = `usage: wasm-rt wasi-test [options]
  --tests DIR          the wasi-testsuite (a folder holding tests/<lang>/testsuite/wasm32-wasip1),
                       or a .tar.gz of it (default: $WASI_TESTSUITE, else
                       ../shared/suites/wasi-testsuite-wasip1.tar.gz beside the project)
  --if-present         without a suite, print a note and exit 0
  --filter SUBSTR      only tests whose name contains SUBSTR
  --jobs N             parallel runs (default: number of CPUs)
  --timeout MS         per test and engine (default: 60000)
  --json FILE          JSON report (default: wasi-test-report.json)
  --html FILE          also an HTML page of the report: the matrix of tests by engines and
                       each engine's message where they disagree
  --update-expectations
                       rewrite conformance/expectations/wasi-test.json from this run, for
                       each engine it lists
Exit code: 0 when every result is as conformance/expectations/wasi-test.json predicts for the
engines it lists, 1 otherwise, 2 on a usage or environment error.`;

function options(argv) {
  const { values } = parseArgv(argv, {
    tests: { type: 'string' },
    ...suiteOptions({ timeout: '60000', json: 'wasi-test-report.json' }),
  });
  const common = suiteValues(values);
  return {
    tests: values.tests ?? process.env.WASI_TESTSUITE ?? besideProject('wasi-testsuite-wasip1.tar.gz'),
    expectations: report.expectationsOfRun('wasi-test', Object.keys(ENGINES), common.update),
    ...common,
  };
}

/** The suite's root folder; a tarball is unpacked into a temporary folder first. */
function suiteRoot(given, scratch) {
  if (fs.statSync(given).isDirectory()) return given;
  const out = path.join(scratch, 'suite');
  fs.mkdirSync(out);
  const r = spawnSync('tar', ['-xzf', given, '-C', out]);
  if (r.status !== 0) throw new UsageError(`cannot unpack ${given}: ${r.stderr}`);
  return out;
}

function findTests(root, filter) {
  const tests = [];
  const langs = path.join(root, 'tests');
  for (const lang of fs.readdirSync(langs).sort()) {
    const dir = path.join(langs, lang, 'testsuite', 'wasm32-wasip1');
    if (!fs.existsSync(dir)) continue;
    for (const f of fs.readdirSync(dir).sort()) {
      if (!f.endsWith('.wasm')) continue;
      const name = `${lang}/${f.slice(0, -5)}`;
      if (filter && !name.includes(filter)) continue;
      const json = path.join(dir, `${f.slice(0, -5)}.json`);
      const spec = fs.existsSync(json) ? JSON.parse(fs.readFileSync(json, 'utf8')) : {};
      tests.push({ name, dir, wasm: path.join(dir, f), spec });
    }
  }
  return tests;
}

async function run(test, engine, scratch, timeoutMs) {
  const { spec } = test;
  const args = ['--no-warnings', BIN, 'run', '--engine', ENGINES[engine]];
  if (spec.root) {
    // Each run gets its own copy: programs create, rename and delete inside the root.
    const copy = fs.mkdtempSync(path.join(scratch, `${engine}-`));
    fs.cpSync(path.join(test.dir, spec.root), copy, { recursive: true, verbatimSymlinks: true });
    for (const f of fs.readdirSync(copy, { recursive: true })) {
      if (String(f).endsWith('.cleanup')) fs.rmSync(path.join(copy, String(f)), { recursive: true, force: true });
    }
    args.push('--dir', `${copy}::/`);
  }
  for (const [k, v] of Object.entries(spec.env || {})) args.push('--env', `${k}=${v}`);
  args.push(test.wasm, ...(spec.args || []));
  // Output goes to files: Node's 'pipe' stdio is a socket pair, which the socket tests would
  // take for a real socket (the suite's own runner gives pipes, not sockets).
  const outFile = path.join(scratch, `${engine}-${test.name.replace(/\W/g, '_')}.out`);
  const errFile = `${outFile}.err`;
  const fds = [fs.openSync(outFile, 'w'), fs.openSync(errFile, 'w')];
  const running = runChild({ args, cwd: test.dir, stdout: fds[0], stderr: fds[1], timeoutMs });
  fds.forEach((fd) => fs.closeSync(fd));
  const r = await running;
  const stdout = fs.readFileSync(outFile, 'utf8');
  const stderr = fs.readFileSync(errFile, 'utf8');
  const problems = [];
  const expected = spec.exit_code ?? 0;
  if (r.spawnError) problems.push(`could not start: ${r.spawnError.message}`);
  else if (r.signal) problems.push(`killed by ${r.signal}${r.timedOut ? ' (timeout)' : ''}`);
  else if (r.code !== expected) problems.push(`exit code ${r.code}, expected ${expected}`);
  if (spec.stdout != null && !stdout.startsWith(spec.stdout)) problems.push(`stdout ${JSON.stringify(stdout.slice(0, 200))}, expected ${JSON.stringify(spec.stdout)}`);
  if (spec.stderr != null && !stderr.startsWith(spec.stderr)) problems.push(`stderr does not start with ${JSON.stringify(spec.stderr)}`);
  return { pass: problems.length === 0, problems, code: r.code, stderr: stderr.slice(-2000) };
}

async function main(argv) {
  const o = parseCommandLine('wasi-test', USAGE, options, argv);
  if (typeof o === 'number') return o;
  if (!o.tests || !fs.existsSync(o.tests)) {
    if (o.ifPresent) {
      process.stdout.write('wasi-test: no suite given (--tests or WASI_TESTSUITE); skipped\n');
      return 0;
    }
    process.stderr.write(`wasm-rt wasi-test: no suite at ${o.tests ?? '(none given)'}\n${USAGE}\n`);
    return 2;
  }
  const out = (line) => process.stdout.write(`${line}\n`);
  const engines = Object.keys(ENGINES);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-wasi-test-'));
  try {
    const tests = findTests(suiteRoot(o.tests, scratch), o.filter);
    const runs = new Map();
    const started = Date.now();
    let done = 0;
    await pool(tests, o.jobs, async (t) => {
      const r = {};
      for (const engine of engines) r[engine] = await run(t, engine, scratch, o.timeoutMs);
      runs.set(t.name, r);
      done += 1;
      if (process.stderr.isTTY) process.stderr.write(`\r${done}/${tests.length} ${((Date.now() - started) / 1000).toFixed(0)} s ${t.name}\x1b[K`);
    });
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');

    // A failure's message ends with the start of its stderr (a Rust test's panic message).
    const message = (r) => (r.pass ? null : `${r.problems.join('; ')}${r.stderr.trim() ? `; stderr: ${r.stderr.trim()}` : ''}`);
    const asRun = (r) => ({ status: 'OK', message: null, cases: [{ name: report.RUN, status: r.pass ? 'PASS' : 'FAIL', message: message(r) }] });
    const results = tests.map((t) => report.lineUp(t.name, Object.fromEntries(engines.map((e) => [e, asRun(runs.get(t.name)[e])])), engines));
    out(report.fileTable(results, engines, { first: 'test' }));
    const shown = { unit: 'tests' };
    for (const line of report.differenceLines(results, engines, shown)) out(line);
    const verdicts = report.expectationsStep(out, 'wasi-test', o.expectations, results, engines, o.update);
    const shared = report.reportOf('wasi-test', results, engines, verdicts);
    const { total, passed, differ } = shared.summary;
    const json = { ...shared, total, node: passed.node, wasmRt: passed['wasm-rt'], differ, results: Object.fromEntries(tests.map((t) => [t.name, runs.get(t.name)])) };
    out('');
    report.finish(out, 'wasi-test', o.json, json, `${tests.length} tests in ${((Date.now() - started) / 1000).toFixed(1)} s; each failure's stderr in the report`, { html: o.html, results, ...shown });
    return !o.update && report.unexpected(verdicts) ? 1 : 0;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

module.exports = { main };
