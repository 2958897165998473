'use strict';
// The pieces of a `wasm-rt fuzz` case that every engine's side computes alike from the seed and the
// module (arguments, calls, damaged bytes, the verdicts of damaged bytes), and the divergences
// that are known (conformance/known-divergences.md). Plain JS: the children of
// `wasm-rt fuzz --engines` run it under other Nodes, Bun and Deno, without wasm-rt.

/** Arguments for a parameter list (type letters of src/tools/fuzz.rs: references get null), from a small PRNG. */
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

/** The calls a module's exports get: one to five each, arguments from the seed. */
function callsFor(flat, seed) {
  const calls = [];
  for (let i = 0; i < flat.length; i += 3) {
    for (let k = 0; k <= (seed + i) % 5; k++) calls.push([flat[i], ...argsFor(flat[i + 1], seed * 31 + i * 7 + k)]);
  }
  return calls;
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

// Where the engines' verdicts differ by design or by a known engine bug (conformance/known-divergences.md):
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
    'unsupported element type in element section: exnref',
    'tables of types other than funcref or externref',
    'the cranelift compiler panicked on this module',
  ].join('|'),
);
// V8 11.3 names what it lacks by the byte, or asks for a flag.
const KNOWN_V8 = /Invalid opcode 0x(a|1f) |invalid value type 0x(69|74) |Unknown heap type -1[23] |invalid alignment|enable with --experimental-wasm-/;

// What wasm-rt cannot do and says so (conformance/known-divergences.md): a JS function that wraps a JS
// import (an import the module re-exports), or a function of another instance's store, given
// to wasm as a funcref; an instance linking objects of two instances' stores.
const KNOWN_GAPS = /cannot be a funcref value here|live in two different wasmer stores/;
const knownGap = (d) => {
  const step = d['wasm-rt'];
  // What wasmer cannot compile or instantiate and V8 can (KNOWN_RT).
  if ((d.step === 'compile' || d.step === 'instantiate') && d.v8 && !d.v8.compileError && !d.v8.linkError && KNOWN_RT.test(step?.detail ?? '')) return true;
  const details = [step?.detail, ...(step?.imports ?? []).map((entry) => entry[2]?.detail)];
  return details.some((x) => KNOWN_GAPS.test(x ?? ''));
};


// Bugs of another engine, by its kind, that `fuzz --engines` would otherwise report on most cases
// it runs (conformance/triage.md): JavaScriptCore reads a v128 global from JS as a RuntimeError,
// where the spec says TypeError.
const KNOWN_ENGINE_BUGS = { jsc: /Cannot get value of v128 global/ };

/**
 * The names under which a module exports one of its imported functions. JavaScriptCore calls such
 * an export with the caller's arguments instead of the signature's (conformance/triage.md), so a
 * run with it leaves them out of the calls. Reads the import and export sections only.
 */
function reexportedImports(bytes) {
  let at = 8;
  const u = () => {
    let result = 0;
    let shift = 0;
    let b;
    do {
      b = bytes[at++];
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return result;
  };
  const name = () => {
    const n = u();
    const text = new TextDecoder().decode(bytes.subarray(at, at + n));
    at += n;
    return text;
  };
  // A value or reference type: one byte, or (ref null? ht) with its heap type.
  const valtype = () => {
    if (bytes[at++] === 0x63 || bytes[at - 1] === 0x64) u();
  };
  const limits = () => {
    const flags = bytes[at++];
    u();
    if (flags & 1) u();
  };
  let functions = 0;
  const names = new Set();
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = u();
    const end = at + size;
    if (id === 2) {
      for (let n = u(); n > 0; n--) {
        name();
        name();
        const kind = bytes[at++];
        if (kind === 0) {
          u();
          functions += 1;
        } else if (kind === 1) {
          valtype();
          limits();
        } else if (kind === 2) limits();
        else if (kind === 3) {
          valtype();
          at += 1;
        } else if (kind === 4) {
          at += 1;
          u();
        }
      }
    } else if (id === 7) {
      for (let n = u(); n > 0; n--) {
        const exported = name();
        const kind = bytes[at++];
        if (kind === 0 && u() < functions) names.add(exported);
        else if (kind !== 0) u();
      }
    }
    at = end;
  }
  return names;
}

module.exports = { argsFor, callsFor, mutate, verdicts, reexportedImports, KNOWN_RT, KNOWN_V8, KNOWN_GAPS, KNOWN_ENGINE_BUGS, knownGap };
