'use strict';
// Which wasmer compiler compiles a module. The JS API has no place for this choice, so it is made
// outside it: the process default comes from WASM_RT_COMPILER, and `compile`/`compileSync` in
// index.js choose per module.
const COMPILERS = Object.freeze(['cranelift', 'singlepass']);

function checkCompiler(name, context) {
  if (!COMPILERS.includes(name)) {
    throw new TypeError(`${context}: unknown compiler '${name}' (one of: ${COMPILERS.join(', ')})`);
  }
  return name;
}

const defaultCompiler = checkCompiler(process.env.WASM_RT_COMPILER || 'cranelift', 'WASM_RT_COMPILER');

module.exports = { COMPILERS, checkCompiler, defaultCompiler };
