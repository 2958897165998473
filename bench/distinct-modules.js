'use strict';
// Compiled code is freed: N distinct small modules, each compiled, instantiated, called and
// dropped, in one process per engine; peak RSS beside V8's. (Before engine generations, wasmer
// kept every module's code for the life of the process: about 20 KB each.)
// Usage: node bench/distinct-modules.js [count=100000] [--sync]
const { runLoop } = require('./loop-runner');
const path = require('node:path');

// (module (func (export "k") (result i32) (i32.const K))), K in 5 LEB bytes so every module is
// the same size and the counter is patched in place.
const template = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 127, 3, 2, 1, 0, 7, 5, 1, 1, 107, 0, 0,
  10, 10, 1, 8, 0, 65, 0x80, 0x80, 0x80, 0x80, 0x00, 11,
]);
const AT = template.length - 6;

function moduleOf(k) {
  const bytes = template.slice();
  for (let i = 0; i < 5; i++) bytes[AT + i] = ((k >>> (7 * i)) & 0x7f) | (i < 4 ? 0x80 : 0);
  return bytes;
}

function child(engine, count, sync) {
  // This measures code memory, not a cache folder of 100,000 entries: the cache is off, also
  // when the file is run by hand.
  process.env.WASM_RT_CACHE = 'off';
  const W = engine === 'v8' ? WebAssembly : require(path.join(__dirname, '..')).WebAssembly;
  const mib = () => process.memoryUsage().rss / 2 ** 20;
  const start = process.hrtime.bigint();
  const samples = [];
  let peak = 0;
  const step = (i) => {
    const inst = new W.Instance(new W.Module(moduleOf(i)));
    if (inst.exports.k() !== i) throw new Error(`module ${i} returned ${inst.exports.k()}`);
    if (i % (count / 10) === 0) samples.push(Math.round(mib()));
    if (i % 1000 === 0) peak = Math.max(peak, mib());
  };
  (async () => {
    for (let i = 0; i < count; i++) {
      step(i);
      if (!sync && i % 1000 === 0) await new Promise(setImmediate);
    }
    await new Promise((r) => setTimeout(r, 100));
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    peak = Math.max(peak, mib());
    process.stdout.write(JSON.stringify({ engine, ms, rssMiB: Math.round(mib()), peak: Math.round(peak), samples }));
  })();
}

runLoop(__filename, child, { title: (n) => `distinct modules: ${n} compiled, instantiated, called, dropped`, compare: 'peak' });
