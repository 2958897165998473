'use strict';
// `wasm-rt compare SCRIPT [ARGS...]`: runs a Node program twice in fresh processes — on V8, and
// with wasm-rt installed before anything loads (lib/cli/preload.js, also in the Node processes
// the program starts) — and compares stdout, stderr, the exit code and, with --dir, the files
// the program leaves in a folder.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runChild } = require('./child');
const { UsageError, integerOption, parseArgv, operandIndex, parseCommandLine } = require('./options');

const PRELOAD = path.join(__dirname, 'preload.js');

const USAGE = `usage: wasm-rt compare [options] SCRIPT [ARGS...]
  --dir D        each run starts in its own copy of folder D (as its working directory); the
                 files it leaves there are compared too
  --timeout MS   per run (default: 600000)
  --json FILE    write both runs' results and the verdict as JSON
Runs SCRIPT (CommonJS or ES module) on V8, then on wasm-rt (globalThis.WebAssembly and
node:wasi replaced before anything loads, in child Node processes too). Prints equal or
different, the first difference with context, and both times.
Exit code: 0 equal; 1 different; 2 usage error, or a run that could not start or timed out.`;

const OPTIONS = {
  dir: { type: 'string' },
  timeout: { type: 'string', default: '600000' },
  json: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
};

function options(argv) {
  // Options end at the script: what follows is its own.
  const at = operandIndex(argv, OPTIONS);
  const { values } = parseArgv(at < 0 ? argv : argv.slice(0, at), OPTIONS);
  if (values.help) return { help: true };
  if (at < 0) throw new UsageError('a script to run is required');
  const timeoutMs = integerOption(values.timeout, 'timeout');
  const script = path.resolve(argv[at]);
  if (!fs.existsSync(script)) throw new UsageError(`no such script: ${argv[at]}`);
  if (values.dir !== undefined && !fs.statSync(values.dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UsageError(`--dir needs a folder, got ${values.dir}`);
  }
  return { script, args: argv.slice(at + 1), dir: values.dir && path.resolve(values.dir), timeoutMs, json: values.json };
}

/** Every file under `dir` (symlinks not followed) with its content, as text where it is text. */
function files(dir, out = {}, prefix = '') {
  for (const name of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    const st = fs.lstatSync(p);
    if (st.isDirectory()) files(p, out, `${prefix}${name}/`);
    else out[prefix + name] = st.isSymbolicLink() ? `-> ${fs.readlinkSync(p)}` : fs.readFileSync(p).toString('latin1');
  }
  return out;
}

async function runOnce(engine, o, scratch) {
  const cwd = o.dir ? fs.mkdtempSync(path.join(scratch, `${engine}-`)) : process.cwd();
  if (o.dir) fs.cpSync(o.dir, cwd, { recursive: true, verbatimSymlinks: true });
  const env = { ...process.env };
  if (engine === 'wasm-rt') {
    // NODE_OPTIONS reaches the Node processes the program starts, so they run on wasm-rt too.
    env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --require ${JSON.stringify(PRELOAD)}`.trim();
  }
  const r = await runChild({ args: ['--no-warnings', o.script, ...o.args], cwd, env, timeoutMs: o.timeoutMs });
  return {
    engine,
    ms: r.ms,
    status: r.code,
    signal: r.signal,
    timedOut: r.timedOut,
    stdout: r.stdout,
    stderr: r.spawnError ? `${r.stderr}${r.spawnError}` : r.stderr,
    files: o.dir ? files(cwd) : undefined,
  };
}

/** The first line where two texts differ, with two lines of context on each side. */
function firstDifference(a, b) {
  const la = a.split('\n');
  const lb = b.split('\n');
  let i = 0;
  while (i < la.length && i < lb.length && la[i] === lb[i]) i++;
  const from = Math.max(0, i - 2);
  const show = (lines) => lines.slice(from, i + 3).map((l, k) => `${from + k === i ? '>' : ' '} ${from + k + 1}: ${l}`).join('\n');
  return { line: i + 1, v8: show(la), 'wasm-rt': show(lb) };
}

function compareRuns(v8, rt) {
  const diffs = [];
  if (v8.status !== rt.status || v8.signal !== rt.signal) diffs.push({ what: 'exit code', v8: v8.signal ?? v8.status, 'wasm-rt': rt.signal ?? rt.status });
  for (const stream of ['stdout', 'stderr']) {
    if (v8[stream] !== rt[stream]) diffs.push({ what: stream, ...firstDifference(v8[stream], rt[stream]) });
  }
  if (v8.files) {
    for (const name of [...new Set([...Object.keys(v8.files), ...Object.keys(rt.files)])].sort()) {
      const [a, b] = [v8.files[name], rt.files[name]];
      if (a === b) continue;
      if (a === undefined || b === undefined) diffs.push({ what: `file ${name}`, v8: a === undefined ? '(absent)' : '(present)', 'wasm-rt': b === undefined ? '(absent)' : '(present)' });
      else diffs.push({ what: `file ${name}`, ...firstDifference(a, b) });
    }
  }
  return diffs;
}

async function main(argv) {
  const o = parseCommandLine('compare', USAGE, options, argv);
  if (typeof o === 'number') return o;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-compare-'));
  try {
    const v8 = await runOnce('v8', o, scratch);
    const rt = await runOnce('wasm-rt', o, scratch);
    const failed = [v8, rt].find((r) => r.timedOut);
    const diffs = failed ? [] : compareRuns(v8, rt);
    const verdict = failed ? 'could not run' : diffs.length ? 'different' : 'equal';
    if (o.json) fs.writeFileSync(o.json, `${JSON.stringify({ script: o.script, args: o.args, verdict, diffs, runs: [v8, rt] }, null, 2)}\n`);
    if (failed) {
      process.stderr.write(`wasm-rt compare: the ${failed.engine} run did not finish within ${o.timeoutMs} ms\n`);
      return 2;
    }
    process.stdout.write(`compare: ${verdict} (v8 ${v8.ms.toFixed(0)} ms, wasm-rt ${rt.ms.toFixed(0)} ms)\n`);
    const d = diffs[0];
    if (d) {
      process.stdout.write(`first difference: ${d.what}${d.line ? `, line ${d.line}` : ''}\n`);
      process.stdout.write(`--- v8\n${d.v8}\n--- wasm-rt\n${d['wasm-rt']}\n`);
      if (diffs.length > 1) process.stdout.write(`(${diffs.length - 1} more: ${diffs.slice(1).map((x) => x.what).join(', ')})\n`);
    }
    return diffs.length ? 1 : 0;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

module.exports = { main };
