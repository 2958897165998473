'use strict';
// What the conformance runners (wpt, wast, wasi-test) do with their results once the child
// processes have run: line up each file's cases across the engines, check them against the
// expectations, print the per-file table, the cases where engines disagree, the verdicts and the
// summary line, and write the shared part of the JSON report and the HTML page (--html,
// lib/cli/html-report.js). A runner hands in, per file and engine:
//   { status: 'OK' | 'CRASH' | 'TIMEOUT' | ..., message, cases: [{ name, status: 'PASS' | ..., message }] }
// Nothing here names an engine: another engine is another column, score and expectations entry.
//
// conformance/expectations/<suite>.json, the cases each engine is known to fail, by reason, so a
// reason shared by many files is written once:
//   { "<engine>": [{ "reason": "...", "cases": { "<file>": ["<subtest | command line | [run]>"] } }] }
// Only engines with an entry are checked ([] checks that the engine fails nothing). The case
// "[run]" is a file's run as a whole: a crash or timeout in wpt and wast, a wasi-test program.
const fs = require('node:fs');
const path = require('node:path');
const { UsageError } = require('./options');
const { htmlPage } = require('./html-report');

const ROOT = path.join(__dirname, '..', '..');
const RUN = '[run]';
// wpt's harness error (setup() threw) counts as a failed case of this name.
const HARNESS = '[harness]';
const NEW_REASON = 'TODO: triage';
// Statuses of a run that ended before its cases did: they have no verdicts of their own.
const ENDED_EARLY = ['CRASH', 'TIMEOUT'];
// Lines of each kind a verdict prints; the JSON report has them all.
const MAX_LINES = 200;

const expectationsName = (suite) => `conformance/expectations/${suite}.json`;
const expectationsFile = (suite) => path.join(ROOT, expectationsName(suite));

const isObject = (x) => typeof x === 'object' && x !== null && !Array.isArray(x);

/** `data` if it is in the expectations format; else an Error naming `name` and the bad entry. */
function validateExpectations(data, name) {
  const bad = (where, what) => {
    throw new Error(`${name}: ${where}: ${what}`);
  };
  if (!isObject(data)) bad('the top level', 'not an object of engines');
  for (const [engine, groups] of Object.entries(data)) {
    if (!Array.isArray(groups)) bad(engine, 'not a list of reasons');
    const reasons = new Set();
    const seen = new Set();
    for (const g of groups) {
      const keys = isObject(g) ? Object.keys(g).sort().join() : '';
      if (keys !== 'cases,reason' || typeof g.reason !== 'string' || !isObject(g.cases)) bad(engine, 'each entry is { "reason": "...", "cases": { "<file>": ["<case>"] } }');
      if (reasons.has(g.reason)) bad(engine, `reason given twice: ${g.reason}`);
      reasons.add(g.reason);
      for (const [file, cases] of Object.entries(g.cases)) {
        if (!Array.isArray(cases) || !cases.length) bad(`${engine}, ${file}`, 'not a list of cases');
        for (const c of cases) {
          if (typeof c !== 'string') bad(`${engine}, ${file}`, `case ${JSON.stringify(c)} is not a string`);
          if (seen.has(`${file}\n${c}`)) bad(`${engine}, ${file}`, `case ${JSON.stringify(c)} is listed twice`);
          seen.add(`${file}\n${c}`);
        }
      }
    }
  }
  return data;
}

/** A suite's expectations, checked; a missing file is an error (without it nothing is checked). */
function loadExpectations(suite, file = expectationsFile(suite)) {
  return validateExpectations(JSON.parse(fs.readFileSync(file, 'utf8')), expectationsName(suite));
}

/** The expectations as JSON: a file's cases on one line. */
function formatExpectations(data) {
  const engines = Object.entries(data).map(([engine, groups]) => {
    const entries = groups.map((g) => {
      const files = Object.entries(g.cases).map(([file, cases]) => `        ${JSON.stringify(file)}: [${cases.map((c) => JSON.stringify(c)).join(', ')}]`);
      return `    {\n      "reason": ${JSON.stringify(g.reason)},\n      "cases": {${files.length ? `\n${files.join(',\n')}\n      ` : ''}}\n    }`;
    });
    return `  ${JSON.stringify(engine)}: [${entries.length ? `\n${entries.join(',\n')}\n  ` : ''}]`;
  });
  return engines.length ? `{\n${engines.join(',\n')}\n}\n` : '{}\n';
}

/** The expectations a run of `engines` checks against; with `update`, one of them must have some to rewrite. */
function expectationsOfRun(suite, engines, update) {
  const expectations = loadExpectations(suite);
  if (update && !engines.some((e) => Object.hasOwn(expectations, e))) {
    throw new UsageError(`--update-expectations rewrites what ${expectationsName(suite)} expects of the engines it lists (${Object.keys(expectations).join(', ')}), and none of them runs`);
  }
  return expectations;
}

function saveExpectations(suite, data, file = expectationsFile(suite)) {
  fs.writeFileSync(file, formatExpectations(validateExpectations(data, expectationsName(suite))));
}

/** A file's listed cases in one engine's expectations (`groups`), each with its reason. */
function listedCases(groups, file) {
  return new Map(groups.flatMap((g) => (g.cases[file] ?? []).map((c) => [c, g.reason])));
}

/**
 * The one engine whose outcome differs from all the others, which agree (with three engines or
 * more); null when there is none. `outcome(engine)` is compared with ===.
 */
function aloneOf(engines, outcome) {
  if (engines.length < 3) return null;
  for (const e of engines) {
    const rest = engines.filter((x) => x !== e).map(outcome);
    if (rest.every((o) => o === rest[0]) && outcome(e) !== rest[0]) return e;
  }
  return null;
}

/** "alone: v8 2, wasm-rt 5" from the rows' `alone` marks, or null when no row has one. */
function aloneLine(rows) {
  const counts = new Map();
  for (const r of rows) if (r.alone) counts.set(r.alone, (counts.get(r.alone) ?? 0) + 1);
  return counts.size ? `alone (one engine against all others): ${[...counts].map(([e, n]) => `${e} ${n}`).join(', ')}` : null;
}

/**
 * One file's runs, `runs[engine]`, lined up case by case. Cases match by name and, for a name
 * given twice (two wast commands on one line), by which occurrence it is. An engine that did not
 * produce a case gets its run's status when the run ended early, else MISSING. Returns
 * { file, runs: each run without its cases, cases: [{ name, <engine>: { status, message, ... }, differs, alone }] }.
 */
function lineUp(file, runs, engines) {
  const keys = [];
  const names = new Map();
  const byEngine = {};
  for (const e of engines) {
    const seen = new Map();
    byEngine[e] = new Map();
    for (const { name, ...result } of runs[e].cases) {
      const key = `${name}\n${seen.get(name) ?? 0}`;
      seen.set(name, (seen.get(name) ?? 0) + 1);
      if (!names.has(key)) {
        names.set(key, name);
        keys.push(key);
      }
      byEngine[e].set(key, result);
    }
  }
  const missing = (e) => ({ status: ENDED_EARLY.includes(runs[e].status) ? runs[e].status : 'MISSING', message: null });
  const cases = keys.map((key) => {
    const c = { name: names.get(key) };
    for (const e of engines) c[e] = byEngine[e].get(key) ?? missing(e);
    if (engines.length > 1) c.differs = new Set(engines.map((e) => c[e].status)).size > 1;
    if (c.differs) c.alone = aloneOf(engines, (e) => c[e].status);
    return c;
  });
  const summaries = Object.fromEntries(engines.map((e) => {
    const { cases: _, ...run } = runs[e];
    return [e, run];
  }));
  return { file, runs: summaries, cases };
}

/** Each case name of `engine` in a file, with its outcome: the first occurrence that did not pass, else a pass. */
function outcomes(result, engine) {
  const out = new Map();
  for (const c of result.cases) {
    const o = out.get(c.name);
    if (!o || (o.status === 'PASS' && c[engine].status !== 'PASS')) out.set(c.name, c[engine]);
  }
  return out;
}

/** The cases `engine` fails in a file that a listing must name (a listed harness error covers what it kept from running). */
function failingCases(result, engine) {
  const out = outcomes(result, engine);
  const harness = out.has(HARNESS) && out.get(HARNESS).status !== 'PASS';
  return [...out].filter(([, o]) => o.status !== 'PASS' && !(o.status === 'MISSING' && harness)).map(([name]) => name);
}

/**
 * `engine`'s results (`results`, from lineUp) against its expectations (`expected`, its reasons):
 * the cases it fails that are not listed, the listed cases it passes, and the listed cases no run
 * produced (renamed or removed upstream: a note, not a failure). A run that ended early is one
 * case, "[run]"; a run that did not is a passed "[run]".
 */
function checkExpectations(expected, results, engine) {
  const failures = [];
  const passes = [];
  const stale = [];
  for (const r of results) {
    const { file } = r;
    const run = r.runs[engine];
    const listed = listedCases(expected, file);
    if (ENDED_EARLY.includes(run.status)) {
      if (!listed.has(RUN)) failures.push({ engine, file, name: RUN, status: run.status, message: run.message });
      continue;
    }
    const out = outcomes(r, engine);
    if (!out.has(RUN)) out.set(RUN, { status: 'PASS', message: null });
    // A listed harness error stands for the cases it kept the engine from running, however many
    // other engines produced (newer V8s run files older ones cannot even set up).
    const harness = listed.has(HARNESS);
    for (const [name, { status, message }] of out) {
      if (status !== 'PASS' && !listed.has(name) && !(status === 'MISSING' && harness)) failures.push({ engine, file, name, status, message });
      if (status === 'PASS' && listed.has(name)) passes.push({ engine, file, name, reason: listed.get(name) });
    }
    for (const name of listed.keys()) if (!out.has(name)) stale.push({ engine, file, name });
  }
  return { failures, passes, stale };
}

/** The verdict of each engine that has expectations. */
function checkEngines(expectations, results, engines) {
  return Object.fromEntries(engines.filter((e) => Object.hasOwn(expectations, e)).map((e) => [e, checkExpectations(expectations[e], results, e)]));
}

/**
 * `engine`'s expectations (its reasons) rewritten from these results: in each file run, the cases
 * it fails stay listed with their reasons, new ones are listed under NEW_REASON and the ones it
 * passes go; a run that ended early adds "[run]" to what was listed. Files not run stay as they
 * are. Returns { expected, added }, added being the cases newly listed.
 */
function updateExpectations(expected, results, engine) {
  let groups = expected.map((g) => ({ reason: g.reason, cases: { ...g.cases } }));
  const fresh = {};
  let added = 0;
  for (const r of results) {
    const listed = listedCases(expected, r.file);
    const failing = ENDED_EARLY.includes(r.runs[engine].status) ? [...listed.keys(), RUN] : failingCases(r, engine);
    const keep = new Set(failing);
    for (const g of groups) {
      const cases = (g.cases[r.file] ?? []).filter((c) => keep.has(c));
      if (cases.length) g.cases[r.file] = cases;
      else delete g.cases[r.file];
    }
    const todo = failing.filter((c) => !listed.has(c));
    if (todo.length) fresh[r.file] = todo;
    added += todo.length;
  }
  groups = groups.filter((g) => Object.keys(g.cases).length);
  if (added) {
    const todo = groups.find((g) => g.reason === NEW_REASON);
    if (todo) for (const [file, cases] of Object.entries(fresh)) todo.cases[file] = [...(todo.cases[file] ?? []), ...cases];
    else groups.push({ reason: NEW_REASON, cases: fresh });
  }
  return { expected: groups, added };
}

/**
 * Checks every engine that has expectations and prints each verdict; with `update`, rewrites
 * their expectations from these results. Returns the verdicts.
 */
function expectationsStep(out, suite, expectations, results, engines, update) {
  const verdicts = checkEngines(expectations, results, engines);
  for (const line of verdictLines(suite, verdicts)) out(line);
  if (update) {
    const next = { ...expectations };
    let added = 0;
    for (const e of Object.keys(verdicts)) {
      const u = updateExpectations(expectations[e], results, e);
      next[e] = u.expected;
      added += u.added;
    }
    saveExpectations(suite, next);
    out(`wrote ${expectationsName(suite)}${added ? `: ${added} ${added === 1 ? 'case' : 'cases'} listed as "${NEW_REASON}", to fill in` : ''}`);
  }
  return verdicts;
}

/** Whether any verdict holds an unexpected failure or pass (exit code 1). */
const unexpected = (verdicts) => Object.values(verdicts).some((v) => v.failures.length || v.passes.length);

function oneLine(text, max = 300) {
  const s = String(text ?? '').replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

const quote = (name) => (name === RUN ? '' : `${JSON.stringify(name)} `);

/** The lines of each verdict: its counts, then each unexpected result and stale entry. */
function verdictLines(suite, verdicts) {
  const lines = [];
  const some = (items, line) => {
    lines.push(...items.slice(0, MAX_LINES).map(line));
    if (items.length > MAX_LINES) lines.push(`  … ${items.length - MAX_LINES} more in the JSON report`);
  };
  for (const [engine, { failures, passes, stale }] of Object.entries(verdicts)) {
    lines.push('', `${engine} vs ${expectationsName(suite)}: ${failures.length} unexpected failures, ${passes.length} unexpected passes`);
    some(failures, (f) => `  FAIL ${f.file}: ${quote(f.name)}${f.status}${f.message ? `: ${oneLine(f.message)}` : ''}`);
    some(passes, (p) => `  PASS ${p.file}: ${JSON.stringify(p.name)} (listed: ${p.reason})`);
    some(stale, (s) => `  note: ${s.file}: listed case not seen: ${JSON.stringify(s.name)}`);
  }
  return lines;
}

const passedIn = (result, engine) => result.cases.filter((c) => c[engine].status === 'PASS').length;

/**
 * The per-file table: a column per engine, "passed/cases" and the run's status unless OK, then
 * the `columns` the runner adds ({ header: (result) => value }).
 */
function fileTable(results, engines, { first = 'file', columns = {} } = {}) {
  const rows = [[first, ...engines, ...Object.keys(columns)]];
  for (const r of results) {
    const cells = engines.map((e) => `${passedIn(r, e)}/${r.cases.length}${r.runs[e].status === 'OK' ? '' : ` ${r.runs[e].status}`}`);
    rows.push([r.file, ...cells, ...Object.values(columns).map((value) => String(value(r)))]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join(' | ').trimEnd()).join('\n');
}

/**
 * The cases where the engines disagree, by file, with each engine's answer (`unit` names the
 * cases, `label(case)` one case); none with one engine. An engine whose cases all carry its
 * run's status (it crashed) is one line; a "[run]" case sits on its file's line.
 */
function differenceLines(results, engines, { unit, label = (c) => JSON.stringify(c.name) }) {
  if (engines.length < 2) return [];
  const lines = [];
  let count = 0;
  const width = Math.max(...engines.map((e) => e.length));
  const alone = (c) => (c.alone ? ` (alone: ${c.alone})` : '');
  for (const r of results) {
    const differing = r.cases.filter((c) => c.differs);
    if (!differing.length) continue;
    count += differing.length;
    lines.push(`  ${r.file}`);
    const empty = engines.find((e) => r.cases.every((c) => c[e].status === r.runs[e].status));
    if (empty) {
      const others = engines.filter((e) => e !== empty).map((e) => `${e}: ${passedIn(r, e)} pass`).join(', ');
      lines.push(`    ${empty} ${r.runs[empty].status} for all ${differing.length} ${unit} (${others}): ${oneLine(r.runs[empty].message)}`);
      continue;
    }
    for (const c of differing) {
      const indent = c.name === RUN ? '    ' : '      ';
      if (c.name === RUN) lines[lines.length - 1] += alone(c);
      else lines.push(`    ${label(c)}${alone(c)}`);
      for (const e of engines) lines.push(`${indent}${e.padEnd(width)} ${c[e].status}${c[e].message ? `: ${oneLine(c[e].message)}` : ''}`);
    }
  }
  const counts = aloneLine(results.flatMap((r) => r.cases));
  return ['', `differences: ${count} ${unit}`, ...lines, ...(counts ? [counts] : [])];
}

/** Cases, each engine's passes, and the cases the engines disagree on (null with one engine). */
function summaryOf(results, engines) {
  const passed = Object.fromEntries(engines.map((e) => [e, results.reduce((n, r) => n + passedIn(r, e), 0)]));
  const total = results.reduce((n, r) => n + r.cases.length, 0);
  const differ = engines.length > 1 ? results.reduce((n, r) => n + r.cases.filter((c) => c.differs).length, 0) : null;
  return { total, passed, differ };
}

/** "wpt: v8 1090/1187 wasm-rt 1162/1187 differ 90". */
function summaryLine(suite, summary, engines) {
  return `${suite}: ${engines.map((e) => `${e} ${summary.passed[e]}/${summary.total}`).join(' ')} differ ${summary.differ ?? '-'}`;
}

/** The keys every suite's JSON report has: its engines, their scores and the verdicts (all engines' in one list each). */
function reportOf(suite, results, engines, verdicts) {
  const all = (key) => Object.values(verdicts).flatMap((v) => v[key]);
  return {
    engines,
    summary: summaryOf(results, engines),
    expectations: Object.keys(verdicts).length ? { file: expectationsFile(suite), engines: Object.keys(verdicts), unexpectedFailures: all('failures'), unexpectedPasses: all('passes'), stale: all('stale') } : null,
  };
}

/** A result's colour in the HTML page: passed, failed, or none (no verdict: the run ended early, or nothing ran). */
const kindOf = (status) => (status === 'PASS' ? 'pass' : ENDED_EARLY.includes(status) ? 'none' : 'fail');

/**
 * What the HTML page shows (lib/cli/html-report.js), from the JSON report (`report`: engines,
 * summary, expectations) and the results it was made of: per file, each engine's cell and the cases
 * the engines disagree on, labelled as differenceLines labels them. As there, an engine that
 * ended early on every case is one line (`ended`); a case is listed while the other engines differ.
 */
function pageOf(suite, report, results, { unit = 'cases', label = (c) => c.name } = {}) {
  const { engines, summary, expectations } = report;
  const count = (items, e) => items.filter((x) => x.engine === e).length;
  const verdicts = Object.fromEntries((expectations?.engines ?? []).map((e) => [e, { failures: count(expectations.unexpectedFailures, e), passes: count(expectations.unexpectedPasses, e) }]));
  const files = results.map((r) => {
    const differing = r.cases.filter((c) => c.differs);
    const ended = engines.filter((e) => differing.length && ENDED_EARLY.includes(r.runs[e].status) && r.cases.every((c) => c[e].status === r.runs[e].status));
    const rest = engines.filter((e) => !ended.includes(e));
    const cells = engines.map((e) => {
      const passed = passedIn(r, e);
      const { status } = r.runs[e];
      const kind = !r.cases.length || ENDED_EARLY.includes(status) ? 'none' : passed === r.cases.length ? 'pass' : 'fail';
      return { passed, status, kind, alone: differing.filter((c) => c.alone === e).length };
    });
    const cases = differing.filter((c) => new Set(rest.map((e) => c[e].status)).size > 1).map((c) => ({
      label: label(c),
      alone: c.alone ?? null,
      outcomes: engines.map((e) => ({ status: c[e].status, message: c[e].message ?? null, kind: kindOf(c[e].status) })),
    }));
    return { file: r.file, total: r.cases.length, differ: differing.length, cells, ended: ended.map((e) => ({ engine: e, status: r.runs[e].status, message: r.runs[e].message ?? null })), cases };
  });
  return { suite, unit, engines, summary, line: summaryLine(suite, summary, engines), verdicts, files };
}

/**
 * Writes the report to `json` and, given `html`, the page of `results` (pageOf, with `shown`), then
 * prints where, with `note`, and the summary line.
 */
function finish(out, suite, json, report, note, { html, results, ...shown } = {}) {
  fs.writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  if (html) fs.writeFileSync(html, htmlPage(pageOf(suite, report, results, shown)));
  const where = (file) => path.relative(process.cwd(), file) || file;
  out(`report: ${where(json)}${html ? ` and ${where(html)}` : ''}; ${note}`);
  out(summaryLine(suite, report.summary, report.engines));
}

module.exports = {
  RUN,
  HARNESS,
  NEW_REASON,
  expectationsName,
  expectationsFile,
  validateExpectations,
  loadExpectations,
  expectationsOfRun,
  formatExpectations,
  saveExpectations,
  lineUp,
  aloneOf,
  aloneLine,
  checkExpectations,
  checkEngines,
  updateExpectations,
  expectationsStep,
  unexpected,
  verdictLines,
  fileTable,
  differenceLines,
  summaryOf,
  summaryLine,
  reportOf,
  pageOf,
  finish,
};
