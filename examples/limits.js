'use strict';
// Limits on a runaway guest: a call stopped by its deadline, a memory that cannot grow past its
// cap, a computation stopped when its fuel runs out — none of which V8's WebAssembly offers.
//   node examples/limits.js
const { WebAssembly, wat, instantiate, addFuel } = require('..');

const bytes = wat(`(module
  (memory (export "memory") 1)
  (func (export "spin") (loop (br 0)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1))) (call $fib (i32.sub (local.get 0) (i32.const 2))))))))`);

async function main() {
  const { instance } = await instantiate(bytes, {}, { timeout: 100, memoryLimit: 4 * 65536 });
  const t = Date.now();
  try {
    instance.exports.spin();
  } catch (e) {
    console.log(`spin: ${e instanceof WebAssembly.RuntimeError ? 'RuntimeError' : e.name} after ${Date.now() - t} ms: ${e.message}`);
  }
  console.log(`grow by 3 pages: ${instance.exports.grow(3)}; by 1 more: ${instance.exports.grow(1)} (the cap is 4 pages)`);

  const metered = (await instantiate(bytes, {}, { fuel: 10_000 })).instance;
  try {
    metered.exports.fib(30);
  } catch (e) {
    console.log(`fib(30) on 10,000 fuel: ${e.message}`);
  }
  addFuel(metered, 100_000_000);
  console.log(`fib(20) after adding fuel: ${metered.exports.fib(20)}`);
}

main();
