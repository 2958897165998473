'use strict';
// wasm-rt: the WebAssembly JS API on the wasmer engine.
const { WebAssembly } = require('./lib/namespace');
const { compile, compileSync, compilers, defaultCompiler } = require('./lib/extensions');
const { WASI } = require('./lib/wasi');

module.exports = { WebAssembly, WASI, compile, compileSync, compilers, defaultCompiler };
