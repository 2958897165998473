'use strict';
// Outcomes of wasm as comparable data, the same on every engine: a trap's kind from its message,
// values with NaN canonical, a memory's hash, and when two outcomes agree. Plain JS that Node,
// Bun and Deno all run (the children of \`wasm-rt fuzz --engines\` load it without wasm-rt).
const crypto = require('node:crypto');

// The kind of a trap from either engine's message (V8's, and wasm-rt's own, which copy V8's
// where wasmer has the same trap: src/api/bridge/errors.rs).
const TRAP_KINDS = [
  // wasmer reports both an overflowing division and an out-of-range truncation as one trap
  // (src/api/bridge/errors.rs); the kind stands for either (see `sameOutcome`).
  ['integer overflow or invalid conversion', /divide result unrepresentable, or float unrepresentable/i],
  ['unreachable', /unreachable/i],
  // JavaScriptCore's words (Bun) for an out-of-range truncation and for call_indirect's traps.
  ['invalid conversion', /Out of bounds Trunc operation/i],
  ['table out of bounds', /Out of bounds call_indirect/i],
  ['indirect call', /call_indirect to a signature that does not match/i],
  // Out-of-bounds segments at instantiation: V8 names the segment, wasmer the access, JavaScriptCore
  // calls the segment too big or says it writes outside of memory.
  ['memory out of bounds', /data segment.*(out of bounds|too big|outside of memory)/i],
  ['table out of bounds', /(element|elem) segment.*out of bounds|table initializer/i],
  ['memory out of bounds', /memory access out of bounds|out of bounds memory access/i],
  ['divide by zero', /divide by zero|remainder by zero|division by zero/i],
  ['integer overflow', /integer overflow|divide result unrepresentable/i],
  ['invalid conversion', /float unrepresentable|invalid conversion|unrepresentable in integer range/i],
  ['indirect call', /null function|signature mismatch|indirect call/i],
  ['table out of bounds', /table index is out of bounds|table.* out of bounds|undefined element|out of bounds table/i],
  ['misaligned', /unaligned|misaligned/i],
  ['null reference', /null/i],
];

function trapKind(message) {
  for (const [kind, re] of TRAP_KINDS) if (re.test(message)) return kind;
  return `other: ${message}`;
}

const EITHER = 'integer overflow or invalid conversion';

const sameTrap = (a, b) => a === b || ((a === EITHER || b === EITHER) && [a, b].every((t) => t === EITHER || t === 'integer overflow' || t === 'invalid conversion'));

/** Whether two outcomes agree, counting wasmer's merged overflow/conversion trap as either,
 * wherever a trap appears in them (a trap inside an import's call too). */
function sameOutcome(a, b) {
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    if (Array.isArray(a) !== Array.isArray(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length || !keys.every((k) => Object.hasOwn(b, k))) return false;
    return keys.every((k) => (k === 'trap' && typeof a[k] === 'string' ? sameTrap(a[k], b[k]) : sameOutcome(a[k], b[k])));
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A JS value as comparable data: NaNs canonical (the spec lets their bits differ). */
function normalise(v) {
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v;
  if (typeof v === 'bigint') return `${v}n`;
  if (Array.isArray(v)) return v.map(normalise);
  if (v === null || v === undefined) return v;
  if (typeof v === 'function') return 'function';
  return typeof v;
}

function outcomeOf(W, f) {
  try {
    return { value: normalise(f()) };
  } catch (e) {
    if (e instanceof W.RuntimeError) return { trap: trapKind(e.message) };
    if (e instanceof RangeError && /call stack/i.test(e.message)) return { trap: 'stack overflow' };
    if (e instanceof W.Exception) return { exception: 'WebAssembly.Exception' };
    if (e instanceof W.CompileError) return { compileError: true };
    if (e instanceof W.LinkError) return { linkError: true };
    return { error: e && e.constructor ? e.constructor.name : String(e) };
  }
}

/** A hash of a memory's bytes, in pieces: one update takes at most 2 GiB. */
function memoryHash(buffer) {
  const h = crypto.createHash('sha256');
  for (let at = 0; at < buffer.byteLength; at += 1 << 30) h.update(new Uint8Array(buffer, at, Math.min(1 << 30, buffer.byteLength - at)));
  return h.digest('hex');
}

/** Exported globals' values and a hash of each exported memory: the state calls leave. */
function stateOf(W, exports) {
  const state = {};
  for (const [name, v] of Object.entries(exports)) {
    if (v instanceof W.Global) state[name] = outcomeOf(W, () => v.value);
    else if (v instanceof W.Memory) state[name] = memoryHash(v.buffer);
  }
  return state;
}

/**
 * `bytes` on namespace `W`: compile, instantiate with `options.imports(W)`, then each
 * `[exportName, ...args]` of `options.calls`; the outcome of each step and the state after.
 */
function runOn(W, bytes, options) {
  const module = outcomeOf(W, () => new W.Module(bytes));
  if (!('value' in module)) return { compile: module, calls: [], state: {} };
  const m = new W.Module(bytes);
  let instance;
  const instantiated = outcomeOf(W, () => {
    instance = new W.Instance(m, options.imports ? options.imports(W) : {});
  });
  if (!instance) return { compile: { value: 'ok' }, instantiate: instantiated, calls: [], state: {} };
  const calls = (options.calls ?? []).map(([name, ...args]) => {
    const f = instance.exports[name];
    return typeof f === 'function' ? outcomeOf(W, () => f(...args)) : { error: `no exported function ${name}` };
  });
  return { compile: { value: 'ok' }, instantiate: { value: 'ok' }, calls, state: stateOf(W, instance.exports) };
}

module.exports = { trapKind, sameOutcome, normalise, outcomeOf, memoryHash, stateOf, runOn };
