'use strict';
// The child process of `wasm-rt fuzz`: generates each module the parent names by seed and runs it
// on both engines (compareModule). A crash ends only this process; the parent records it.
const native = require('../native');
const { compareModule } = require('../differential');

/** Arguments for a parameter list ('i', 'I', 'f', 'F', 'v', 'r'), from a small PRNG. */
function argsFor(params, seed) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  const pick = (list) => list[next() % list.length];
  return [...params].map((p) => {
    switch (p) {
      case 'i':
        return pick([0, 1, -1, 7, 0x7fffffff, -0x80000000, next() | 0]);
      case 'I':
        return pick([0n, 1n, -1n, 0x7fffffffffffffffn, BigInt(next())]);
      case 'f':
      case 'F':
        return pick([0, -0, 1.5, -2.25, Infinity, NaN, next() / 7]);
      default:
        return null;
    }
  });
}

/** A generated module, damaged: bytes flipped, cut short, or inserted, as the seed says. */
function mutate(bytes, seed) {
  let x = (seed * 2654435761) >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
  const b = Array.from(bytes);
  switch (next() % 3) {
    case 0:
      for (let n = 1 + (next() % 4); n > 0; n--) b[8 + (next() % Math.max(1, b.length - 8))] ^= 1 << next() % 8;
      break;
    case 1:
      b.length = 8 + (next() % Math.max(1, b.length - 8));
      break;
    default:
      b.splice(8 + (next() % Math.max(1, b.length - 8)), 0, next() & 255);
  }
  return new Uint8Array(b);
}

// Where the engines' verdicts differ by design or by a known engine bug (fuzz/known-divergences.md):
// what the engine that refuses the module says then.
// wasm-rt refuses what wasmer 7.4.2 lacks and the V8 of Node 22 on has: GC and typed function
// references' types, nullexnref, memory64.
const KNOWN_RT = new RegExp(
  [
    'tail calls support is not enabled',
    'legacy_exceptions feature required',
    'malformed reference type',
    'the reference type \\w+ is not supported \\(wasmer',
    'function references required',
    'heap types not supported without the gc feature',
    'memory64 must be enabled',
  ].join('|'),
);
const KNOWN_V8 = /Invalid opcode 0x(a|1f) |invalid value type 0x(69|74) |Unknown heap type -1[23] |invalid alignment/;

/** validate, new Module and new Instance of damaged bytes on one engine: each step's verdict. */
function verdicts(W, bytes) {
  let message = '';
  const step = (f) => {
    try {
      f();
      return 'ok';
    } catch (e) {
      message = String(e?.message);
      return e?.constructor?.name ?? String(e);
    }
  };
  let module;
  return {
    validate: step(() => {
      if (!W.validate(bytes)) throw new W.CompileError('invalid');
    }),
    compile: step(() => (module = new W.Module(bytes))),
    instantiate: module ? step(() => new W.Instance(module, {})) : 'not compiled',
    message,
  };
}

/** The calls a module's exports get: one to five each, arguments from the seed. */
function callsFor(flat, seed) {
  const calls = [];
  for (let i = 0; i < flat.length; i += 3) {
    for (let k = 0; k <= (seed + i) % 5; k++) calls.push([flat[i], ...argsFor(flat[i + 1], seed * 31 + i * 7 + k)]);
  }
  return calls;
}

// How many candidates wasm-shrink tries when reducing a finding.
const SHRINK_ATTEMPTS = 200;

/** The smallest module wasm-shrink finds that still shows the same difference. */
function reduce(bytes, stillDiffers) {
  return native.fuzzShrink(bytes, (candidate) => stillDiffers(candidate), SHRINK_ATTEMPTS);
}

process.on('message', ({ seed, mutate: damaged }) => {
  const generated = native.fuzzModule(seed);
  if (!generated) return process.send({ seed, skipped: true });
  if (damaged) {
    const bytes = mutate(generated[0], seed);
    const { message: v8Message, ...v8 } = verdicts(require('node:vm').runInNewContext('WebAssembly'), bytes);
    const { message: rtMessage, ...rt } = verdicts(require('../namespace').WebAssembly, bytes);
    const differ = JSON.stringify(v8) !== JSON.stringify(rt);
    const known = differ && ((v8.compile === 'ok' && KNOWN_RT.test(rtMessage)) || (rt.compile === 'ok' && KNOWN_V8.test(v8Message)));
    const pair = (b) => {
      const { message: _a, ...x } = verdicts(require('node:vm').runInNewContext('WebAssembly'), b);
      const { message: _b, ...y } = verdicts(require('../namespace').WebAssembly, b);
      return JSON.stringify([x, y]);
    };
    const reduced = differ && !known ? reduce(bytes, (c) => pair(c) === JSON.stringify([v8, rt])) : undefined;
    return process.send({
      seed,
      calls: 0,
      verdict: !differ ? 'same' : known ? 'known' : 'divergence',
      differences: differ ? [{ step: 'verdicts of damaged bytes', v8: { ...v8, message: v8Message }, 'wasm-rt': { ...rt, message: rtMessage } }] : [],
      bytes: differ ? Buffer.from(bytes).toString('base64') : undefined,
      reduced: reduced && Buffer.from(reduced).toString('base64'),
    });
  }
  const [bytes, ...flat] = generated;
  // Each export is called one to five times, with edge-biased arguments.
  const calls = callsFor(flat, seed);
  const r = compareModule(bytes, { calls });
  // Where a stack or memory runs out is each engine's own limit: such a case has no verdict.
  const exhausted = JSON.stringify([r.v8, r['wasm-rt']]).match(/stack overflow|out of memory/i);
  const verdict = !r.differ ? 'same' : exhausted ? 'poison' : 'divergence';
  // Reduced: any difference with the same two outcomes as the first one found.
  const shape = (d) => JSON.stringify([d.v8, d['wasm-rt']]);
  const reduced =
    verdict === 'divergence'
      ? reduce(bytes, (c) => compareModule(c, { calls: callsFor(native.fuzzSignatures(c), seed) }).differences.some((d) => shape(d) === shape(r.differences[0])))
      : undefined;
  process.send({
    seed,
    calls: calls.length,
    verdict,
    differences: r.differences,
    reproducer: verdict === 'divergence' ? { calls: calls.map(([name, ...args]) => [name, ...args.map(String)]) } : undefined,
    bytes: r.differ ? Buffer.from(bytes).toString('base64') : undefined,
    reduced: reduced && Buffer.from(reduced).toString('base64'),
  });
});

