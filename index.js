'use strict';
// wasm-rt: the WebAssembly JS API on the wasmer engine.
const { WebAssembly } = require('./lib/namespace');
const { compile, compileSync, serialize, deserialize, compilerOf, compilers, defaultCompiler } = require('./lib/extensions');
const { WASI } = require('./lib/wasi');
const native = require('./lib/native');
const { compareModule } = require('./lib/differential');
const { instantiate, instantiateSync, getLimits, setLimits, addFuel } = require('./lib/limits');

/** The binary of a module in the text format (WAT), by the `wat` crate; an Error for bad text. */
function wat(text) {
  return native.wat(`${text}`);
}

/** The compiled-code cache of this process: its folder (null when off) and what it did. */
const codeCache = () => native.cacheInfo();

module.exports = {
  WebAssembly,
  WASI,
  compile,
  compileSync,
  serialize,
  deserialize,
  compilerOf,
  compilers,
  defaultCompiler,
  codeCache,
  compareModule,
  instantiate,
  instantiateSync,
  getLimits,
  setLimits,
  addFuel,
  wat,
};
