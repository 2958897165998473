'use strict';
// One engine's child of `wasm-rt fuzz --engines`: runs each case the parent sends on this
// engine's WebAssembly alone and answers with every step's outcome. Plain JS, no wasm-rt unless
// the engine is wasm-rt (WASM_RT_FUZZ_ENGINE), so another Node, Bun or Deno runs it as it is.
const { Buffer } = require('node:buffer');
const boundary = require('./fuzz-boundary');
const { callsFor, verdicts } = require('./fuzz-cases');
const { runOn } = require('../outcomes');

const W = process.env.WASM_RT_FUZZ_ENGINE === 'wasm-rt' ? require('../namespace').WebAssembly : globalThis.WebAssembly;

/** Whether this engine compiles `bytes`: validating is not enough (wasmer's singlepass validates
 * SIMD and cannot compile it). */
function compiles(bytes) {
  try {
    return new W.Module(bytes) instanceof W.Module;
  } catch {
    return false;
  }
}

/** The plain mode's run as steps: compile, instantiate, each call, the state after. */
function plainSteps(bytes, calls) {
  const r = runOn(W, bytes, { calls });
  const steps = [{ step: 'compile', ...r.compile }];
  if (r.instantiate) steps.push({ step: 'instantiate', ...r.instantiate });
  r.calls.forEach((c, i) => steps.push({ step: `call ${i} ${calls[i][0]}`, ...c }));
  steps.push({ step: 'state after the calls', state: r.state });
  return steps;
}

const CASES = {
  probe: ({ modules }) => Object.fromEntries(Object.entries(modules).map(([name, b]) => [name, compiles(b)])),
  boundary: ({ bytes, imports, seed, flat, hidden }) => boundary.run(W, bytes, imports, seed, callsFor(flat, seed), hidden),
  plain: ({ bytes, seed, flat }) => plainSteps(bytes, callsFor(flat, seed)),
  mutate: ({ bytes }) => {
    const { message, ...v } = verdicts(W, bytes);
    return [{ step: 'verdicts of damaged bytes', ...v, message }];
  },
};

const decode = (b64) => new Uint8Array(Buffer.from(b64, 'base64'));

/** `x` for the parent: an error's message, kept out of comparisons as a non-enumerable `detail`
 * (fuzz-boundary.js), travels as an enumerable one, which the parent does not compare either. */
function withDetails(x) {
  if (Array.isArray(x)) return x.map(withDetails);
  if (x === null || typeof x !== 'object') return x;
  const out = Object.fromEntries(Object.entries(x).map(([k, v]) => [k, withDetails(v)]));
  if (typeof x.detail === 'string') out.detail = x.detail;
  return out;
}

process.on('message', (m) => {
  const data = { ...m, bytes: m.bytes && decode(m.bytes), modules: m.modules && Object.fromEntries(Object.entries(m.modules).map(([k, b]) => [k, decode(b)])) };
  process.send({ id: m.id, result: withDetails(CASES[m.mode](data)) });
});
