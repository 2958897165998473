'use strict';
// What wasm-rt offers beside the JS API: compiling a module with a chosen wasmer compiler (and,
// with `fuel: true`, counting fuel; see lib/limits.js).
// The result is an ordinary WebAssembly.Module of wasm-rt's namespace.
const native = require('./native');
const { moduleFromHandle, moduleHandle, moduleBytes } = require('./module');
const { compileBytes } = require('./namespace');
const { COMPILERS, checkCompiler, defaultCompiler } = require('./compiler');
const { copyBufferSource } = require('./webidl');

function compilerOption(options, context) {
  if (options === undefined || options === null) return defaultCompiler;
  if (typeof options !== 'object') throw new TypeError(`${context}: options must be an object`);
  return options.compiler === undefined ? defaultCompiler : checkCompiler(`${options.compiler}`, context);
}

// What the module's code carries to be stopped (lib/limits.js): `fuel: true` counts fuel,
// `limits: true` lets a timeout stop it; by default, only code compiled in a worker thread can
// be stopped (so that worker.terminate() stops it).
function checksOption(options) {
  if (typeof options !== 'object' || options === null) return undefined;
  if (options.fuel === true) return 'fuel';
  return options.limits === true ? 'stop' : undefined;
}

/** Compiles off the main thread, like WebAssembly.compile, with `options.compiler`. */
function compile(bytes, options) {
  try {
    const compiler = compilerOption(options, 'wasm-rt compile()');
    return compileBytes(copyBufferSource(bytes, 'wasm-rt compile()'), compiler, checksOption(options));
  } catch (e) {
    return Promise.reject(e);
  }
}

/** Compiles on the calling thread, like `new WebAssembly.Module`, with `options.compiler`. */
function compileSync(bytes, options) {
  const compiler = compilerOption(options, 'wasm-rt compileSync()');
  const copy = copyBufferSource(bytes, 'wasm-rt compileSync()');
  return moduleFromHandle(native.compile(copy, compiler, checksOption(options)), copy);
}

/**
 * A module's compiled code as bytes, for `deserialize` in another thread or a later process of
 * the same wasm-rt build on the same kind of CPU. The bytes are code: `deserialize` checks that
 * they are whole and made for this build, not who made them.
 */
function serialize(module) {
  const handle = moduleHandle(module, 'wasm-rt serialize()');
  return native.moduleSerialize(handle, moduleBytes(module));
}

/** The WebAssembly.Module that `serialize` made bytes of, without compiling it again. */
function deserialize(bytes) {
  const [handle, wasm] = native.moduleDeserialize(copyBufferSource(bytes, 'wasm-rt deserialize()'));
  return moduleFromHandle(handle, wasm);
}

/** The compiler whose code a module runs: 'cranelift' or 'singlepass' (a tiered module's first tier). */
function compilerOf(module) {
  return native.moduleCompiler(moduleHandle(module, 'wasm-rt compilerOf()'));
}

module.exports = { compile, compileSync, serialize, deserialize, compilerOf, compilers: COMPILERS, defaultCompiler };
