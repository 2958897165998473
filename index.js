'use strict';
// wasm-rt: the WebAssembly JS API on the wasmer engine.
const { WebAssembly } = require('./lib/namespace');

module.exports = { WebAssembly };
