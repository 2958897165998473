'use strict';
// The page `--html FILE` writes for wpt, wast and wasi-test, from what lib/cli/suite-report.js's
// pageOf takes out of the JSON report: each engine's score, a matrix of files by engines (green:
// all pass, red: some fail, grey: no verdict), a filter to the files where engines disagree, and
// under each of those its disagreeing cases with every engine's status and message, opened from
// its cells. One file, nothing fetched: inline CSS and JS, system fonts. Only disagreeing cases
// get markup of their own, so wast's ~260 scripts and ~1000 differing commands stay small. Test
// output goes into the page as escaped text only, never into the script.

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (text) => String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:1em 2em;color:#222}
table{border-collapse:collapse}
th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
#matrix>thead th{position:sticky;top:0;background:#fff}
#matrix>tbody>tr>td:not(:first-child){text-align:right;white-space:nowrap}
#matrix a{color:inherit}
.detail>td{background:#fafafa;padding:6px 6px 10px 24px}
.pass{background:#cfeecf}.fail{background:#f6caca}.none{background:#e2e2e2;color:#555}
.alone{box-shadow:inset 0 0 0 2px #8a2be2}
.mark{color:#8a2be2;font-weight:bold;margin-left:4px}
.m{white-space:pre-wrap;word-break:break-word;font-family:ui-monospace,monospace;font-size:12px}
.legend span{padding:0 6px;margin-right:6px}
.ended{margin-bottom:6px}
.cases th{white-space:nowrap}
.only-differ #matrix>tbody>tr[data-differ="0"]{display:none}`;

// The filter is a class on the body (one style change, not one per row); a cell opens its file's
// disagreements with its engine's column marked, and closes them when clicked again.
const SCRIPT = `'use strict';
const only = document.getElementById('only');
const filter = () => document.body.classList.toggle('only-differ', only.checked);
only.addEventListener('change', filter);
filter();
document.getElementById('matrix').addEventListener('click', (event) => {
  const cell = event.target.closest('a[data-e]');
  if (!cell) return;
  event.preventDefault();
  const detail = document.getElementById(cell.hash.slice(1));
  detail.hidden = !detail.hidden && detail.dataset.focus === cell.dataset.e;
  detail.dataset.focus = cell.dataset.e;
});`;

const percent = (n, total) => (total ? ` (${((100 * n) / total).toFixed(1)}%)` : '');

/** One engine's summary line: its score, the cases it stands alone on, and its verdict if it has expectations. */
function summaryItem(page, engine, i) {
  const { summary, unit, verdicts } = page;
  const passed = summary.passed[engine];
  const alone = page.files.reduce((n, f) => n + f.cells[i].alone, 0);
  const verdict = verdicts[engine];
  return `<li data-engine="${esc(engine)}"><b>${esc(engine)}</b> <span class="passed">${passed}</span>/<span class="total">${summary.total}</span> ${esc(unit)} pass${percent(passed, summary.total)}` +
    `${alone ? `; alone against all others on ${alone}` : ''}` +
    `${verdict ? `; against its expectations: ${verdict.failures} unexpected failures, ${verdict.passes} unexpected passes` : ''}</li>`;
}

/** A file's row of the matrix: each engine's "passed/total" (a link to the disagreements when there are some), then its count of them. */
function matrixRow(file, id) {
  const cells = file.cells.map((c, e) => {
    const text = `${c.passed}/${file.total}${c.status === 'OK' ? '' : ` ${esc(c.status)}`}`;
    const mark = c.alone ? `<span class="mark" title="alone against all other engines on ${c.alone}">◆${c.alone}</span>` : '';
    const body = file.differ ? `<a href="#${id}" data-e="${e}">${text}</a>` : text;
    return `<td class="${c.kind}${c.alone ? ' alone' : ''}">${body}${mark}</td>`;
  });
  return `<tr data-differ="${file.differ}"><td>${esc(file.file)}</td>${cells.join('')}<td>${file.differ}</td></tr>`;
}

/** The hidden row under a file's: engines that ended early, one line each, then the cases with each engine's outcome. */
function detailRow(page, file, id) {
  const { engines, unit } = page;
  const message = (m) => (m == null ? '' : `<div class="m">${esc(m)}</div>`);
  const ended = file.ended.map((x) => `<div class="ended" data-e="${engines.indexOf(x.engine)}"><b>${esc(x.engine)}</b> <span class="none">${esc(x.status)}</span> for all ${file.differ} ${esc(unit)}${message(x.message)}</div>`);
  const rows = file.cases.map((c) => {
    const cells = c.outcomes.map((o, e) => `<td data-e="${e}" class="${o.kind}${c.alone === engines[e] ? ' alone' : ''}">${esc(o.status)}${message(o.message)}</td>`);
    return `<tr><td class="m">${esc(c.label)}</td>${cells.join('')}</tr>`;
  });
  const table = rows.length ? `<table class="cases"><thead><tr><th>${esc(unit)}</th>${engines.map((e) => `<th>${esc(e)}</th>`).join('')}</tr></thead><tbody>${rows.join('\n')}</tbody></table>` : '';
  return `<tr class="detail" id="${id}" hidden><td colspan="${engines.length + 2}">${ended.join('')}${table}</td></tr>`;
}

/** The page of `page` (suite-report.js's pageOf). */
function htmlPage(page) {
  const { suite, engines, summary, unit, files } = page;
  // The clicked engine's column in a file's disagreements.
  const focus = engines.map((_, e) => `tr[data-focus="${e}"] [data-e="${e}"]{outline:2px solid #1565c0;outline-offset:-2px}`).join('\n');
  const differing = files.filter((f) => f.differ).length;
  const rows = files.map((f, i) => `${matrixRow(f, `d${i}`)}${f.differ ? `\n${detailRow(page, f, `d${i}`)}` : ''}`);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${esc(suite)}: ${esc(engines.join(', '))}</title>
<style>${CSS}
${focus}</style></head>
<body>
<h1>${esc(suite)}: ${files.length} files on ${esc(engines.join(', '))}</h1>
<p><code id="line">${esc(page.line)}</code></p>
<ul id="summary">${engines.map((e, i) => summaryItem(page, e, i)).join('\n')}</ul>
<p><label><input type="checkbox" id="only"> only the <span id="differ-files">${differing}</span> files where the engines disagree (<span id="differ">${summary.differ ?? '-'}</span> ${esc(unit)})</label></p>
<p class="legend"><span class="pass">all pass</span><span class="fail">some fail</span><span class="none">not run, crashed or timed out</span><span class="alone">◆N</span>alone against all other engines on N ${esc(unit)}. A linked cell opens its file's disagreements.</p>
<table id="matrix"><thead><tr><th>file</th>${engines.map((e) => `<th>${esc(e)}</th>`).join('')}<th>differ</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>
<script>${SCRIPT}</script>
</body></html>
`;
}

module.exports = { htmlPage };
