'use strict';
// The same module on V8's built-in WebAssembly and on wasm-rt's: the same API, the same answer.
// Run: node examples/same-module-both-engines.js
const rt = require('..');

// (module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))
const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 7, 1, 96, 2, 127, 127, 1, 127, 3, 2, 1, 0, 7, 7, 1, 3, 97, 100, 100, 0, 0, 10, 9, 1, 7, 0, 32, 0, 32, 1, 106, 11]);

for (const [name, W] of [['v8', WebAssembly], ['wasm-rt', rt.WebAssembly]]) {
  const { exports } = new W.Instance(new W.Module(bytes));
  let trap = '';
  try {
    new W.Module(new Uint8Array([0, 97, 115, 109, 2, 0, 0, 0]));
  } catch (e) {
    trap = e.constructor.name;
  }
  console.log(`${name}: add(2, 3) = ${exports.add(2, 3)}, add(2**31, 1) = ${exports.add(2 ** 31, 1)}, a bad module: ${trap}`);
}
