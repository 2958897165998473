'use strict';
// Choosing wasmer's compiler per module: singlepass compiles fast, cranelift's code runs fast;
// the default, tiered, starts on singlepass and moves to cranelift through the code cache.
// Run: node examples/choose-compiler.js
const { WebAssembly: W, compileSync, compilers, defaultCompiler } = require('..');

// A loop summing 1..n: (func (export "sum") (param i32) (result i64) ...)
const bytes = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 6, 1, 96, 1, 127, 1, 126, 3, 2, 1, 0, 7, 7, 1, 3, 115, 117, 109, 0, 0, 10, 28, 1, 26, 1, 1, 126, 3, 64, 32, 1, 32, 0, 173,
  124, 33, 1, 32, 0, 65, 1, 107, 34, 0, 13, 0, 11, 32, 1, 11,
]);

console.log(`compilers built in: ${compilers.join(', ')}; the JS API uses: ${defaultCompiler}`);
for (const compiler of compilers) {
  const t0 = process.hrtime.bigint();
  const module = compileSync(bytes, { compiler });
  const t1 = process.hrtime.bigint();
  const sum = new W.Instance(module).exports.sum(10_000_000);
  const t2 = process.hrtime.bigint();
  console.log(`${compiler}: sum(1..1e7) = ${sum}; compiled in ${Number(t1 - t0) / 1e6} ms, ran in ${(Number(t2 - t1) / 1e6).toFixed(1)} ms`);
}
