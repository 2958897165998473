'use strict';
// Lifetime of instances with memories: N × instantiate-and-drop of one compiled module with a
// 1-page exported memory (its buffer is taken each time), on V8 and on wasm-rt, each engine in
// its own process, RSS and time side by side.
// Usage: node bench/memory-loop.js [iterations=100000] [--sync]
//   --sync   no await between iterations: memory must be reclaimed inside a synchronous loop
const { execFileSync } = require('node:child_process');
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

if (process.argv[2] === '--child') {
  child(process.argv[3], Number(process.argv[4]), process.argv[5] === 'sync');
} else {
  const iterations = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 100000);
  const sync = process.argv.includes('--sync');
  const run = (engine) =>
    JSON.parse(execFileSync(process.execPath, [__filename, '--child', engine, String(iterations), sync ? 'sync' : 'async']));
  const v8 = run('v8');
  const rt = run('wasm-rt');
  console.log(`memory loop: ${iterations} instantiate-and-drop, 1-page memory, ${sync ? 'synchronous' : 'yielding every 1000'}`);
  for (const r of [v8, rt]) {
    console.log(`${r.engine.padEnd(8)} ${(r.ms / 1000).toFixed(2)} s  final RSS ${r.rssMiB} MiB  peak ${r.peak} MiB  samples ${r.samples.join(' ')}`);
  }
  console.log(`ratio wasm-rt/v8: time ${(rt.ms / v8.ms).toFixed(2)}x  peak RSS ${(rt.peak / v8.peak).toFixed(2)}x`);
}
