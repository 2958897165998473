'use strict';
// Two things V8 in Node 20 cannot do (Node 22 on can): JS String Builtins ("wasm:js-string"
// imports supplied by the engine, and string constants), and wasm catching an exception thrown by
// a JS import.
//   node examples/js-string-builtins.js
const { WebAssembly, wat } = require('..');

const bytes = wat(`(module
  (import "wasm:js-string" "concat" (func $concat (param externref externref) (result (ref extern))))
  (import "wasm:js-string" "length" (func $length (param externref) (result i32)))
  (import "strings" "Hello, " (global $hello externref))
  (import "env" "JSTag" (tag $js (param externref)))
  (import "env" "parse" (func $parse (param externref) (result i32)))
  (func (export "greet") (param externref) (result externref) (call $concat (global.get $hello) (local.get 0)))
  (func (export "size") (param externref) (result i32) (call $length (local.get 0)))
  ;; The JS exception of parse() is caught here, under JSTag, and its value returned.
  (func (export "tryParse") (param externref) (result externref)
    (block $caught (result externref)
      (try_table (catch $js $caught) (drop (call $parse (local.get 0))))
      (ref.null extern))))`);

const mod = new WebAssembly.Module(bytes, { builtins: ['js-string'], importedStringConstants: 'strings' });
console.log('imports the object must give:', JSON.stringify(WebAssembly.Module.imports(mod).map((i) => `${i.module}.${i.name}`)));
const { exports: wasm } = new WebAssembly.Instance(mod, { env: { JSTag: WebAssembly.JSTag, parse: (s) => JSON.parse(s) } });
console.log(`${wasm.greet('wasm')} (${wasm.size('wasm')} characters)`);
console.log(`caught in wasm: ${wasm.tryParse('{oops')}`);
try {
  wasm.size(42);
} catch (e) {
  console.log(`a builtin given a number traps: ${e.constructor.name}: ${e.message}`);
}
