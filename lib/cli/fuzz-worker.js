'use strict';
// The child process of `wasm-rt fuzz`: generates each case the parent names by seed and runs it
// on both engines. A crash ends only this process; the parent records it.
const native = require('../native');
const { compareModule, sameOutcome, v8WebAssembly } = require('../differential');
const boundary = require('./fuzz-boundary');
const api = require('./fuzz-api');
const { callsFor, mutate, verdicts, KNOWN_RT, KNOWN_V8, KNOWN_GAPS, knownGap } = require('./fuzz-cases');

// How many candidates wasm-shrink tries when reducing a finding.
const SHRINK_ATTEMPTS = 200;

/** The smallest module wasm-shrink finds that still shows the same difference. */
function reduce(bytes, stillDiffers) {
  return native.fuzzShrink(bytes, (candidate) => stillDiffers(candidate), SHRINK_ATTEMPTS);
}

const rtWebAssembly = () => require('../namespace').WebAssembly;

/** The steps of two runs (fuzz-boundary.js, fuzz-api.js) that differ. */
function differingSteps(v8, rt) {
  const out = [];
  for (let i = 0; i < Math.max(v8.length, rt.length); i++) {
    const [a, b] = [v8[i], rt[i]];
    const { step: _a, ...oa } = a ?? {};
    const { step: _b, ...ob } = b ?? {};
    if (!sameOutcome(oa, ob)) out.push({ step: (a ?? b).step, v8: a, 'wasm-rt': b });
  }
  return out;
}

/** Whether a difference is where each engine's own limits lie (a stack, memory), not semantics. */
const exhausted = (x) => /stack overflow|out of memory|Maximum call stack/i.test(JSON.stringify(x));

// Whether the V8 of this run has exnref exceptions (V8 12.4 on): generated modules use them then.
const EXCEPTIONS = (() => {
  try {
    return v8WebAssembly().validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 8, 1, 6, 0, 31, 64, 0, 11, 11]));
  } catch {
    return false;
  }
})();

/** A generated module with imports, and its JS side, on both engines (the default mode). */
function boundaryCase(seed) {
  const generated = native.fuzzModule(seed, { imports: true, exceptions: EXCEPTIONS });
  if (!generated) return { seed, skipped: true };
  const [bytes, ...flat] = generated;
  const imports = boundary.importsOf(bytes);
  const calls = callsFor(flat, seed);
  const v8 = boundary.run(v8WebAssembly(), bytes, imports, seed, calls);
  const rt = boundary.run(rtWebAssembly(), bytes, imports, seed, calls);
  const all = differingSteps(v8, rt);
  const verdict = all.length === 0 ? 'same' : exhausted(all) ? 'poison' : knownGap(all[0]) ? 'known' : 'divergence';
  // After a known divergence the two instances' states may differ: the steps after it are not
  // compared.
  const differences = verdict === 'known' ? all.slice(0, 1) : all;
  return {
    seed,
    calls: calls.length,
    verdict,
    differences,
    reproducer: verdict === 'divergence' ? { imports, calls: calls.map(([name, ...args]) => [name, ...args.map(String)]) } : undefined,
    bytes: differences.length ? Buffer.from(bytes).toString('base64') : undefined,
  };
}

/** A module that need not end, under fuel or a deadline on wasm-rt only: every call, on every
 * path into the instance, must end, and with the limit's error when it ends that way. */
function limitsCase(seed) {
  const rt = require('../..');
  const generated = native.fuzzModule(seed, { imports: true, terminate: false });
  if (!generated) return { seed, skipped: true };
  const [bytes, ...flat] = generated;
  const imports = boundary.importsOf(bytes);
  const fuel = seed % 4 !== 0;
  const limits = fuel ? { fuel: 20_000 } : { timeout: 20 };
  const W = rt.WebAssembly;
  const problems = [];
  let stopped = 0;
  const limitError = fuel ? /out of fuel/ : /deadline exceeded/;
  const check = (path, f) => {
    const t = Date.now();
    try {
      f();
    } catch (e) {
      // What the generated imports throw, traps, and the spec's errors are expected; wasm-rt's
      // own errors are not, but for the limit's and the known gaps.
      const message = String(e?.message ?? '');
      if (limitError.test(message)) stopped += 1;
      if (/wasm-rt: /.test(message) && !limitError.test(message) && !KNOWN_GAPS.test(message)) problems.push({ step: path, 'wasm-rt': { error: e?.constructor?.name, message } });
    }
    // A deadline stops wasm within a few ms of passing (JS an import runs is not wasm's, and the
    // imports here are short). Fuel bounds wasm's work, not time: thousands of import calls that
    // each collect garbage may take seconds; such a call must still end (a hang is a crash).
    if (!fuel && Date.now() - t > 5000) problems.push({ step: path, 'wasm-rt': { ms: Date.now() - t } });
  };
  let instance;
  const module = rt.compileSync(bytes, fuel ? { fuel: true } : { limits: true });
  const ctx = boundary.context();
  check('instantiate (start function)', () => {
    instance = rt.instantiateSync(module, boundary.importObject(W, imports, seed, ctx), limits);
  });
  if (!instance) return { seed, calls: 0, stopped, verdict: problems.length ? 'divergence' : 'same', differences: problems };
  ctx.exports = instance.exports;
  const calls = callsFor(flat, seed);
  for (const [name, ...args] of calls) {
    check(`call ${name}`, () => instance.exports[name](...args));
    if (fuel) rt.setLimits(instance, { fuel: 20_000 });
  }
  // The same functions reached another way: a funcref out of an exported table, and an import of
  // a second instance that re-exports them.
  for (const [name, table] of Object.entries(instance.exports)) {
    if (!(table instanceof W.Table)) continue;
    for (let i = 0; i < Math.min(table.length, 4); i++) {
      const f = table.get(i);
      if (typeof f === 'function') check(`call ${name}[${i}]`, () => f(...Array(f.length).fill(0)));
      if (fuel) rt.setLimits(instance, { fuel: 20_000 });
    }
  }
  const [first] = calls;
  if (first && first.length === 1) {
    const reexport = new W.Module(rt.wat('(module (import "m" "f" (func $f)) (func (export "g") (call $f)))'));
    check(`call ${first[0]} through another instance`, () => new W.Instance(reexport, { m: { f: instance.exports[first[0]] } }).exports.g());
  }
  return { seed, calls: calls.length, stopped, verdict: problems.length ? 'divergence' : 'same', differences: problems, bytes: problems.length ? Buffer.from(bytes).toString('base64') : undefined };
}

/** Damaged bytes: what validate, new Module and new Instance say of them on both engines. */
function mutateCase(seed) {
  const generated = native.fuzzModule(seed);
  if (!generated) return { seed, skipped: true };
  const bytes = mutate(generated[0], seed);
  const { message: v8Message, ...v8 } = verdicts(v8WebAssembly(), bytes);
  const { message: rtMessage, ...rt } = verdicts(rtWebAssembly(), bytes);
  const differ = JSON.stringify(v8) !== JSON.stringify(rt);
  const known = differ && ((v8.compile === 'ok' && KNOWN_RT.test(rtMessage)) || (rt.compile === 'ok' && KNOWN_V8.test(v8Message)));
  const pair = (b) => {
    const { message: _a, ...x } = verdicts(v8WebAssembly(), b);
    const { message: _b, ...y } = verdicts(rtWebAssembly(), b);
    return JSON.stringify([x, y]);
  };
  const reduced = differ && !known ? reduce(bytes, (c) => pair(c) === JSON.stringify([v8, rt])) : undefined;
  return {
    seed,
    calls: 0,
    verdict: !differ ? 'same' : known ? 'known' : 'divergence',
    differences: differ ? [{ step: 'verdicts of damaged bytes', v8: { ...v8, message: v8Message }, 'wasm-rt': { ...rt, message: rtMessage } }] : [],
    bytes: differ ? Buffer.from(bytes).toString('base64') : undefined,
    reduced: reduced && Buffer.from(reduced).toString('base64'),
  };
}

/** A module without imports, its exports called with numbers (wasmtime's differential shape). */
function plainCase(seed) {
  const generated = native.fuzzModule(seed);
  if (!generated) return { seed, skipped: true };
  const [bytes, ...flat] = generated;
  // Each export is called one to five times, with edge-biased arguments.
  const calls = callsFor(flat, seed);
  const r = compareModule(bytes, { calls });
  // Where a stack or memory runs out is each engine's own limit: such a case has no verdict.
  const verdict = !r.differ ? 'same' : exhausted([r.v8, r['wasm-rt']]) ? 'poison' : 'divergence';
  // Reduced: any difference with the same two outcomes as the first one found.
  const shape = (d) => JSON.stringify([d.v8, d['wasm-rt']]);
  const reduced =
    verdict === 'divergence'
      ? reduce(bytes, (c) => compareModule(c, { calls: callsFor(native.fuzzSignatures(c), seed) }).differences.some((d) => shape(d) === shape(r.differences[0])))
      : undefined;
  return {
    seed,
    calls: calls.length,
    verdict,
    differences: r.differences,
    reproducer: verdict === 'divergence' ? { calls: calls.map(([name, ...args]) => [name, ...args.map(String)]) } : undefined,
    bytes: r.differ ? Buffer.from(bytes).toString('base64') : undefined,
    reduced: reduced && Buffer.from(reduced).toString('base64'),
  };
}

// V8 checks a Table.set index before converting the value; the spec converts first, so a bad
// value at a bad index is a TypeError (conformance/known-divergences.md).
const knownApi = (d) => knownGap(d) || (d.step === 'Table.set' && d.v8?.error === 'RangeError' && d['wasm-rt']?.error === 'TypeError');

/** A sequence of JS API operations (fuzz-api.js) on both engines, compared step by step. After
 * a known divergence the two states may differ, so the steps after it are not compared. */
async function apiCase(seed) {
  const v8 = await api.run(v8WebAssembly(), seed);
  const rt = await api.run(rtWebAssembly(), seed);
  const differences = differingSteps(v8, rt);
  const [first] = differences;
  const verdict = !first ? 'same' : exhausted(differences) ? 'poison' : knownApi(first) ? 'known' : 'divergence';
  return { seed, calls: v8.length, verdict, differences: verdict === 'known' ? [first] : differences };
}

const MODES = { boundary: boundaryCase, plain: plainCase, mutate: mutateCase, limits: limitsCase, api: apiCase };

process.on('message', async ({ seed, mode }) => {
  process.send(await MODES[mode](seed));
});
