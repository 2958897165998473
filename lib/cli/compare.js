'use strict';
// `wasm-rt compare SCRIPT [ARGS...]`: runs a Node program in fresh processes, once per engine — by
// default on V8, and with wasm-rt installed before anything loads (lib/cli/preload.js, also in
// the Node processes the program starts) — and compares stdout, stderr, the exit code and, with
// --dir, the files the program leaves in a folder, each engine's against the first's.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runChild } = require('./child');
const { UsageError, integerOption, parseArgv, operandIndex, parseCommandLine } = require('./options');
const { ENGINE_OPTIONS, ENGINES_USAGE, enginesFromOptions, childOf } = require('./engine-spec');

const PRELOAD = path.join(__dirname, 'preload.js');

const USAGE = `usage: wasm-rt compare [options] SCRIPT [ARGS...]
  --dir D        each run starts in its own copy of folder D (as its working directory); the
                 files it leaves there are compared too
  --timeout MS   per run (default: 600000)
  --json FILE    write every run's results and the verdict as JSON
${ENGINES_USAGE}
Runs SCRIPT (CommonJS or ES module) on each engine in turn: on V8 (of this Node or another), on
wasm-rt (globalThis.WebAssembly and node:wasi replaced before anything loads, in child Node
processes too). Prints equal or different, each engine's first difference from the first engine
with context, and every run's time.
Exit code: 0 equal; 1 different; 2 usage error, or a run that could not start or timed out.`;

const OPTIONS = {
  ...ENGINE_OPTIONS,
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
  const { engines, specs } = enginesFromOptions(values);
  if (engines.length < 2) throw new UsageError('compare needs two engines or more');
  return { script, args: argv.slice(at + 1), dir: values.dir && path.resolve(values.dir), timeoutMs, json: values.json, engines, specs };
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
  const cwd = o.dir ? fs.mkdtempSync(path.join(scratch, `${engine.name.replace(/[^\w@.-]/g, '_')}-`)) : process.cwd();
  if (o.dir) fs.cpSync(o.dir, cwd, { recursive: true, verbatimSymlinks: true });
  const { execPath, env } = childOf(engine);
  if (engine.kind === 'wasm-rt') {
    // NODE_OPTIONS reaches the Node processes the program starts, so they run on wasm-rt too.
    env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --require ${JSON.stringify(PRELOAD)}`.trim();
  }
  const r = await runChild({ command: execPath, args: [...programArgv(engine), o.script, ...o.args], cwd, env, timeoutMs: o.timeoutMs });
  return {
    engine: engine.name,
    ms: r.ms,
    status: r.code,
    signal: r.signal,
    timedOut: r.timedOut,
    stdout: r.stdout,
    stderr: r.spawnError ? `${r.stderr}${r.spawnError}` : r.stderr,
    files: o.dir ? files(cwd) : undefined,
  };
}

/** What the engine's runtime takes before a program's path: a Node, its warnings off. */
const programArgv = (engine) => engine.programArgv ?? ['--no-warnings'];

/** The first line where two texts differ, with two lines of context on each side, under the two runs' engine names. */
function firstDifference(a, b, names) {
  const la = a.split('\n');
  const lb = b.split('\n');
  let i = 0;
  while (i < la.length && i < lb.length && la[i] === lb[i]) i++;
  const from = Math.max(0, i - 2);
  const show = (lines) => lines.slice(from, i + 3).map((l, k) => `${from + k === i ? '>' : ' '} ${from + k + 1}: ${l}`).join('\n');
  return { line: i + 1, [names[0]]: show(la), [names[1]]: show(lb) };
}

/** How run `b` differs from run `a`: exit code, each stream, each file. */
function compareRuns(a, b) {
  const names = [a.engine, b.engine];
  const diffs = [];
  if (a.status !== b.status || a.signal !== b.signal) diffs.push({ what: 'exit code', [names[0]]: a.signal ?? a.status, [names[1]]: b.signal ?? b.status });
  for (const stream of ['stdout', 'stderr']) {
    if (a[stream] !== b[stream]) diffs.push({ what: stream, ...firstDifference(a[stream], b[stream], names) });
  }
  if (a.files) {
    for (const name of [...new Set([...Object.keys(a.files), ...Object.keys(b.files)])].sort()) {
      const [x, y] = [a.files[name], b.files[name]];
      if (x === y) continue;
      if (x === undefined || y === undefined) diffs.push({ what: `file ${name}`, [names[0]]: x === undefined ? '(absent)' : '(present)', [names[1]]: y === undefined ? '(absent)' : '(present)' });
      else diffs.push({ what: `file ${name}`, ...firstDifference(x, y, names) });
    }
  }
  return diffs;
}

async function main(argv) {
  const o = parseCommandLine('compare', USAGE, options, argv);
  if (typeof o === 'number') return o;
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-compare-'));
  try {
    const runs = [];
    for (const name of o.engines) runs.push(await runOnce(o.specs[name], o, scratch));
    const failed = runs.find((r) => r.timedOut);
    const [first, ...rest] = runs;
    // Each engine against the first: with three or more, the list says who differs from whom.
    const differences = failed ? [] : rest.map((r) => ({ engine: r.engine, against: first.engine, diffs: compareRuns(first, r) })).filter((d) => d.diffs.length);
    const verdict = failed ? 'could not run' : differences.length ? 'different' : 'equal';
    // `diffs` keeps its two-engine form: the second engine's differences from the first.
    const diffs = o.engines.length === 2 ? (differences[0]?.diffs ?? []) : differences.flatMap((d) => d.diffs.map((x) => ({ engine: d.engine, ...x })));
    if (o.json) fs.writeFileSync(o.json, `${JSON.stringify({ script: o.script, args: o.args, engines: o.engines, verdict, diffs, differences, runs }, null, 2)}\n`);
    if (failed) {
      process.stderr.write(`wasm-rt compare: the ${failed.engine} run did not finish within ${o.timeoutMs} ms\n`);
      return 2;
    }
    process.stdout.write(`compare: ${verdict} (${runs.map((r) => `${r.engine} ${r.ms.toFixed(0)} ms`).join(', ')})\n`);
    for (const { engine, against, diffs: list } of differences) {
      const [d] = list;
      const who = o.engines.length > 2 ? `${engine} against ${against}: ` : '';
      process.stdout.write(`${who}first difference: ${d.what}${d.line ? `, line ${d.line}` : ''}\n`);
      process.stdout.write(`--- ${against}\n${d[against]}\n--- ${engine}\n${d[engine]}\n`);
      if (list.length > 1) process.stdout.write(`(${list.length - 1} more: ${list.slice(1).map((x) => x.what).join(', ')})\n`);
    }
    return differences.length ? 1 : 0;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

module.exports = { main };
