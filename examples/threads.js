'use strict';
// A shared memory used by wasm on two threads: the Memory and the Module are posted to a Worker
// (as on V8), both threads add to one counter with wasm atomics, and the main thread sleeps in
// wasm's memory.atomic.wait until the Worker's JS Atomics.notify wakes it.
//   node examples/threads.js
const { Worker } = require('node:worker_threads');
const { WebAssembly, wat } = require('..');

const memory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
const mod = new WebAssembly.Module(wat(`(module (import "env" "memory" (memory 1 16 shared))
  (func (export "add") (param i32) (result i32) (i32.atomic.rmw.add (i32.const 0) (local.get 0)))
  (func (export "wait") (result i32) (memory.atomic.wait32 (i32.const 4) (i32.const 0) (i64.const 5000000000))))`));
const { exports: wasm } = new WebAssembly.Instance(mod, { env: { memory } });

const worker = new Worker(
  `const { parentPort } = require('node:worker_threads');
   const { WebAssembly } = require(${JSON.stringify(require.resolve('..'))});
   parentPort.once('message', ({ memory, module }) => {
     const { exports } = new WebAssembly.Instance(module, { env: { memory } });
     for (let i = 0; i < 100000; i++) exports.add(1);
     const words = new Int32Array(memory.buffer);
     Atomics.store(words, 1, 1);
     Atomics.notify(words, 1);
   });`,
  { eval: true },
);
worker.postMessage({ memory, module: mod });
for (let i = 0; i < 100000; i++) wasm.add(1);
const woken = wasm.wait();
const how = ['by the worker\'s notify', 'at once (the worker had finished)', 'by the timeout'][woken];
console.log(`main thread woken ${how}; counter = ${new Int32Array(memory.buffer)[0]}`);
console.log(`buffer: ${Object.prototype.toString.call(memory.buffer)} of ${memory.buffer.byteLength} bytes`);
worker.terminate();
