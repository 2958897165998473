'use strict';
// What wasm-rt offers beside the JS API: compiling a module with a chosen wasmer compiler.
// The result is an ordinary WebAssembly.Module of wasm-rt's namespace.
const native = require('./native');
const { moduleFromHandle } = require('./module');
const { compileBytes } = require('./namespace');
const { COMPILERS, checkCompiler, defaultCompiler } = require('./compiler');
const { copyBufferSource } = require('./webidl');

function compilerOption(options, context) {
  if (options === undefined || options === null) return defaultCompiler;
  if (typeof options !== 'object') throw new TypeError(`${context}: options must be an object`);
  return options.compiler === undefined ? defaultCompiler : checkCompiler(`${options.compiler}`, context);
}

/** Compiles off the main thread, like WebAssembly.compile, with `options.compiler`. */
function compile(bytes, options) {
  try {
    const compiler = compilerOption(options, 'wasm-rt compile()');
    return compileBytes(copyBufferSource(bytes, 'wasm-rt compile()'), compiler);
  } catch (e) {
    return Promise.reject(e);
  }
}

/** Compiles on the calling thread, like `new WebAssembly.Module`, with `options.compiler`. */
function compileSync(bytes, options) {
  const compiler = compilerOption(options, 'wasm-rt compileSync()');
  const copy = copyBufferSource(bytes, 'wasm-rt compileSync()');
  return moduleFromHandle(native.compile(copy, compiler), copy);
}

module.exports = { compile, compileSync, compilers: COMPILERS, defaultCompiler };
