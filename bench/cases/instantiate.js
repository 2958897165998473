'use strict';
// Instantiating a module with a 1-page memory and 100 function imports; and the same module with
// a tag, whose JS imports wasm-rt links through the wrapper that lets wasm catch what they throw
// (src/api/bridge/catchable.rs).
const { median, nowNs, V8, wasmRt, rt, quick } = require('../measure');
const { importsModule } = require('../modules');

const withTag = () =>
  rt.wat(`(module ${Array.from({ length: 100 }, (_, i) => `(import "env" "f${i}" (func))`).join(' ')}
    (memory (export "memory") 1) (tag)
    (func (export "main") ${Array.from({ length: 100 }, (_, i) => `(call ${i})`).join(' ')}))`);

const BATCH = quick ? 50 : 200;
const REPEATS = 7;

async function usPerInstance(engine, bytes = importsModule(100, 1)) {
  const module = engine.compile(bytes);
  const env = {};
  for (let i = 0; i < 100; i++) env[`f${i}`] = () => {};
  const imports = { env };
  new engine.WebAssembly.Instance(module, imports);
  const samples = [];
  for (let r = 0; r < REPEATS; r++) {
    const t = nowNs();
    for (let i = 0; i < BATCH; i++) new engine.WebAssembly.Instance(module, imports);
    samples.push((nowNs() - t) / BATCH / 1000);
    // Let finalizers run between batches, as a program's event loop would.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return median(samples);
}

module.exports = async function run() {
  return [
    { case: 'instantiate: memory + 100 imports', unit: 'µs', v8: await usPerInstance(V8), 'wasm-rt': await usPerInstance(wasmRt('cranelift')) },
    {
      case: 'instantiate: memory + 100 imports + a tag',
      unit: 'µs',
      v8: await usPerInstance(V8, withTag()),
      'wasm-rt': await usPerInstance(wasmRt('cranelift'), withTag()),
    },
  ];
};
