'use strict';
// `node -r wasm-rt/preload program.js`: runs an unchanged program on wasm-rt. Before
// anything else loads, wasm-rt's WebAssembly becomes globalThis.WebAssembly, and its WASI is what
// `require('wasi')`, `require('node:wasi')` and `import ... from 'node:wasi'` give.
const Module = require('node:module');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const rt = require(path.join(__dirname, '..', '..', 'index.js'));

Object.defineProperty(globalThis, 'WebAssembly', { value: rt.WebAssembly, writable: true, configurable: true, enumerable: false });
const wasi = Object.freeze({ WASI: rt.WASI });
const load = Module._load;
Module._load = function loadWithWasmRt(request, parent, isMain) {
  if (request === 'wasi' || request === 'node:wasi') return wasi;
  return load.call(this, request, parent, isMain);
};
// ES modules: a resolve hook sends 'wasi' and 'node:wasi' to a module that re-exports wasm-rt's.
// In-thread hooks where Node has them (22.15 on; Node 26 deprecates `register`), else the
// off-thread hooks of esm-hooks.mjs.
if (typeof Module.registerHooks === 'function') {
  const shim = pathToFileURL(path.join(__dirname, 'wasi-shim.cjs')).href;
  Module.registerHooks({
    resolve(specifier, context, next) {
      if (specifier === 'wasi' || specifier === 'node:wasi') return { url: shim, shortCircuit: true };
      return next(specifier, context);
    },
  });
} else {
  Module.register(pathToFileURL(path.join(__dirname, 'esm-hooks.mjs')));
}
