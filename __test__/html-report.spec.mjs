// lib/cli/html-report.js: the page `--html FILE` writes for wpt, wast and wasi-test, opened in a
// real browser (Debian's chromium, driven by playwright-core): it loads without errors and fetches
// nothing, its numbers are the JSON report's, the filter leaves exactly the files where the
// engines disagree, a cell opens that file's messages, and hostile test output shows as text.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from './helpers/wasi.mjs';
import { fileRun as run } from './helpers/suite-results.mjs';

const require = createRequire(import.meta.url);
const report = require('../lib/cli/suite-report.js');
const { htmlPage } = require('../lib/cli/html-report.js');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// Without the browser the tests skip, except in CI (.ci/run installs it), where they fail.
const SKIP = !fs.existsSync(CHROMIUM) && !process.env.CI;
const WPT_DIR = process.env.WPT_DIR ?? path.join(ROOT, '..', 'shared', 'suites', 'webassembly-spec');

const HOSTILE = `</script><b>x</b>&lt;&"'`;
const ENGINES = ['v8', 'wasm-rt', 'node@26'];

// a.js: wasm-rt alone on "b", node@26 alone on "c" (v8's message is hostile). <i>b</i>.js:
// wasm-rt crashes. c.js: all pass. d.js: all fail alike (red, no disagreement). e.js: a hostile
// case name, v8 alone.
const RESULTS = [
  report.lineUp('a.js', {
    v8: run([['a', 'PASS'], ['b', 'PASS'], ['c', 'FAIL', HOSTILE]]),
    'wasm-rt': run([['a', 'PASS'], ['b', 'FAIL', 'wrong'], ['c', 'FAIL', 'no']]),
    'node@26': run([['a', 'PASS'], ['b', 'PASS'], ['c', 'PASS']]),
  }, ENGINES),
  report.lineUp('<i>b</i>.js', {
    v8: run([['x', 'PASS'], ['y', 'PASS']]),
    'wasm-rt': run([], 'CRASH', '<script>alert(1)</script>'),
    'node@26': run([['x', 'PASS'], ['y', 'PASS']]),
  }, ENGINES),
  report.lineUp('c.js', { v8: run([['s', 'PASS']]), 'wasm-rt': run([['s', 'PASS']]), 'node@26': run([['s', 'PASS']]) }, ENGINES),
  report.lineUp('d.js', { v8: run([['s', 'FAIL', 'f']]), 'wasm-rt': run([['s', 'FAIL', 'f']]), 'node@26': run([['s', 'FAIL', 'f']]) }, ENGINES),
  report.lineUp('e.js', {
    v8: run([['<img src=x onerror="alert(1)">', 'PASS']]),
    'wasm-rt': run([['<img src=x onerror="alert(1)">', 'FAIL', 'nope']]),
    'node@26': run([['<img src=x onerror="alert(1)">', 'FAIL', 'nope']]),
  }, ENGINES),
];

let browser;
let dir;

/** `file` opened in a fresh page, with what went wrong: page errors, console errors and warnings, dialogs, any request but the page's own. */
async function open(file) {
  const url = pathToFileURL(file).href;
  const page = await browser.newPage();
  // A missing element fails in seconds, not at the test's timeout.
  page.setDefaultTimeout(5000);
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => ['error', 'warning'].includes(m.type()) && problems.push(`console ${m.type()}: ${m.text()}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    return d.dismiss();
  });
  page.on('request', (r) => r.url() !== url && problems.push(`request: ${r.url()}`));
  await page.goto(url);
  return { page, problems };
}

/** What the page shows: each engine's score, the differ count, and each matrix row with its cells' "passed/total" and whether it is visible. */
const shown = (page) => page.evaluate(() => ({
  summary: Object.fromEntries([...document.querySelectorAll('#summary li')].map((li) => [li.dataset.engine, [Number(li.querySelector('.passed').textContent), Number(li.querySelector('.total').textContent)]])),
  differ: document.getElementById('differ').textContent,
  rows: [...document.querySelectorAll('#matrix > tbody > tr[data-differ]')].map((tr) => ({
    file: tr.cells[0].textContent,
    cells: [...tr.cells].slice(1, -1).map((td) => td.textContent.match(/^\d+\/\d+/)[0]),
    differ: Number(tr.cells[tr.cells.length - 1].textContent),
    visible: tr.checkVisibility(),
  })),
}));

/**
 * The page's numbers are `json`'s (its summary; per file, `files`: { file, total, differ,
 * passed: [per engine] }), and the filter shows exactly the files with disagreements, then all again.
 */
async function expectNumbers(page, json, files) {
  const before = await shown(page);
  expect(before.summary).toEqual(Object.fromEntries(json.engines.map((e) => [e, [json.summary.passed[e], json.summary.total]])));
  expect(before.differ).toBe(String(json.summary.differ));
  expect(before.rows.map(({ file, cells, differ }) => ({ file, cells, differ }))).toEqual(files.map((f) => ({ file: f.file, cells: f.passed.map((n) => `${n}/${f.total}`), differ: f.differ })));
  expect(before.rows.every((r) => r.visible)).toBe(true);
  const disagreeing = files.filter((f) => f.differ).map((f) => f.file);
  await page.check('#only');
  expect((await shown(page)).rows.filter((r) => r.visible).map((r) => r.file)).toEqual(disagreeing);
  await page.uncheck('#only');
  expect((await shown(page)).rows.filter((r) => r.visible).length).toBe(files.length);
}

/** The files of a wpt JSON report as expectNumbers takes them. */
const wptFiles = (json) => json.files.map((f) => ({ file: f.file, total: f.subtests.length, differ: f.subtests.filter((s) => s.differs).length, passed: json.engines.map((e) => f.subtests.filter((s) => s[e].status === 'PASS').length) }));

/** The link in the matrix cell of `file` (its whole name) and engine number `e`. */
async function cellOf(page, file, e) {
  const rows = page.locator('#matrix > tbody > tr[data-differ]');
  const i = (await rows.locator('td:first-child').allTextContents()).indexOf(file);
  expect(i, file).toBeGreaterThanOrEqual(0);
  return rows.nth(i).locator(`a[data-e="${e}"]`);
}

/** Clicks the cell of `file` and engine `e`: its row opens with that engine's column marked and `messages` in it. */
async function expectMessages(page, file, e, messages) {
  const link = await cellOf(page, file, e);
  const detail = page.locator(`#${await link.evaluate((a) => a.hash.slice(1))}`);
  expect(await detail.isVisible()).toBe(false);
  await link.click();
  expect(await detail.isVisible()).toBe(true);
  expect(await detail.getAttribute('data-focus')).toBe(String(e));
  const column = await detail.locator(`[data-e="${e}"]`).allTextContents();
  for (const m of messages) expect(column.join('\n')).toContain(m);
  return detail;
}

describe('the page, read as text', () => {
  it('holds test output as escaped text only; its one script is its own', () => {
    const html = htmlPage(report.pageOf('wpt', report.reportOf('wpt', RESULTS, ENGINES, {}), RESULTS, { unit: 'subtests' }));
    expect(html.match(/<script\b/g)).toHaveLength(1);
    expect(html).toContain('&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;&amp;lt;&amp;&quot;&#39;');
    expect(html).not.toMatch(/<(i|img)\b|<b>x/);
  });
});

describe.skipIf(SKIP)(`the HTML report in chromium (${CHROMIUM}; without it, skipped unless CI is set)`, () => {
  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM} (set CHROMIUM_PATH; .ci/run installs Debian's chromium)`);
    browser = await chromium.launch({ executablePath: CHROMIUM });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-html-report-'));
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('three engines: scores, cells, filter, messages, marks; hostile output is text', async () => {
    const verdicts = report.checkEngines({ 'wasm-rt': [] }, RESULTS, ENGINES);
    const json = { ...report.reportOf('wpt', RESULTS, ENGINES, verdicts), files: RESULTS.map(({ cases, ...r }) => ({ ...r, subtests: cases })) };
    const lines = [];
    const files = { json: path.join(dir, 'made-up.json'), html: path.join(dir, 'made-up.html') };
    report.finish((l) => lines.push(l), 'wpt', files.json, json, 'made up', { html: files.html, results: RESULTS, unit: 'subtests' });
    expect(lines[0]).toMatch(/made-up\.json and .*made-up\.html; made up$/);
    const written = JSON.parse(fs.readFileSync(files.json, 'utf8'));
    expect(written.summary).toEqual({ total: 8, passed: { v8: 6, 'wasm-rt': 2, 'node@26': 6 }, differ: 5 });

    const { page, problems } = await open(files.html);
    expect(written.files.filter((f) => f.subtests.some((s) => s.differs)).map((f) => f.file)).toEqual(['a.js', '<i>b</i>.js', 'e.js']);
    await expectNumbers(page, written, wptFiles(written));

    // Green, red, grey; the engine alone on a case is marked in its cell.
    const cells = await page.$$eval('#matrix > tbody > tr[data-differ]', (rows) => rows.map((tr) => [...tr.cells].slice(1, -1).map((td) => `${td.className} ${td.textContent}`)));
    expect(cells).toEqual([
      ['fail 2/3', 'fail alone 1/3◆1', 'pass alone 3/3◆1'],
      ['pass 2/2', 'none alone 0/2 CRASH◆2', 'pass 2/2'],
      ['pass 1/1', 'pass 1/1', 'pass 1/1'],
      ['fail 0/1', 'fail 0/1', 'fail 0/1'],
      ['pass alone 1/1◆1', 'fail 0/1', 'fail 0/1'],
    ]);
    expect(await page.locator('#matrix > tbody > tr[data-differ="0"] a').count()).toBe(0);
    expect(await page.locator('#summary li[data-engine="wasm-rt"]').textContent()).toBe('wasm-rt 2/8 subtests pass (25.0%); alone against all others on 3; against its expectations: 5 unexpected failures, 0 unexpected passes');

    // A cell opens its file's disagreements with its engine's column marked; another engine's
    // cell moves the mark; the same cell again closes them.
    const detail = await expectMessages(page, 'a.js', 0, [HOSTILE]);
    expect(await detail.locator('.cases > tbody > tr').allTextContents()).toEqual([`bPASSFAILwrongPASS`, `cFAIL${HOSTILE}FAILnoPASS`]);
    await expectMessages(page, 'e.js', 2, ['nope']);
    await (await cellOf(page, 'a.js', 1)).click();
    expect([await detail.isVisible(), await detail.getAttribute('data-focus')]).toEqual([true, '1']);
    await (await cellOf(page, 'a.js', 1)).click();
    expect(await detail.isVisible()).toBe(false);
    // A crashed engine is one line with its run's message.
    await expectMessages(page, '<i>b</i>.js', 1, ['CRASH for all 2 subtests', '<script>alert(1)</script>']);

    // Test output never became markup.
    expect(await page.locator('#matrix i, #matrix img, #matrix script, .m b').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(1);
    expect(problems).toEqual([]);
    await page.close();
  });

  it.skipIf(!fs.existsSync(WPT_DIR))('a real wpt run: the page agrees with the JSON report (needs the spec suite at $WPT_DIR)', async () => {
    const files = { json: path.join(dir, 'wpt.json'), html: path.join(dir, 'wpt.html') };
    const r = spawnSync(process.execPath, [BIN, 'wpt', '--tests', WPT_DIR, '--filter', 'memory', '--json', files.json, '--html', files.html], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(fs.readFileSync(files.json, 'utf8'));
    const { page, problems } = await open(files.html);
    await expectNumbers(page, json, wptFiles(json));
    // The first file where the engines disagree (with a newer V8 there may be none): each engine's cell.
    for (const file of json.files.filter((f) => f.subtests.some((s) => s.differs)).slice(0, 1)) {
      for (const [e, engine] of json.engines.entries()) {
        await expectMessages(page, file.file, e, file.subtests.filter((s) => s.differs && s[engine].message).map((s) => s[engine].message));
        await (await cellOf(page, file.file, e)).click();
      }
    }
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);

  it('a real wast run on three engines: the page agrees with wast\'s JSON report', async () => {
    const script = path.join(dir, 'simd.wast');
    // Singlepass has no SIMD: the second module does not compile there, and its command fails.
    fs.writeFileSync(script, `(module (func (export "f") (result i32) (i32.const 7)))
      (assert_return (invoke "f") (i32.const 7))
      (module (func (export "g") (result i32) (i32x4.extract_lane 1 (v128.const i32x4 1 2 3 4))))
      (assert_return (invoke "g") (i32.const 2))`);
    fs.writeFileSync(path.join(dir, 'plain.wast'), '(module (func (export "f") (result i32) (i32.const 7)))\n(assert_return (invoke "f") (i32.const 7))');
    const files = { json: path.join(dir, 'wast.json'), html: path.join(dir, 'wast.html') };
    const engines = ['v8', 'wasm-rt', 'wasm-rt:singlepass'];
    const r = spawnSync(process.execPath, [BIN, 'wast', '--engines', engines.join(), '--json', files.json, '--html', files.html, dir], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(fs.readFileSync(files.json, 'utf8'));
    const { page, problems } = await open(files.html);
    await expectNumbers(page, json, json.rows.map((row) => ({ file: row.file, total: row.total, differ: json.differences.filter((d) => d.file === row.file).length, passed: engines.map((e) => row[e]) })));
    const singlepass = json.differences.filter((d) => d.file === 'simd.wast').map((d) => d['wasm-rt:singlepass']);
    const detail = await expectMessages(page, 'simd.wast', 2, singlepass);
    expect(await detail.locator('.cases > tbody > tr > td:first-child').allTextContents()).toEqual(json.differences.map((d) => `line ${d.line} ${d.type}`));
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);
});
