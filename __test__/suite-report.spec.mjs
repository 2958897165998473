// lib/cli/suite-report.js: what wpt, wast and wasi-test share once their children have run (cases
// lined up across engines, expectations, table, differences, summary line, JSON report), and the
// expectations files in conformance/expectations/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { fileRun as run } from './helpers/suite-results.mjs';

const require = createRequire(import.meta.url);
const report = require('../lib/cli/suite-report.js');
const { RUN, HARNESS, NEW_REASON } = report;

const ENGINES = ['v8', 'wasm-rt', 'node@26'];

// a.js: wasm-rt fails "b" and "c"; v8 fails "c". b.js: wasm-rt crashes. c.js: wasm-rt's setup fails.
const results = [
  report.lineUp('a.js', {
    v8: run([['a', 'PASS'], ['b', 'PASS'], ['c', 'FAIL', 'v8 says no']]),
    'wasm-rt': run([['a', 'PASS'], ['b', 'FAIL', 'wrong'], ['c', 'FAIL', 'no']]),
    'node@26': run([['a', 'PASS'], ['b', 'PASS'], ['c', 'PASS']]),
  }, ENGINES),
  report.lineUp('b.js', {
    v8: run([['x', 'PASS'], ['y', 'PASS']]),
    'wasm-rt': run([], 'CRASH', 'killed by SIGSEGV'),
    'node@26': run([['x', 'PASS'], ['y', 'PASS']]),
  }, ENGINES),
  report.lineUp('c.js', {
    v8: run([['s', 'PASS'], [HARNESS, 'PASS']]),
    'wasm-rt': run([[HARNESS, 'FAIL', 'setup threw']], 'ERROR', 'setup threw'),
    'node@26': run([['s', 'PASS'], [HARNESS, 'PASS']]),
  }, ENGINES),
];

describe('lining up cases', () => {
  it('matches cases by name across engines; one an engine lacks is MISSING, or its run’s status when the run ended early', () => {
    const [a, b, c] = results;
    expect(a.cases.map((x) => [x.name, ...ENGINES.map((e) => x[e].status), x.differs, x.alone])).toEqual([
      ['a', 'PASS', 'PASS', 'PASS', false, undefined],
      ['b', 'PASS', 'FAIL', 'PASS', true, 'wasm-rt'],
      ['c', 'FAIL', 'FAIL', 'PASS', true, 'node@26'],
    ]);
    expect(b.cases.map((x) => x['wasm-rt'].status)).toEqual(['CRASH', 'CRASH']);
    expect(c.cases.map((x) => [x.name, x['wasm-rt'].status])).toEqual([['s', 'MISSING'], [HARNESS, 'FAIL']]);
    expect(b.runs['wasm-rt']).toEqual({ status: 'CRASH', message: 'killed by SIGSEGV' });
  });

  it('matches a name given twice by its occurrence (two wast commands on one line)', () => {
    const r = report.lineUp('d.wast', { v8: run([['7', 'PASS'], ['7', 'FAIL']]), 'wasm-rt': run([['7', 'PASS'], ['7', 'PASS']]) }, ['v8', 'wasm-rt']);
    expect(r.cases.map((x) => [x.name, x.v8.status, x['wasm-rt'].status])).toEqual([['7', 'PASS', 'PASS'], ['7', 'FAIL', 'PASS']]);
  });
});

describe('expectations', () => {
  const expected = [
    { reason: 'b is hard', cases: { 'a.js': ['b'] } },
    { reason: 'gone upstream', cases: { 'a.js': ['renamed'] } },
    { reason: 'a is fixed', cases: { 'a.js': ['a'] } },
    { reason: 'no setup', cases: { 'c.js': [HARNESS] } },
  ];

  it('finds the unexpected failures and passes, and the stale entries', () => {
    const v = report.checkExpectations(expected, results, 'wasm-rt');
    expect(v.failures).toEqual([
      { engine: 'wasm-rt', file: 'a.js', name: 'c', status: 'FAIL', message: 'no' },
      { engine: 'wasm-rt', file: 'b.js', name: RUN, status: 'CRASH', message: 'killed by SIGSEGV' },
    ]);
    // c.js's "s": wasm-rt's listed harness error kept it from running.
    expect(v.passes).toEqual([{ engine: 'wasm-rt', file: 'a.js', name: 'a', reason: 'a is fixed' }]);
    expect(v.stale).toEqual([{ engine: 'wasm-rt', file: 'a.js', name: 'renamed' }]);
  });

  it('"[run]" lists a run that ends early; listed for a run that does not end early, it passes unexpectedly', () => {
    const v = report.checkExpectations([{ reason: 'crashes', cases: { 'b.js': [RUN], 'a.js': [RUN] } }], results, 'wasm-rt');
    expect(v.failures.map((f) => [f.file, f.name])).toEqual([['a.js', 'b'], ['a.js', 'c'], ['c.js', 's'], ['c.js', HARNESS]]);
    expect(v.passes).toEqual([{ engine: 'wasm-rt', file: 'a.js', name: RUN, reason: 'crashes' }]);
  });

  it('checks only the engines the file lists; an empty list expects every case to pass', () => {
    const verdicts = report.checkEngines({ 'wasm-rt': expected, 'node@26': [] }, results, ENGINES);
    expect(Object.keys(verdicts)).toEqual(['wasm-rt', 'node@26']);
    expect(verdicts['node@26']).toEqual({ failures: [], passes: [], stale: [] });
    expect(report.unexpected({ 'node@26': verdicts['node@26'] })).toBe(false);
    expect(report.unexpected(verdicts)).toBe(true);
    const v8 = report.checkEngines({ v8: [] }, results, ENGINES).v8;
    expect(v8.failures.map((f) => [f.file, f.name])).toEqual([['a.js', 'c']]);
  });

  it('an update keeps the reasons of cases still failing, drops fixed and stale ones, and lists new failures to triage', () => {
    const other = { reason: 'another file', cases: { 'z.js': ['q'] } };
    const { expected: next, added } = report.updateExpectations([...expected, other], results, 'wasm-rt');
    expect(added).toBe(2);
    expect(next).toEqual([
      { reason: 'b is hard', cases: { 'a.js': ['b'] } },
      { reason: 'no setup', cases: { 'c.js': [HARNESS] } },
      other,
      { reason: NEW_REASON, cases: { 'a.js': ['c'], 'b.js': [RUN] } },
    ]);
    expect(report.checkExpectations(next, results, 'wasm-rt')).toEqual({ failures: [], passes: [], stale: [] });
    // A second update finds nothing new, and the first's input is unchanged.
    expect(report.updateExpectations(next, results, 'wasm-rt')).toEqual({ expected: next, added: 0 });
    expect(expected[0].cases['a.js']).toEqual(['b']);
  });

  it('an update of a run that ended early keeps what was listed and adds "[run]"', () => {
    const { expected: next } = report.updateExpectations([{ reason: 'y is hard', cases: { 'b.js': ['y'] } }], results, 'wasm-rt');
    expect(next).toEqual([
      { reason: 'y is hard', cases: { 'b.js': ['y'] } },
      { reason: NEW_REASON, cases: { 'a.js': ['b', 'c'], 'b.js': [RUN], 'c.js': [HARNESS] } },
    ]);
  });

  it('refuses a file not in the format', () => {
    const v = (data) => () => report.validateExpectations(data, 'x.json');
    expect(v({ 'wasm-rt': [{ reason: 'r', cases: { 'a.js': ['b'] } }] })()).toBeTruthy();
    expect(v({ 'wasm-rt': { 'a.js': { fail: ['b'] } } })).toThrow(/x.json: wasm-rt: not a list of reasons/);
    expect(v({ 'wasm-rt': [{ reason: 'r', cases: { 'a.js': [12] } }] })).toThrow(/case 12 is not a string/);
    expect(v({ 'wasm-rt': [{ reason: 'r', cases: { 'a.js': ['b'] } }, { reason: 's', cases: { 'a.js': ['b'] } }] })).toThrow(/"b" is listed twice/);
    expect(v({ 'wasm-rt': [{ reason: 'r', cases: {} }, { reason: 'r', cases: {} }] })).toThrow(/reason given twice/);
    expect(v({ 'wasm-rt': [{ reason: 'r', cases: { 'a.js': [] } }] })).toThrow(/not a list of cases/);
    expect(v({ 'wasm-rt': [{ reason: 'r', fail: { 'a.js': ['b'] } }] })).toThrow(/each entry is/);
  });

  it('saves what it loads, a file’s cases on one line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-suite-report-'));
    try {
      const file = path.join(dir, 'x.json');
      const data = { 'wasm-rt': expected, 'node@26': [] };
      report.saveExpectations('x', data, file);
      expect(report.loadExpectations('x', file)).toEqual(data);
      expect(fs.readFileSync(file, 'utf8')).toContain('"a.js": ["b"]');
      expect(JSON.parse(report.formatExpectations({}))).toEqual({});
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(['wpt', 'wast', 'wasi-test'])('conformance/expectations/%s.json loads and lists wasm-rt', (suite) => {
    expect(Object.keys(report.loadExpectations(suite))).toContain('wasm-rt');
  });

  it('the verdict lines name each engine’s file, then each unexpected result', () => {
    const lines = report.verdictLines('wpt', report.checkEngines({ 'wasm-rt': expected }, results, ENGINES));
    expect(lines).toEqual([
      '',
      'wasm-rt vs conformance/expectations/wpt.json: 2 unexpected failures, 1 unexpected passes',
      '  FAIL a.js: "c" FAIL: no',
      '  FAIL b.js: CRASH: killed by SIGSEGV',
      '  PASS a.js: "a" (listed: a is fixed)',
      '  note: a.js: listed case not seen: "renamed"',
    ]);
  });
});

describe('one engine against all others', () => {
  const status = (row) => (e) => row[e];
  it('is the engine whose outcome differs from the others, which agree, with three engines or more', () => {
    expect(report.aloneOf(['a', 'b', 'c'], status({ a: 'PASS', b: 'FAIL', c: 'PASS' }))).toBe('b');
    expect(report.aloneOf(['a', 'b', 'c'], status({ a: 'PASS', b: 'FAIL', c: 'TIMEOUT' }))).toBe(null);
    expect(report.aloneOf(['a', 'b', 'c', 'd'], status({ a: 'PASS', b: 'FAIL', c: 'FAIL', d: 'PASS' }))).toBe(null);
    expect(report.aloneOf(['a', 'b'], status({ a: 'PASS', b: 'FAIL' }))).toBe(null);
    expect(report.aloneOf(['a', 'b', 'c'], status({ a: 'PASS', b: 'PASS', c: 'PASS' }))).toBe(null);
  });

  it('counts the rows each engine is alone on', () => {
    expect(report.aloneLine([{ alone: 'v8' }, { alone: null }, { alone: 'wasm-rt' }, { alone: 'v8' }])).toBe('alone (one engine against all others): v8 2, wasm-rt 1');
    expect(report.aloneLine([{ alone: null }])).toBe(null);
  });
});

describe('printing', () => {
  it('the summary line has each engine’s score, in the order given', () => {
    const summary = report.summaryOf(results, ENGINES);
    expect(summary).toEqual({ total: 7, passed: { v8: 6, 'wasm-rt': 1, 'node@26': 7 }, differ: 6 });
    expect(report.summaryLine('wpt', summary, ENGINES)).toBe('wpt: v8 6/7 wasm-rt 1/7 node@26 7/7 differ 6');
    expect(report.summaryLine('wast', report.summaryOf(results, ['v8']), ['v8'])).toBe('wast: v8 6/7 differ -');
  });

  it('the table has a column per engine, the run’s status where it is not OK, then the runner’s columns', () => {
    const table = report.fileTable(results, ENGINES, { first: 'script', columns: { text: (r) => r.file.length } });
    expect(table.split('\n')).toEqual([
      'script | v8  | wasm-rt   | node@26 | text',
      'a.js   | 2/3 | 1/3       | 3/3     | 4',
      'b.js   | 2/2 | 0/2 CRASH | 2/2     | 4',
      'c.js   | 2/2 | 0/2 ERROR | 2/2     | 4',
    ]);
  });

  it('lists the cases engines disagree on, each engine’s answer, one line for a crashed run, and who stands alone', () => {
    const lines = report.differenceLines(results, ENGINES, { unit: 'subtests' });
    expect(lines).toEqual([
      '',
      'differences: 6 subtests',
      '  a.js',
      '    "b" (alone: wasm-rt)',
      '      v8      PASS',
      '      wasm-rt FAIL: wrong',
      '      node@26 PASS',
      '    "c" (alone: node@26)',
      '      v8      FAIL: v8 says no',
      '      wasm-rt FAIL: no',
      '      node@26 PASS',
      '  b.js',
      '    wasm-rt CRASH for all 2 subtests (v8: 2 pass, node@26: 2 pass): killed by SIGSEGV',
      '  c.js',
      '    "s" (alone: wasm-rt)',
      '      v8      PASS',
      '      wasm-rt MISSING',
      '      node@26 PASS',
      `    "${HARNESS}" (alone: wasm-rt)`,
      '      v8      PASS',
      '      wasm-rt FAIL: setup threw',
      '      node@26 PASS',
      'alone (one engine against all others): wasm-rt 5, node@26 1',
    ]);
    expect(report.differenceLines(results, ['v8'], { unit: 'subtests' })).toEqual([]);
  });

  it('a "[run]" case sits on its file’s line', () => {
    const r = report.lineUp('rust/t', { node: run([[RUN, 'FAIL', 'exit code 1']]), 'wasm-rt': run([[RUN, 'PASS']]) }, ['node', 'wasm-rt']);
    expect(report.differenceLines([r], ['node', 'wasm-rt'], { unit: 'tests' })).toEqual(['', 'differences: 1 tests', '  rust/t', '    node    FAIL: exit code 1', '    wasm-rt PASS']);
  });
});

describe('the HTML page', () => {
  it('has the JSON report’s numbers, each engine’s cell per file, and the disagreements, an engine that ended early on one line', () => {
    const json = report.reportOf('wpt', results, ENGINES, report.checkEngines({ 'wasm-rt': [] }, results, ENGINES));
    const page = report.pageOf('wpt', json, results, { unit: 'subtests', label: (c) => `"${c.name}"` });
    expect([page.line, page.unit, page.summary]).toEqual([report.summaryLine('wpt', json.summary, ENGINES), 'subtests', json.summary]);
    expect(page.verdicts).toEqual({ 'wasm-rt': { failures: 5, passes: 0 } });
    expect(page.files.map((f) => [f.file, f.total, f.differ, ...f.cells.map((c) => `${c.passed} ${c.status} ${c.kind} ${c.alone}`)])).toEqual([
      ['a.js', 3, 2, '2 OK fail 0', '1 OK fail 1', '3 OK pass 1'],
      ['b.js', 2, 2, '2 OK pass 0', '0 CRASH none 2', '2 OK pass 0'],
      ['c.js', 2, 2, '2 OK pass 0', '0 ERROR fail 2', '2 OK pass 0'],
    ]);
    expect(page.files[0].cases[0]).toEqual({ label: '"b"', alone: 'wasm-rt', outcomes: [{ status: 'PASS', message: null, kind: 'pass' }, { status: 'FAIL', message: 'wrong', kind: 'fail' }, { status: 'PASS', message: null, kind: 'pass' }] });
    expect(page.files.map((f) => f.cases.map((c) => c.label))).toEqual([['"b"', '"c"'], [], ['"s"', `"${HARNESS}"`]]);
    expect(page.files.map((f) => f.ended)).toEqual([[], [{ engine: 'wasm-rt', status: 'CRASH', message: 'killed by SIGSEGV' }], []]);
  });

  it('lists a case the other engines disagree on beside an engine that ended early', () => {
    const r = report.lineUp('t.js', { v8: run([['x', 'FAIL', 'no']]), 'wasm-rt': run([], 'TIMEOUT', 'slow'), 'node@26': run([['x', 'PASS']]) }, ENGINES);
    const [file] = report.pageOf('wpt', report.reportOf('wpt', [r], ENGINES, {}), [r]).files;
    expect(file.ended.map((x) => x.engine)).toEqual(['wasm-rt']);
    expect(file.cases.map((c) => [c.label, ...c.outcomes.map((o) => o.kind)])).toEqual([['x', 'fail', 'none', 'pass']]);
  });
});

describe('the JSON report', () => {
  it('has the engines, their scores and every checked engine’s verdict', () => {
    const verdicts = report.checkEngines({ 'wasm-rt': [], 'node@26': [] }, results, ENGINES);
    const json = JSON.parse(JSON.stringify(report.reportOf('wpt', results, ENGINES, verdicts)));
    expect(Object.keys(json)).toEqual(['engines', 'summary', 'expectations']);
    expect(json.engines).toEqual(ENGINES);
    expect(json.summary).toEqual({ total: 7, passed: { v8: 6, 'wasm-rt': 1, 'node@26': 7 }, differ: 6 });
    expect(json.expectations.file).toBe(report.expectationsFile('wpt'));
    expect(json.expectations.engines).toEqual(['wasm-rt', 'node@26']);
    expect(json.expectations.unexpectedFailures.map((f) => [f.engine, f.file, f.name])).toEqual([
      ['wasm-rt', 'a.js', 'b'],
      ['wasm-rt', 'a.js', 'c'],
      ['wasm-rt', 'b.js', RUN],
      ['wasm-rt', 'c.js', 's'],
      ['wasm-rt', 'c.js', HARNESS],
    ]);
    expect(json.expectations.unexpectedPasses).toEqual([]);
    expect(json.expectations.stale).toEqual([]);
    expect(report.reportOf('wpt', results, ENGINES, {}).expectations).toBe(null);
  });

  it('finish writes it and prints where, then the summary line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-suite-report-'));
    try {
      const json = path.join(dir, 'r.json');
      const lines = [];
      const r = { ...report.reportOf('wast', results, ENGINES, {}), rows: [] };
      report.finish((l) => lines.push(l), 'wast', json, r, '3 scripts');
      expect(JSON.parse(fs.readFileSync(json, 'utf8'))).toEqual(r);
      expect(lines).toEqual([`report: ${path.relative(process.cwd(), json)}; 3 scripts`, 'wast: v8 6/7 wasm-rt 1/7 node@26 7/7 differ 6']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
