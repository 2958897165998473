'use strict';
// Lifetime of instances with memories: N × instantiate-and-drop of one compiled module with a
// 1-page exported memory (its buffer is taken each time), on V8 and on wasm-rt, each engine in
// its own process, RSS and time side by side.
// Usage: node bench/memory-loop.js [iterations=100000] [--sync]
//   --sync   no await between iterations: memory must be reclaimed inside a synchronous loop
const { runLoop } = require('./loop-runner');
const path = require('node:path');

const WAT = `(module
  (memory (export "mem") 1)
  (data (i32.const 0) "\\2a")
  (func (export "peek") (result i32) (i32.load8_u (i32.const 0))))`;

async function child(engine, iterations, sync) {
  const wabt = await require('wabt')();
  const bytes = wabt.parseWat('m.wat', WAT).toBinary({}).buffer;
  const W = engine === 'v8' ? WebAssembly : require(path.join(__dirname, '..')).WebAssembly;
  const module = new W.Module(bytes);
  const mib = () => process.memoryUsage().rss / 2 ** 20;
  const samples = [];
  let peak = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const { exports } = new W.Instance(module);
    if (exports.peek() !== 42 || new Uint8Array(exports.mem.buffer)[0] !== 42) throw new Error('wrong result');
    if (i % (iterations / 10) === 0) {
      const m = Math.round(mib());
      samples.push(m);
      peak = Math.max(peak, m);
    }
    if (!sync && i % 1000 === 0) await new Promise(setImmediate);
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  process.stdout.write(JSON.stringify({ engine, ms, rssMiB: Math.round(mib()), peak, samples }));
}

runLoop(__filename, child, { title: (n) => `memory loop: ${n} instantiate-and-drop, 1-page memory`, compare: 'peak' });
