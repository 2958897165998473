'use strict';
// Differential testing of single modules: the same bytes, imports and calls on V8's WebAssembly
// and on wasm-rt's, each outcome normalised so that what the spec lets differ (NaN bits, the
// wording of a trap) does not count, and what it does not (values, trap kinds, exceptions,
// exported globals and memory after the calls) does.
const { WebAssembly: wasmRt } = require('./namespace');
const { trapKind, sameOutcome, memoryHash, runOn } = require('./outcomes');

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
