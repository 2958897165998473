'use strict';
// `wasm-rt wpt`: runs the WebAssembly JS API conformance suite (spec repo
// test/js-api, mirrored as web-platform-tests wasm/jsapi) on several engines (by default
// V8's built-in WebAssembly and wasm-rt's; lib/cli/engine-spec.js names the others), one child
// process per file and engine, and reports every subtest whose result differs
// (lib/cli/suite-report.js, with conformance/expectations/wpt.json).

const path = require('path');
const { runChild } = require('../child');
const suite = require('./suite.js');
const { parseArgv, suiteOptions, suiteValues, besideProject, parseCommandLine } = require('../options');
const { ENGINE_OPTIONS, ENGINES_USAGE, enginesFromOptions, childOf, runtimesOf } = require('../engine-spec');
const report = require('../suite-report');
const { pool } = require('../pool');

const CHILD = path.join(__dirname, 'child.js');
const TAIL_CHARS = 4000;

const USAGE = `usage: wasm-rt wpt [options]
  --tests DIR                spec repo or web-platform-tests checkout (default: $WPT_DIR, else
                             ../shared/suites/webassembly-spec beside the project)
  --if-present               without a checkout, print a note and exit 0
${ENGINES_USAGE}
  --filter SUBSTR            only test files whose path contains SUBSTR
  --jobs N                   parallel child processes (default: number of CPUs)
  --timeout MS               per file and engine (default: 60000; 5× for timeout=long files)
  --json FILE                JSON report (default: wpt-report.json)
  --html FILE                also an HTML page of the report: the matrix of files by engines
                             and the subtests where they disagree
  --update-expectations      rewrite conformance/expectations/wpt.json from this run, for each
                             engine it lists`;

function parseOptions(argv) {
  const { values } = parseArgv(argv, {
    tests: { type: 'string' },
    ...ENGINE_OPTIONS,
    ...suiteOptions({ timeout: '60000', json: 'wpt-report.json' }),
  });
  const { engines, specs } = enginesFromOptions(values);
  const common = suiteValues(values);
  return {
    tests: values.tests ?? process.env.WPT_DIR ?? besideProject('webassembly-spec'),
    engines,
    specs,
    expectations: report.expectationsOfRun('wpt', engines, common.update),
    ...common,
  };
}

// How a process died, with the stderr line that says why if there is one
// (a JS error, a Rust panic, a V8/N-API fatal error).
function crashReason(code, signal, stderr) {
  const how = signal ? `killed by ${signal}` : `exit code ${code}`;
  const line = stderr.split('\n').map((l) => l.trim())
    .find((l) => /^\w*(Error|Exception)\b.*:|panicked at|FATAL ERROR/.test(l));
  if (line) return `${how}: ${line}`;
  return stderr.trim() ? `${how} (stderr tail in the JSON report)` : how;
}

const LONG_TIMEOUT_FACTOR = 5;

// A run's subtests as cases (lib/cli/suite-report.js); a name the harness reports twice counts once.
function subtestCases(subtests) {
  const seen = new Set();
  return subtests.filter((t) => !seen.has(t.name) && seen.add(t.name)).map((t) => ({ name: t.name, status: t.status, message: t.message, ...(t.stack ? { stack: t.stack } : {}) }));
}

async function runFile(harness, scripts, engine, timeoutMs) {
  const job = { engine: engine.kind, harness, scripts, softTimeoutMs: Math.floor(timeoutMs * 0.9) };
  const r = await runChild({ script: CHILD, ...childOf(engine), args: [JSON.stringify(job)], timeoutMs, tail: TAIL_CHARS });
  const result = r.message;
  const errText = r.stderr || r.stdout;
  const run = {
    status: 'OK',
    harness: result && result.harness,
    message: null,
    cases: result ? subtestCases(result.subtests) : [],
    shims: result ? result.shims : [],
    durationMs: Math.round(r.ms),
    exit: { code: r.code, signal: r.signal },
    ...(errText ? { stderr: errText } : {}),
  };
  if (r.timedOut) {
    run.status = 'TIMEOUT';
    run.message = `killed after ${timeoutMs} ms`;
  } else if (r.spawnError) {
    run.status = 'CRASH';
    run.message = `could not start: ${r.spawnError.message}`;
  } else if (r.code !== 0 || r.signal || !result) {
    run.status = 'CRASH';
    run.message = result ? `${crashReason(r.code, r.signal, '')} after reporting` :
      r.code === 0 && !r.signal ? 'exited without a result' : crashReason(r.code, r.signal, errText);
  } else {
    run.status = result.harness.status;
    if (run.status === 'TIMEOUT') run.message = `harness incomplete after ${job.softTimeoutMs} ms`;
    else run.message = result.harness.message;
  }
  return run;
}

// A harness that ends in ERROR (say setup() threw, so no subtests were ever registered) counts
// as one failed subtest, "[harness]": otherwise such a file would show as 0/0 and could never be
// listed as a known failure. Runs whose harness was OK pass it; a run without a harness result
// (a crash) lacks it, as it lacks its other subtests.
const HARNESS_AS_SUBTEST = { OK: 'PASS', ERROR: 'FAIL', TIMEOUT: 'TIMEOUT', PRECONDITION_FAILED: 'PRECONDITION_FAILED' };

// One file's runs, subtests lined up by name across the engines (lib/cli/suite-report.js).
function compare(file, runs, engines) {
  const harness = engines.some((e) => runs[e].harness && ['ERROR', 'PRECONDITION_FAILED'].includes(runs[e].harness.status));
  const withHarness = Object.fromEntries(engines.map((e) => {
    const run = runs[e];
    if (!harness || !run.harness) return [e, run];
    return [e, { ...run, cases: [...run.cases, { name: report.HARNESS, status: HARNESS_AS_SUBTEST[run.harness.status], message: run.harness.message }] }];
  }));
  return report.lineUp(file, withHarness, engines);
}

// "shims: assert_throws, promise_rejects (used by limits.any.js)", shims used
// by the same files grouped together.
function shimsLine(shims) {
  const groups = new Map();
  for (const [shim, files] of Object.entries(shims)) {
    const key = files.join(', ');
    groups.set(key, [...(groups.get(key) || []), shim]);
  }
  return `shims: ${[...groups].map(([files, names]) => `${names.join(', ')} (used by ${files})`).join(', ')}`;
}

async function main(argv) {
  const out = (line) => process.stdout.write(`${line}\n`);
  const opts = parseCommandLine('wpt', USAGE, parseOptions, argv);
  if (typeof opts === 'number') return opts;

  const found = opts.tests ? suite.locate(opts.tests) : null;
  if (!found) {
    if (opts.ifPresent) {
      out('wpt: skipped (no suite checkout; set WPT_DIR=... to run the conformance step)');
      return 0;
    }
    process.stderr.write(opts.tests
      ? `wasm-rt wpt: ${opts.tests} has neither test/js-api + test/harness (spec repo) ` +
        'nor wasm/jsapi + resources (web-platform-tests)\n'
      : 'wasm-rt wpt: no suite checkout; pass --tests DIR or set WPT_DIR\n');
    return 2;
  }

  const files = suite.discover(found.jsapiDir).filter((f) => !opts.filter || f.includes(opts.filter));
  if (!files.length) {
    process.stderr.write(`wasm-rt wpt: no *.any.js files${opts.filter ? ` matching ${opts.filter}` : ''} in ${found.jsapiDir}\n`);
    return 2;
  }
  const plans = files.map((f) => suite.plan(found, f));
  const notRun = plans.filter((p) => !p.shell).map((p) => ({ file: p.file, globals: p.globals }));
  const runnable = plans.filter((p) => p.shell);

  const started = Date.now();
  const runs = new Map(runnable.map((p) => [p.file, {}]));
  // Files marked `timeout=long` start first so they don't end up running alone
  // at the end of the run.
  const jobs = runnable.flatMap((plan) => opts.engines.map((engine) => ({ plan, engine }))).sort((a, b) => b.plan.long - a.plan.long);
  let finished = 0;
  const progress = process.stderr.isTTY
    ? () => process.stderr.write(`\rwpt: ${finished}/${jobs.length} runs`)
    : () => {};
  await pool(jobs, opts.jobs, async ({ plan, engine }) => {
    // WPT gives `timeout=long` files several times the usual time; limits.any.js compiles
    // modules of a million functions.
    const timeoutMs = plan.long ? opts.timeoutMs * LONG_TIMEOUT_FACTOR : opts.timeoutMs;
    runs.get(plan.file)[engine] = await runFile(found.harness, plan.scripts, opts.specs[engine], timeoutMs);
    finished++;
    progress();
  });
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  const wallMs = Date.now() - started;

  const results = runnable.map((p) => compare(p.file, runs.get(p.file), opts.engines));
  out(report.fileTable(results, opts.engines));
  const shown = { unit: 'subtests' };
  for (const line of report.differenceLines(results, opts.engines, shown)) out(line);
  if (notRun.length) {
    out(`\nnot run (no jsshell global): ${notRun.map((n) => `${n.file} (global=${n.globals.join(',')})`).join(', ')}`);
  }

  const shims = {};
  for (const r of results) {
    for (const e of opts.engines) {
      for (const shim of r.runs[e].shims) {
        shims[shim] = shims[shim] || [];
        if (!shims[shim].includes(r.file)) shims[shim].push(r.file);
      }
    }
  }

  const verdicts = report.expectationsStep(out, 'wpt', opts.expectations, results, opts.engines, opts.update);
  const json = {
    suite: { dir: found.root, layout: found.layout, jsapiDir: found.jsapiDir, commit: suite.commitOf(found.root) },
    node: process.version,
    ...report.reportOf('wpt', results, opts.engines, verdicts),
    runtimes: runtimesOf(opts.engines, opts.specs),
    options: { filter: opts.filter ?? null, jobs: opts.jobs, timeoutMs: opts.timeoutMs },
    wallMs,
    shims,
    notRun,
    files: results.map(({ cases, ...r }) => ({ ...r, subtests: cases })),
  };
  out('');
  if (Object.keys(shims).length) out(shimsLine(shims));
  report.finish(out, 'wpt', opts.json, json, `${jobs.length} runs in ${(wallMs / 1000).toFixed(1)}s with ${opts.jobs} jobs`, { html: opts.html, results, ...shown });
  return !opts.update && report.unexpected(verdicts) ? 1 : 0;
}

module.exports = { main };
