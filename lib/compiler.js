'use strict';
// Which wasmer compiler compiles a module. The JS API has no place for this choice, so it is made
// outside it: the process default comes from WASM_RT_COMPILER, and `compile`/`compileSync` in
// index.js choose per module. 'tiered' (the default) is not a compiler but the choice of both:
// singlepass at once, cranelift in the background (src/compile/pipeline.rs, compile_tiered).
const COMPILERS = Object.freeze(['cranelift', 'singlepass']);
const CHOICES = [...COMPILERS, 'tiered'];

function checkCompiler(name, context) {
  if (!CHOICES.includes(name)) {
    throw new TypeError(`${context}: unknown compiler '${name}' (one of: ${CHOICES.join(', ')})`);
  }
  return name;
}

const defaultCompiler = checkCompiler(process.env.WASM_RT_COMPILER || 'tiered', 'WASM_RT_COMPILER');

module.exports = { COMPILERS, checkCompiler, defaultCompiler };
