'use strict';
// `wasm-rt wpt`: runs the WebAssembly JS API conformance suite (spec repo
// test/js-api, mirrored as web-platform-tests wasm/jsapi) on several engines (by default
// V8's built-in WebAssembly and wasm-rt's; lib/cli/engine-spec.js names the others), one child
// process per file and engine, and reports every subtest whose result differs.

const fs = require('fs');
const path = require('path');
const { runChild } = require('../child');
const suite = require('./suite.js');
const expectations = require('./expectations.js');
const { UsageError, parseArgv, suiteOptions, suiteValues, besideProject, parseCommandLine } = require('../options');
const { ENGINE_OPTIONS, ENGINES_USAGE, enginesFromOptions, childOf, runtimesOf, aloneOf, aloneLine } = require('../engine-spec');
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
  --update-expectations      rewrite wpt/expectations.json from wasm-rt's failures`;

function parseOptions(argv) {
  const { values } = parseArgv(argv, {
    tests: { type: 'string' },
    ...ENGINE_OPTIONS,
    'update-expectations': { type: 'boolean', default: false },
    ...suiteOptions({ timeout: '60000', json: 'wpt-report.json' }),
  });
  const { engines, specs } = enginesFromOptions(values);
  if (values['update-expectations'] && !engines.includes('wasm-rt')) {
    throw new UsageError('--update-expectations needs a wasm-rt run');
  }
  return {
    tests: values.tests ?? process.env.WPT_DIR ?? besideProject('webassembly-spec'),
    engines,
    specs,
    update: values['update-expectations'],
    ...suiteValues(values),
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

async function runFile(harness, scripts, engine, timeoutMs) {
  const job = { engine: engine.kind, harness, scripts, softTimeoutMs: Math.floor(timeoutMs * 0.9) };
  const r = await runChild({ script: CHILD, ...childOf(engine), args: [JSON.stringify(job)], timeoutMs, tail: TAIL_CHARS });
  const result = r.message;
  const errText = r.stderr || r.stdout;
  const run = {
    status: 'OK',
    harness: result && result.harness,
    message: null,
    subtests: result ? result.subtests : [],
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

// A subtest one run did not produce: a run that ended early (CRASH, TIMEOUT)
// or was not made (SKIP) stands for all its missing subtests.
function missingStatus(run) {
  return ['CRASH', 'TIMEOUT', 'SKIP'].includes(run.status) ? run.status : 'MISSING';
}

// A harness that ends in ERROR (say setup() threw, so no subtests were ever
// registered) counts as one failed subtest of this name: otherwise such a file
// would show as 0/0 and could never be listed as a known failure. Runs whose
// harness was OK pass it.
const HARNESS = '[harness]';
const HARNESS_AS_SUBTEST = { OK: 'PASS', ERROR: 'FAIL', TIMEOUT: 'TIMEOUT', PRECONDITION_FAILED: 'PRECONDITION_FAILED' };

function harnessEntry(run) {
  if (!run.harness) return { status: missingStatus(run), message: null };
  return { status: HARNESS_AS_SUBTEST[run.harness.status], message: run.harness.message };
}

// Lines up both engines' subtests by name. The totals use the union of the
// names both runs produced: when one engine crashes, times out or is skipped,
// the other engine's subtests still count (as not passed for the failed one),
// so "v8 N/T" and "wasm-rt M/T" always share the same T.
function compare(file, runs, engines) {
  const names = [];
  const byEngine = {};
  for (const engine of engines) {
    byEngine[engine] = new Map();
    for (const t of runs[engine].subtests) {
      if (byEngine[engine].has(t.name)) continue;
      byEngine[engine].set(t.name, t);
      if (!names.includes(t.name)) names.push(t.name);
    }
  }
  const subtests = names.map((name) => {
    const row = { name };
    for (const engine of engines) {
      const t = byEngine[engine].get(name);
      row[engine] = t
        ? { status: t.status, message: t.message, ...(t.stack ? { stack: t.stack } : {}) }
        : { status: missingStatus(runs[engine]), message: null };
    }
    if (engines.length > 1) row.differs = differs(row, engines);
    if (row.differs) row.alone = aloneOf(engines, (e) => row[e].status);
    return row;
  });
  if (engines.some((e) => runs[e].harness && ['ERROR', 'PRECONDITION_FAILED'].includes(runs[e].harness.status))) {
    const row = { name: HARNESS };
    for (const engine of engines) row[engine] = harnessEntry(runs[engine]);
    if (engines.length > 1) row.differs = differs(row, engines);
    subtests.push(row);
  }
  // Each run's own subtest list is folded into `subtests` above.
  const summaries = Object.fromEntries(engines.map((e) => {
    const { subtests: _, ...run } = runs[e];
    return [e, run];
  }));
  return { file, runs: summaries, subtests };
}

/** Whether the engines of a row disagree on its status. */
const differs = (row, engines) => new Set(engines.map((e) => row[e].status)).size > 1;

function oneLine(text, max = 300) {
  const s = String(text ?? '').replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join(' | ').trimEnd()).join('\n');
}

function passed(result, engine) {
  return result.subtests.filter((t) => t[engine].status === 'PASS').length;
}

function printResults(out, results, engines) {
  const rows = [['file', ...engines]];
  for (const r of results) {
    rows.push([r.file, ...engines.map((e) => {
      const status = r.runs[e].status;
      return `${passed(r, e)}/${r.subtests.length}${status === 'OK' ? '' : ` ${status}`}`;
    })]);
  }
  out(table(rows));
  if (engines.length < 2) return 0;

  let differ = 0;
  const lines = [];
  const width = Math.max(...engines.map((e) => e.length));
  for (const r of results) {
    const differing = r.subtests.filter((t) => t.differs);
    if (!differing.length) continue;
    differ += differing.length;
    lines.push(`  ${r.file}`);
    // A run whose every subtest just carries its file status (say CRASH) is
    // one line, not one per subtest.
    const empty = engines.find((e) => r.subtests.every((t) => t[e].status === r.runs[e].status));
    if (empty) {
      const others = engines.filter((e) => e !== empty).map((e) => `${e}: ${passed(r, e)} pass`).join(', ');
      lines.push(`    ${empty} ${r.runs[empty].status} for all ${differing.length} subtests ` +
        `(${others}): ${oneLine(r.runs[empty].message)}`);
      continue;
    }
    for (const t of differing) {
      lines.push(`    ${JSON.stringify(t.name)}${t.alone ? ` (alone: ${t.alone})` : ''}`);
      for (const e of engines) {
        const msg = t[e].message ? `: ${oneLine(t[e].message)}` : '';
        lines.push(`      ${e.padEnd(width)} ${t[e].status}${msg}`);
      }
    }
  }
  out(`\ndifferences: ${differ} subtests`);
  if (lines.length) out(lines.join('\n'));
  const alone = aloneLine(results.flatMap((r) => r.subtests));
  if (alone) out(alone);
  return differ;
}

function printExpectations(out, verdict, expectationsPath) {
  const { failures, passes, stale } = verdict;
  out(`\nwasm-rt vs ${expectationsPath}: ${failures.length} unexpected failures, ${passes.length} unexpected passes`);
  for (const f of failures) {
    const what = f.name === undefined ? f.status : `${JSON.stringify(f.name)} ${f.status}`;
    out(`  FAIL ${f.file}: ${what}${f.message ? `: ${oneLine(f.message)}` : ''}`);
  }
  for (const p of passes) out(`  PASS ${p.file}: ${JSON.stringify(p.name)} (listed: ${p.reason})`);
  for (const s of stale) out(`  note: ${s.file}: listed subtest not seen: ${JSON.stringify(s.name)}`);
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
  const expected = opts.engines.some((e) => opts.specs[e].kind === 'wasm-rt') ? expectations.load() : {};

  const started = Date.now();
  const runs = new Map(runnable.map((p) => [p.file, {}]));
  const jobs = [];
  for (const p of runnable) {
    for (const engine of opts.engines) {
      const skip = opts.specs[engine].kind === 'wasm-rt' && expected[p.file] && expected[p.file].skip;
      if (skip) runs.get(p.file)[engine] = { status: 'SKIP', message: skip, subtests: [], shims: [] };
      else jobs.push({ plan: p, engine });
    }
  }
  // Files marked `timeout=long` start first so they don't end up running alone
  // at the end of the run.
  jobs.sort((a, b) => b.plan.long - a.plan.long);
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
  const differ = printResults(out, results, opts.engines);
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

  let verdict = null;
  if (opts.engines.includes('wasm-rt')) {
    const compared = results.map((r) => ({
      file: r.file,
      run: r.runs['wasm-rt'],
      subtests: r.subtests.map((t) => ({ name: t.name, ...t['wasm-rt'] })),
    }));
    verdict = expectations.check(expected, compared);
    printExpectations(out, verdict, expectations.NAME);
    if (opts.update) {
      const { expectations: next, added } = expectations.update(expected, compared);
      expectations.save(next);
      out(`wrote ${expectations.NAME}${added ? `: ${added} new reasons "${expectations.NEW_REASON}" to fill in` : ''}`);
    }
  }

  const total = results.reduce((n, r) => n + r.subtests.length, 0);
  const passedBy = Object.fromEntries(opts.engines.map((e) => [e, results.reduce((n, r) => n + passed(r, e), 0)]));
  const report = {
    suite: { dir: found.root, layout: found.layout, jsapiDir: found.jsapiDir, commit: suite.commitOf(found.root) },
    node: process.version,
    engines: opts.engines,
    runtimes: runtimesOf(opts.engines, opts.specs),
    options: { filter: opts.filter ?? null, jobs: opts.jobs, timeoutMs: opts.timeoutMs },
    wallMs,
    summary: { total, passed: passedBy, differ: opts.engines.length > 1 ? differ : null },
    shims,
    notRun,
    files: results,
    expectations: verdict && { file: expectations.FILE, unexpectedFailures: verdict.failures, unexpectedPasses: verdict.passes, stale: verdict.stale },
  };
  fs.writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);

  out('');
  if (Object.keys(shims).length) out(shimsLine(shims));
  out(`report: ${path.relative(process.cwd(), opts.json) || opts.json}; ${jobs.length} runs in ${(wallMs / 1000).toFixed(1)}s with ${opts.jobs} jobs`);
  out(`wpt: ${opts.engines.map((e) => `${e} ${passedBy[e]}/${total}`).join(' ')} differ ${opts.engines.length > 1 ? differ : '-'}`);

  const unexpected = verdict && !opts.update && (verdict.failures.length || verdict.passes.length);
  return unexpected ? 1 : 0;
}

module.exports = { main };
