'use strict';
// The WebAssembly namespace object (JS API §5): its operations and interface members.
const native = require('./native');
const { Module, moduleHandle, moduleFromHandle, isModule, importsOf } = require('./module');
const { compileOptions, suppliedImports, NONE } = require('./js-string');
const { Instance, readImports, link, instanceFromParts } = require('./instance');
const { CompileError, LinkError, RuntimeError } = require('./errors');
const { Memory, makeMemory } = require('./memory');
const { Table, makeTable } = require('./table');
const { Global, makeGlobal } = require('./global');
const { Tag, Exception, JSTag, makeTag, makeException, exceptionParts } = require('./tag');
const { bufferSourceBytes, copyBufferSource, requireArgs, optionalObject, defineOperations } = require('./webidl');
const { defaultCompiler } = require('./compiler');

function compileBytes(bytes, compiler = defaultCompiler, checks = undefined, options = NONE) {
  return native.compileAsync(bytes, compiler, checks).then((handle) => moduleFromHandle(handle, bytes, options));
}

/** "Asynchronously instantiate": the imports are read now, the instance is created in a later task. */
function instantiateLater(module, importObject) {
  let step;
  try {
    const handle = moduleHandle(module, 'WebAssembly.instantiate()');
    const values = readImports(handle, importObject);
    step = () => instanceFromParts(link(handle, values));
  } catch (e) {
    step = () => {
      throw e;
    };
  }
  // Settle in a task, as V8 does, also when reading the imports failed.
  return new Promise((resolve, reject) => {
    setImmediate(() => {
      try {
        resolve(step());
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** The bytes of a Response (or a promise of one), per the Web API's compileStreaming checks. */
async function responseBytes(source, context) {
  const response = await source;
  if (!(response instanceof Response)) throw new TypeError(`${context}: Argument 0 must be a Response or a promise of one`);
  const type = response.headers.get('Content-Type');
  if (type === null || type.trim().toLowerCase() !== 'application/wasm') {
    throw new TypeError(`${context}: Incorrect response MIME type. Expected 'application/wasm'.`);
  }
  if (!response.ok) throw new TypeError(`${context}: HTTP status code is not ok`);
  if (response.bodyUsed) throw new TypeError(`${context}: Response body has already been used`);
  return new Uint8Array(await response.arrayBuffer());
}

const WebAssembly = {};

defineOperations(WebAssembly, {
  validate(bytes, options) {
    requireArgs(arguments.length, 1, 'WebAssembly.validate()');
    const view = bufferSourceBytes(bytes, 'WebAssembly.validate()');
    const opts = compileOptions(options, 'WebAssembly.validate()');
    if (!native.validate(view, defaultCompiler)) return false;
    if (opts === NONE) return true;
    // Whether the options' imports type-check needs the module's import types: compile it.
    try {
      suppliedImports(importsOf(native.compile(copyBufferSource(bytes, 'WebAssembly.validate()'), defaultCompiler)), opts, '');
      return true;
    } catch (e) {
      if (e instanceof CompileError) return false;
      throw e;
    }
  },
  compile(bytes, options) {
    try {
      requireArgs(arguments.length, 1, 'WebAssembly.compile()');
      const copy = copyBufferSource(bytes, 'WebAssembly.compile()');
      return compileBytes(copy, defaultCompiler, undefined, compileOptions(options, 'WebAssembly.compile()'));
    } catch (e) {
      return Promise.reject(e);
    }
  },
  instantiate(bytes, importObject, options) {
    try {
      requireArgs(arguments.length, 1, 'WebAssembly.instantiate()');
      optionalObject(importObject, 'WebAssembly.instantiate()');
      if (isModule(bytes)) return instantiateLater(bytes, importObject);
      const copy = copyBufferSource(bytes, 'WebAssembly.instantiate()');
      const opts = compileOptions(options, 'WebAssembly.instantiate()');
      return compileBytes(copy, defaultCompiler, undefined, opts).then((module) =>
        instantiateLater(module, importObject).then((instance) => ({ module, instance })),
      );
    } catch (e) {
      return Promise.reject(e);
    }
  },
  compileStreaming(source, options) {
    let opts;
    try {
      requireArgs(arguments.length, 1, 'WebAssembly.compileStreaming()');
      opts = compileOptions(options, 'WebAssembly.compileStreaming()');
    } catch (e) {
      return Promise.reject(e);
    }
    return responseBytes(source, 'WebAssembly.compileStreaming()').then((bytes) => compileBytes(bytes, defaultCompiler, undefined, opts));
  },
  instantiateStreaming(source, importObject, options) {
    let opts;
    try {
      requireArgs(arguments.length, 1, 'WebAssembly.instantiateStreaming()');
      optionalObject(importObject, 'WebAssembly.instantiateStreaming()');
      opts = compileOptions(options, 'WebAssembly.instantiateStreaming()');
    } catch (e) {
      return Promise.reject(e);
    }
    return responseBytes(source, 'WebAssembly.instantiateStreaming()')
      .then((bytes) => compileBytes(bytes, defaultCompiler, undefined, opts))
      .then((module) => instantiateLater(module, importObject).then((instance) => ({ module, instance })));
  },
});

for (const name of ['validate', 'compile', 'instantiate', 'compileStreaming', 'instantiateStreaming']) {
  Object.defineProperty(WebAssembly[name], 'length', { value: 1 });
}
const interfaces = { Module, Instance, Memory, Table, Global, Tag, Exception, CompileError, LinkError, RuntimeError };
for (const [name, value] of Object.entries(interfaces)) {
  Object.defineProperty(WebAssembly, name, { value, writable: true, enumerable: false, configurable: true });
}
// A namespace attribute: an enumerable, configurable accessor.
Object.defineProperty(WebAssembly, 'JSTag', { get: { get JSTag() { return JSTag; } }.__lookupGetter__('JSTag'), enumerable: true, configurable: true });
Object.defineProperty(WebAssembly, Symbol.toStringTag, { value: 'WebAssembly', configurable: true });

const callSlots = native.init({
  failure: native.failure,
  RuntimeError,
  CompileError,
  LinkError,
  ...require('./functions'),
  makeMemory,
  makeTable,
  makeGlobal,
  makeTag,
  makeException,
  exceptionParts,
  threadId: require('node:worker_threads').threadId,
});
require('./functions').useCallSlots(callSlots);

require('./post-message').install();
require('./atomics').install();
require('./termination').install();

module.exports = { WebAssembly, compileBytes };
