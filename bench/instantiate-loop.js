'use strict';
// Memory stays flat across many instantiations: N × `new Instance(new Module(bytes), imports)` of
// a small module with function imports, on V8 and on wasm-rt, each in its own process.
// Usage: node bench/instantiate-loop.js [iterations=100000] [--sync]
//   --sync   no await between iterations (finalizers only run when the loop yields)
const { runLoop } = require('./loop-runner');
const path = require('node:path');

// (module (import "env" "f" (func $f (param i32) (result i32)))
//         (func (export "run") (param i32) (result i32) local.get 0 call $f))
const bytes = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 6, 1, 96, 1, 127, 1, 127, 2, 9, 1, 3, 101, 110, 118, 1, 102, 0, 0, 3, 2, 1, 0,
  7, 7, 1, 3, 114, 117, 110, 0, 1, 10, 8, 1, 6, 0, 32, 0, 16, 0, 11,
]);

function child(engine, iterations, sync) {
  const W = engine === 'v8' ? WebAssembly : require(path.join(__dirname, '..')).WebAssembly;
  const mib = () => process.memoryUsage().rss / 2 ** 20;
  const start = process.hrtime.bigint();
  const samples = [];
  const step = async (i) => {
    // The import closes over the instance: the cycle wasm-rt must still let the GC collect.
    let inst;
    inst = new W.Instance(new W.Module(bytes), { env: { f: (x) => (inst ? x + 1 : x) } });
    if (inst.exports.run(i) !== i + 1) throw new Error('wrong result');
    if (i % (iterations / 10) === 0) samples.push(Math.round(mib()));
  };
  (async () => {
    for (let i = 0; i < iterations; i++) {
      if (sync) step(i);
      else await step(i);
      if (!sync && i % 1000 === 0) await new Promise(setImmediate);
    }
    await new Promise((r) => setTimeout(r, 100));
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    process.stdout.write(JSON.stringify({ engine, ms, rssMiB: Math.round(mib()), samples }));
  })();
}

runLoop(__filename, child, { title: (n) => `instantiate loop: ${n} iterations` });
