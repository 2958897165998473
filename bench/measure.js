'use strict';
// Timing helpers shared by the benchmark cases.
const rt = require('..');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const nowNs = () => Number(process.hrtime.bigint());

/** Milliseconds one call of `fn` takes. */
function ms(fn) {
  const t = nowNs();
  fn();
  return (nowNs() - t) / 1e6;
}

/**
 * The engines a case runs on: V8's WebAssembly, and wasm-rt's once per compiler.
 * `compile(bytes)` is synchronous in each.
 */
const V8 = { name: 'v8', WebAssembly, compile: (bytes) => new WebAssembly.Module(bytes) };
const wasmRt = (compiler) => ({
  name: compiler,
  WebAssembly: rt.WebAssembly,
  compile: (bytes) => rt.compileSync(bytes, { compiler }),
});
const COMPILERS = rt.compilers;

module.exports = { median, ms, nowNs, V8, wasmRt, COMPILERS, rt, quick: process.env.BENCH_QUICK === '1' };
