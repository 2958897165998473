'use strict';
// Compiled code that outlives the process: the code cache on disk, and serialize/deserialize to
// hand a compiled module to a worker thread without compiling it again.
// Run: node examples/code-cache.js
const { Worker } = require('node:worker_threads');
const path = require('node:path');
const { WebAssembly: W, compileSync, serialize, codeCache } = require('..');

// (module (func (export "answer") (result i32) (i32.const 42)))
const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 127, 3, 2, 1, 0, 7, 10, 1, 6, 97, 110, 115, 119, 101, 114, 0, 0, 10, 6, 1, 4, 0, 65, 42, 11]);

const compiled = compileSync(bytes, { compiler: 'cranelift' });
const { dir, loaded, stored } = codeCache();
console.log(`code cache: ${dir ?? 'off'}; this process loaded ${loaded} and stored ${stored} modules (run again: loaded from the cache)`);

const worker = new Worker(
  `const { parentPort, workerData } = require('node:worker_threads');
   const { WebAssembly: W, deserialize } = require(workerData.index);
   parentPort.once('message', (bytes) => parentPort.postMessage(new W.Instance(deserialize(bytes)).exports.answer()));`,
  { eval: true, workerData: { index: path.join(__dirname, '..') } },
);
worker.once('message', (answer) => {
  console.log(`main thread: ${new W.Instance(compiled).exports.answer()}, worker from serialized code: ${answer}`);
  worker.terminate();
});
worker.postMessage(serialize(compiled));
