'use strict';
// `wasm-rt fuzz --engines a,b,c`: each engine in a child process of its own (lib/cli/fuzz-engine.js,
// under that engine's runtime), kept for the whole run; this process generates each case once
// (src/tools/fuzz.rs), sends it to every child, and compares their steps. Generated modules use
// only the proposals every engine compiles (probed once, at the start, with a tiny module each).
const path = require('node:path');
const { fork } = require('node:child_process');
const native = require('../native');
const boundary = require('./fuzz-boundary');
const { callsFor, mutate, reexportedImports, KNOWN_RT, KNOWN_V8, KNOWN_ENGINE_BUGS, knownGap } = require('./fuzz-cases');
const { sameOutcome } = require('../outcomes');
const { childOf } = require('./engine-spec');

const CHILD = path.join(__dirname, 'fuzz-engine.js');

// A module per proposal the generator can turn on; an engine has it when it compiles the module.
const PROBES = {
  simd: '(module (func (result v128) (v128.const i64x2 0 0)))',
  multiResultImports: '(module (import "m" "f" (func (result i32 i64))))',
  exceptions: '(module (tag $e) (func (block $b (try_table (catch_all $b) (throw $e)))))',
  tailCall: '(module (func $f (return_call $f)))',
  extendedConst: '(module (global i32 (i32.add (i32.const 1) (i32.const 2))))',
  multiMemory: '(module (memory 1) (memory 1))',
};

const b64 = (bytes) => Buffer.from(bytes).toString('base64');

/** One engine's child: asked one case at a time; a crash or a hang ends it, and the next case starts another. */
class EngineChild {
  constructor(spec, hangMs) {
    this.spec = spec;
    this.hangMs = hangMs;
    this.proc = null;
    this.id = 0;
  }

  start() {
    const { execPath, env } = childOf(this.spec);
    // --expose-gc: imports may collect garbage in the middle of a call.
    const execArgv = this.spec.execArgv ?? ['--expose-gc'];
    this.proc = fork(CHILD, [], { execPath, execArgv, env: { ...env, WASM_RT_FUZZ_ENGINE: this.spec.kind, WASM_RT_CACHE: 'off' }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.stderr = '';
    this.proc.stderr.on('data', (d) => (this.stderr = (this.stderr + d).slice(-4000)));
  }

  /** Resolves `{ result }`, or `{ crash }` (how the child ended) with its stderr's end. */
  ask(message) {
    if (!this.proc) this.start();
    const proc = this.proc;
    const id = ++this.id;
    return new Promise((resolve) => {
      const done = (answer) => {
        clearTimeout(timer);
        proc.off('message', onMessage);
        proc.off('exit', onExit);
        resolve(answer);
      };
      const onMessage = (m) => m.id === id && done({ result: m.result });
      const onExit = (code, signal) => {
        this.proc = null;
        done({ crash: hung ? `hang: no answer after ${this.hangMs / 1000} s` : (signal ?? `exit ${code}`), stderr: this.stderr });
      };
      let hung = false;
      const timer = setTimeout(() => {
        hung = true;
        proc.kill('SIGKILL');
      }, this.hangMs);
      proc.on('message', onMessage);
      proc.on('exit', onExit);
      proc.send({ id, ...message });
    });
  }

  stop() {
    this.proc?.kill();
  }
}

/** The proposals every engine compiles, and which engines lack each of the others. */
async function probe(children) {
  const modules = Object.fromEntries(Object.entries(PROBES).map(([name, text]) => [name, b64(native.wat(text))]));
  const answers = await Promise.all(children.map((c) => c.ask({ mode: 'probe', modules })));
  const features = {};
  const lacking = {};
  for (const name of Object.keys(PROBES)) {
    const without = children.filter((c, i) => !answers[i].result?.[name]).map((c) => c.spec.name);
    features[name] = without.length === 0;
    if (without.length) lacking[name] = without;
  }
  return { features, lacking };
}

// Errors' wording differs between engines and is not compared (fuzz-boundary.js keeps it as
// `detail` to tell known gaps apart).
const comparable = (o) => JSON.parse(JSON.stringify(o ?? { missing: true }, (k, v) => (k === 'detail' || k === 'message' || k === 'step' ? undefined : v)));

/** The steps where the engines' outcomes differ; each names the one engine against all others, if any. */
function differingSteps(names, runs) {
  const out = [];
  for (let i = 0; i < Math.max(...runs.map((r) => r.length)); i++) {
    const outcomes = runs.map((r) => r[i]);
    const cmp = outcomes.map(comparable);
    if (cmp.every((c) => sameOutcome(c, cmp[0]))) continue;
    const alone =
      names.length < 3
        ? null
        : (names.find((_, k) => {
            const others = cmp.filter((_, j) => j !== k);
            return others.every((c) => sameOutcome(c, others[0])) && !sameOutcome(cmp[k], others[0]);
          }) ?? null);
    out.push({ step: outcomes.find(Boolean).step, alone, outcomes: Object.fromEntries(names.map((e, k) => [e, outcomes[k]])) });
  }
  return out;
}

/**
 * Whether a difference is one conformance/known-divergences.md lists: damaged bytes that some
 * engines compile and the others refuse for a proposal they lack (every refusal in the words
 * that name a missing feature), another engine alone with one of its bugs that fuzz-cases.js
 * lists, or wasm-rt engines refusing what wasmer lacks where the other engines agree.
 */
function isKnown(d, specs, mode) {
  const names = Object.keys(d.outcomes);
  if (mode === 'mutate') {
    // JavaScriptCore validates too little (conformance/triage.md): damaged bytes it alone compiles,
    // which every other engine refuses as invalid, are that bug.
    const others = names.filter((e) => e !== d.alone);
    if (d.alone && specs[d.alone].kind === 'jsc' && d.outcomes[d.alone]?.compile === 'ok' && others.every((e) => d.outcomes[e]?.compile === 'CompileError')) return true;
    const refusing = names.filter((e) => d.outcomes[e]?.compile !== 'ok');
    return refusing.length < names.length && refusing.every((e) => (specs[e].kind === 'wasm-rt' ? KNOWN_RT : KNOWN_V8).test(d.outcomes[e]?.message ?? ''));
  }
  if (d.alone && KNOWN_ENGINE_BUGS[specs[d.alone].kind]?.test(JSON.stringify(d.outcomes[d.alone]))) return true;
  const others = names.filter((e) => specs[e].kind !== 'wasm-rt');
  if (!others.length) return false;
  const consensus = comparable(d.outcomes[others[0]]);
  if (!others.every((e) => sameOutcome(comparable(d.outcomes[e]), consensus))) return false;
  const deviants = names.filter((e) => !sameOutcome(comparable(d.outcomes[e]), consensus));
  return deviants.length > 0 && deviants.every((e) => specs[e].kind === 'wasm-rt' && knownGap({ step: d.step, v8: d.outcomes[others[0]], 'wasm-rt': d.outcomes[e] }));
}

/** The exported functions' list (name, params, results, ...) without the names in `names`. */
function leaveOut(flat, names) {
  const out = [];
  for (let i = 0; i < flat.length; i += 3) if (!names.has(flat[i])) out.push(flat[i], flat[i + 1], flat[i + 2]);
  return out;
}

const exhausted = (x) => /stack overflow|out of memory|Maximum call stack/i.test(JSON.stringify(x));

/**
 * Runs seeds from `o.seed` on every engine of `specs` until `more()` says stop; `record` takes
 * each finding (fuzz.js). Returns the counts and the probed features.
 */
async function fuzzEngines(o, specs, names, more, record, hangMs) {
  const children = names.map((n) => new EngineChild(specs[n], hangMs));
  const counts = { modules: 0, calls: 0, poison: 0, known: 0, seed: o.seed };
  try {
    const { features, lacking } = await probe(children);
    counts.features = features;
    const off = Object.entries(lacking).map(([f, engines]) => `${f} (${engines.join(', ')} ${engines.length === 1 ? 'lacks' : 'lack'} it)`);
    process.stdout.write(`engines: ${names.join(', ')}; generated modules use ${Object.keys(features).filter((f) => features[f]).join(', ') || 'the core only'}${off.length ? `; not ${off.join(', ')}` : ''}\n`);
    const generatorFeatures = { ...features, exceptions: features.exceptions && o.mode === 'boundary' };
    // JavaScriptCore calls an exported import with the caller's arguments (conformance/triage.md):
    // with it in the run, such exports are neither called nor seen by the JS side, or nearly every
    // case would report that.
    const withoutReexports = o.mode === 'boundary' && names.some((n) => specs[n].kind === 'jsc');
    while (more(counts)) {
      const seed = counts.seed++;
      counts.modules += 1;
      const generated = native.fuzzModule(seed, { imports: o.mode === 'boundary', ...generatorFeatures });
      if (!generated) continue;
      const [original, ...exported] = generated;
      const bytes = o.mode === 'mutate' ? mutate(original, seed) : original;
      const hidden = withoutReexports ? reexportedImports(bytes) : new Set();
      const flat = leaveOut(exported, hidden);
      const message = { mode: o.mode, seed, bytes: b64(bytes), flat, hidden: [...hidden], imports: o.mode === 'boundary' ? boundary.importsOf(bytes) : undefined };
      if (o.mode !== 'mutate') counts.calls += callsFor(flat, seed).length;
      const answers = await Promise.all(children.map((c) => c.ask(message)));
      const crashed = answers.findIndex((a) => a.crash);
      if (crashed >= 0) {
        const a = answers[crashed];
        record({ seed, kind: `crash (${names[crashed]}: ${a.crash})`, stderr: a.stderr }, b64(bytes));
        continue;
      }
      const all = differingSteps(
        names,
        answers.map((a) => a.result),
      );
      if (all.length === 0) continue;
      // Steps after a difference in compiling or instantiating, or after a known one, compare
      // engines whose states already differ.
      const first = all[0];
      const differences = first.step === 'compile' || first.step === 'instantiate' ? [first] : all;
      if (exhausted(all)) counts.poison += 1;
      else if (isKnown(first, specs, o.mode)) counts.known += 1;
      else record({ seed, kind: 'divergence', differences }, b64(bytes));
    }
  } finally {
    for (const c of children) c.stop();
  }
  return counts;
}

module.exports = { fuzzEngines, differingSteps, isKnown, PROBES };
