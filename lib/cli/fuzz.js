'use strict';
// `wasm-rt fuzz`: modules generated from seeds (wasm-smith, src/tools/fuzz.rs) run on V8 and on
// wasm-rt; every difference in results, traps, exceptions or the state left behind — and every
// crash — is reported, and with --out written down (the module and what differed).
const fs = require('node:fs');
const path = require('node:path');
const { fork } = require('node:child_process');
const { UsageError, integerOption, parseArgv, parseCommandLine } = require('./options');
const { enginesFromOptions } = require('./engine-spec');
const { fuzzEngines } = require('./fuzz-engines');

const WORKER = path.join(__dirname, 'fuzz-worker.js');

const USAGE = `usage: wasm-rt fuzz [options]
  --time S      run for S seconds (default: 60)
  --count N     or for N cases (then --time does not apply)
  --seed N      the first seed (default: random); seed i+1 follows seed i, so a run replays
  What a case is (default: the JS boundary):
                a module with imports of every kind, and its JS side generated with it: imports
                that return edge values and wrong types the spec converts, throw, call back into
                an export, grow a memory or table, collect garbage; each export called, each
                funcref of an exported table too; compared: outcomes, the imports' calls and
                arguments, globals, memories and tables after
  --plain       a module without imports, its exports called with numbers
  --api         a sequence of JS API operations (compile, instantiate with shared objects, grow,
                Table/Global/Memory.buffer, calls, exceptions), compared step by step
  --limits      wasm-rt only: modules that need not end, under fuel or a deadline; every call,
                by every path (export, table, another instance, start function), must end,
                with the limit's error when it ends that way
  --mutate      damage each module (bytes flipped, cut short, inserted) and compare what
                validate, new Module and new Instance say of it on both engines
  --out DIR     write each differing or crashing module as DIR/seed-N.wasm with seed-N.json
                (the calls and what differed) and seed-N.reduced.wasm (the smallest module
                wasm-shrink finds that still differs the same way); findings of the same kind
                are written once and counted as duplicates
  --json FILE   a report of the run
  --engines A,B,...
                run each case on these engines (engine names as for wpt and wast: v8, wasm-rt,
                wasm-rt:singlepass, wasm-rt:cranelift, node@N, wasm-rt@nodeN), each in a child
                process of its own; generated modules use only the proposals all of them have
                (probed at the start). With the default, --plain and --mutate; no reductions.
A case where a stack or memory runs out on either engine has no verdict (poison); a case that
runs longer than 60 s is a hang (a crash).
Exit code: 0 no divergence and no crash; 1 otherwise; 2 usage error.`;

const MODES = ['plain', 'api', 'limits', 'mutate'];

function options(argv) {
  const { values } = parseArgv(argv, {
    time: { type: 'string', default: '60' },
    count: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'string' },
    engines: { type: 'string' },
    ...Object.fromEntries(MODES.map((m) => [m, { type: 'boolean', default: false }])),
    help: { type: 'boolean', short: 'h', default: false },
  });
  const modes = MODES.filter((m) => values[m]);
  if (modes.length > 1) throw new UsageError(`--${modes.join(' and --')} do not go together`);
  if (values.engines !== undefined && (values.api || values.limits)) throw new UsageError('--engines goes with the default cases, --plain and --mutate');
  return {
    engines: values.engines === undefined ? undefined : enginesFromOptions({ engines: values.engines }),
    help: values.help,
    seconds: integerOption(values.time, 'time'),
    count: values.count === undefined ? undefined : integerOption(values.count, 'count'),
    seed: values.seed === undefined ? Math.floor(Math.random() * 2 ** 32) : integerOption(values.seed, 'seed', 0),
    out: values.out,
    json: values.json,
    mode: modes[0] ?? 'boundary',
  };
}

// A case that takes longer than this is a hang: the worker is killed and the case recorded.
const HANG_MS = 60_000;

/**
 * The findings of a run: those of the same signature (which step differed, and how each engine
 * ended it) are one finding, the first kept (printed, and written to `out`), the others counted.
 */
function findingsLog(out) {
  const findings = [];
  const seen = new Map();
  // A trap kind or verdict counts; values, offsets and numbers in messages do not.
  const shape = (outcome) => JSON.stringify(outcome ?? {}, (k, v) => (k === 'value' ? typeof v : typeof v === 'string' ? v.replace(/0x[0-9a-f]+|\d+/gi, '#') : v));
  // A difference holds each engine's outcome: `outcomes` by engine (--engines), or v8 and wasm-rt.
  const sides = (d) => Object.values(d.outcomes ?? { v8: d.v8, 'wasm-rt': d['wasm-rt'] });
  const signature = (finding) => JSON.stringify([finding.kind.replace(/\(.*\)/, ''), (finding.differences ?? []).map((d) => [d.step.replace(/\d+/g, '#'), ...sides(d).map(shape)])]);
  const record = (finding, bytes, reduced) => {
    const sig = signature(finding);
    if (seen.has(sig)) {
      const first = seen.get(sig);
      first.duplicates += 1;
      if (first.duplicateSeeds.length < 20) first.duplicateSeeds.push(finding.seed);
      return;
    }
    finding.duplicates = 0;
    finding.duplicateSeeds = [];
    seen.set(sig, finding);
    findings.push(finding);
    process.stdout.write(`seed ${finding.seed}: ${finding.kind}${finding.differences ? `: ${finding.differences.map((d) => `${d.step}${d.alone ? ` (alone: ${d.alone})` : ''}`).join(', ')}` : ''}\n`);
    if (!out) return;
    if (bytes) fs.writeFileSync(path.join(out, `seed-${finding.seed}.wasm`), Buffer.from(bytes, 'base64'));
    if (reduced) fs.writeFileSync(path.join(out, `seed-${finding.seed}.reduced.wasm`), Buffer.from(reduced, 'base64'));
    fs.writeFileSync(path.join(out, `seed-${finding.seed}.json`), `${JSON.stringify(finding, null, 2)}\n`);
  };
  return { findings, record };
}

/** How many cases the findings stand for: crashes, and the others. */
function tally(findings) {
  const count = (list) => list.reduce((n, f) => n + 1 + f.duplicates, 0);
  return { crashes: count(findings.filter((f) => f.kind.startsWith('crash'))), divergences: count(findings.filter((f) => !f.kind.startsWith('crash'))) };
}

async function main(argv) {
  const o = parseCommandLine('fuzz', USAGE, options, argv);
  if (typeof o === 'number') return o;
  if (o.out) fs.mkdirSync(o.out, { recursive: true });
  const started = Date.now();
  let modules = 0;
  let calls = 0;
  let poison = 0;
  let known = 0;
  let stopped = 0;
  let seed = o.seed;
  let features;
  const more = (done = modules) => (o.count !== undefined ? done < o.count : Date.now() - started < o.seconds * 1000);
  const { findings, record } = findingsLog(o.out);
  if (o.engines) {
    const { engines, specs } = o.engines;
    const counts = await fuzzEngines(o, specs, engines, (c) => more(c.modules), record, HANG_MS);
    ({ modules, calls, poison, known, seed } = counts);
    features = counts.features;
  }

  // Without --engines, one process runs both engines (lib/cli/fuzz-worker.js).
  while (!o.engines && more()) {
    // One worker process until it crashes; a crash costs the seed it was on.
    await new Promise((resolve) => {
      // Generated modules are not worth keeping in the code cache.
      // --expose-gc: imports may collect garbage in the middle of a call.
      const worker = fork(WORKER, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: ['--expose-gc'], env: { ...process.env, WASM_RT_CACHE: 'off' } });
      let stderr = '';
      worker.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
      let current = seed;
      let hung = false;
      let watch;
      const next = () => {
        clearTimeout(watch);
        if (!more()) return worker.kill();
        current = seed++;
        worker.send({ seed: current, mode: o.mode });
        watch = setTimeout(() => {
          hung = true;
          worker.kill('SIGKILL');
        }, HANG_MS);
      };
      worker.on('message', (m) => {
        modules += 1;
        calls += m.calls ?? 0;
        if (m.verdict === 'poison') poison += 1;
        if (m.verdict === 'known') known += 1;
        stopped += m.stopped ?? 0;
        if (m.verdict === 'divergence') record({ seed: m.seed, kind: 'divergence', differences: m.differences, reproducer: m.reproducer }, m.bytes, m.reduced);
        if (process.stderr.isTTY) process.stderr.write(`\r${modules} modules, ${findings.length} findings, ${((Date.now() - started) / 1000).toFixed(0)} s, seed ${m.seed}\x1b[K`);
        next();
      });
      worker.on('exit', (code, signal) => {
        clearTimeout(watch);
        if (hung || (code !== null && code !== 0) || (signal && signal !== 'SIGTERM')) {
          modules += 1;
          record({ seed: current, kind: hung ? `crash (hang: no verdict after ${HANG_MS / 1000} s)` : `crash (${signal ?? `exit ${code}`})`, stderr });
        }
        resolve();
      });
      next();
    });
  }
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  const seconds = (Date.now() - started) / 1000;
  const { crashes, divergences } = tally(findings);
  if (o.json) fs.writeFileSync(o.json, `${JSON.stringify({ firstSeed: o.seed, mode: o.mode, engines: o.engines?.engines ?? ['v8', 'wasm-rt'], features, mutate: o.mode === 'mutate', modules, calls, divergences, poison, known, stopped, crashes, seconds, findings }, null, 2)}\n`);
  process.stdout.write(`${o.mode}: seeds ${o.seed}..${seed - 1} in ${seconds.toFixed(0)} s (${((modules / seconds) * 60).toFixed(0)} cases a minute)${o.mode === 'limits' ? `; ${stopped} calls stopped by their limit` : ''}${known ? `; ${known} known divergences (conformance/known-divergences.md)` : ''}\n`);
  process.stdout.write(`fuzz: ${o.engines ? `engines ${o.engines.engines.join(',')} ` : ''}modules ${modules} calls ${calls} divergences ${divergences} poison ${poison} crashes ${crashes}\n`);
  return findings.length ? 1 : 0;
}

module.exports = { main };
