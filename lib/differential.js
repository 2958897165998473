'use strict';
// Differential testing of single modules: the same bytes, imports and calls on V8's WebAssembly
// and on wasm-rt's, each outcome normalised so that what the spec lets differ (NaN bits, the
// wording of a trap) does not count, and what it does not (values, trap kinds, exceptions,
// exported globals and memory after the calls) does.
const crypto = require('node:crypto');
const { WebAssembly: wasmRt } = require('./namespace');

// The kind of a trap from either engine's message (V8's, and wasm-rt's own, which copy V8's
// where wasmer has the same trap: src/api/bridge/errors.rs).
const TRAP_KINDS = [
  // wasmer reports both an overflowing division and an out-of-range truncation as one trap
  // (src/api/bridge/errors.rs); the kind stands for either (see `sameOutcome`).
  ['integer overflow or invalid conversion', /divide result unrepresentable, or float unrepresentable/i],
  ['unreachable', /unreachable/i],
  // Out-of-bounds segments at instantiation: V8 names the segment, wasmer the access.
  ['memory out of bounds', /data segment.*out of bounds/i],
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

/** V8's namespace, also where wasm-rt's has replaced the global one (lib/cli/preload.js). */
function v8WebAssembly() {
  return globalThis.WebAssembly === wasmRt ? require('node:vm').runInNewContext('WebAssembly') : globalThis.WebAssembly;
}

/**
 * Runs `bytes` on both engines: compile, instantiate with `options.imports(WebAssembly)`, then
 * each `[exportName, ...args]` of `options.calls` in order. Returns both engines' outcomes per
 * step and the list of steps where they differ.
 */
function compareModule(bytes, options = {}) {
  const v8 = runOn(v8WebAssembly(), bytes, options);
  const rt = runOn(wasmRt, bytes, options);
  const differences = [];
  const same = sameOutcome;
  for (const step of ['compile', 'instantiate']) {
    if (!same(v8[step], rt[step])) differences.push({ step, v8: v8[step], 'wasm-rt': rt[step] });
  }
  const n = Math.max(v8.calls.length, rt.calls.length);
  for (let i = 0; i < n; i++) {
    if (!same(v8.calls[i], rt.calls[i])) differences.push({ step: `call ${i} ${options.calls[i][0]}`, v8: v8.calls[i], 'wasm-rt': rt.calls[i] });
  }
  if (!same(v8.state, rt.state)) differences.push({ step: 'state after the calls', v8: v8.state, 'wasm-rt': rt.state });
  return { v8, 'wasm-rt': rt, differences, differ: differences.length > 0 };
}

module.exports = { compareModule, trapKind, sameOutcome, v8WebAssembly, memoryHash };
