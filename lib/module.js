'use strict';
// WebAssembly.Module (JS API §5.1).
const native = require('./native');
const { copyBufferSource, requireArgs, finishInterface } = require('./webidl');
const { defaultCompiler } = require('./compiler');
const { compileOptions, suppliedImports, NONE } = require('./js-string');

const utf8 = new TextDecoder('utf-8', { fatal: true });

// Set only while moduleFromHandle wraps a module compiled off-thread.
let adopting = null;
let moduleHandle;
let moduleFromHandle;
let moduleBytes;
let isModule;

class Module {
  #handle;
  #bytes;

  constructor(bytes, options = undefined) {
    if (adopting !== null) {
      this.#handle = adopting.handle;
      this.#bytes = adopting.bytes;
      supply(adopting.handle, adopting.options, 'WebAssembly.compile()');
      return;
    }
    requireArgs(arguments.length, 1, 'WebAssembly.Module()');
    const copy = copyBufferSource(bytes, 'WebAssembly.Module()');
    const opts = compileOptions(options, 'WebAssembly.Module()');
    this.#handle = native.compile(copy, defaultCompiler);
    this.#bytes = copy;
    supply(this.#handle, opts, 'WebAssembly.Module()');
  }

  static exports(moduleObject) {
    requireArgs(arguments.length, 1, 'WebAssembly.Module.exports()');
    const handle = moduleHandle(moduleObject, 'WebAssembly.Module.exports()');
    // WebIDL converts dictionaries with their members in lexicographic order.
    return native.moduleExports(handle).map(([name, kind]) => ({ kind, name }));
  }

  static imports(moduleObject) {
    requireArgs(arguments.length, 1, 'WebAssembly.Module.imports()');
    const handle = moduleHandle(moduleObject, 'WebAssembly.Module.imports()');
    const supplied = suppliedOf(handle);
    return importsOf(handle)
      .filter((_, i) => !supplied?.has(i))
      .map(([module, name, kind]) => ({ kind, module, name }));
  }

  static customSections(moduleObject, sectionName) {
    requireArgs(arguments.length, 2, 'WebAssembly.Module.customSections()');
    moduleHandle(moduleObject, 'WebAssembly.Module.customSections()');
    const name = `${sectionName}`;
    return customSections(moduleObject.#bytes).filter((s) => s.name === name).map((s) => s.payload);
  }

  static {
    moduleBytes = (module) => module.#bytes;
    isModule = (value) => typeof value === 'object' && value !== null && #handle in value;
    moduleHandle = (value, context) => {
      if (typeof value !== 'object' || value === null || !(#handle in value)) {
        throw new TypeError(`${context}: Argument 0 must be a WebAssembly.Module`);
      }
      return value.#handle;
    };
    moduleFromHandle = (handle, bytes, options = NONE) => {
      adopting = { handle, bytes, options };
      try {
        return new Module();
      } finally {
        adopting = null;
      }
    };
  }
}

// A module's import descriptions never change: read them from the engine once per module.
const importLists = new WeakMap();
// The imports its compile options supply (lib/js-string.js), by import index.
const suppliedLists = new WeakMap();

function supply(handle, options, context) {
  const supplied = suppliedImports(importsOf(handle), options, context);
  if (supplied !== undefined) suppliedLists.set(handle, supplied);
}

const suppliedOf = (handle) => suppliedLists.get(handle);

function importsOf(handle) {
  let list = importLists.get(handle);
  if (list === undefined) {
    list = native.moduleImports(handle);
    importLists.set(handle, list);
  }
  return list;
}

/** Walks the section headers; returns every custom section's name and a copy of its payload. */
function customSections(bytes) {
  const out = [];
  let pos = 8;
  const leb = () => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[pos++];
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) return result;
    }
  };
  while (pos < bytes.length) {
    const id = bytes[pos++];
    const size = leb();
    const end = pos + size;
    if (id === 0) {
      const nameLength = leb();
      const name = utf8.decode(bytes.subarray(pos, pos + nameLength));
      out.push({ name, payload: bytes.slice(pos + nameLength, end).buffer });
    }
    pos = end;
  }
  return out;
}

finishInterface(Module, {
  length: 1,
  tag: 'WebAssembly.Module',
});
for (const name of ['exports', 'imports', 'customSections']) {
  Object.defineProperty(Module, name, { enumerable: true });
}
inheritAbstractModuleSource();

/**
 * Where V8 has source phase imports (V8 13.6, Node 24 on), WebAssembly.Module inherits from the
 * realm's %AbstractModuleSource%, whose toStringTag getter names the class of a module source
 * and is undefined for anything else: so does wasm-rt's, from the same intrinsic, whose getter
 * also names wasm-rt's modules (V8's own knows only its own).
 */
function inheritAbstractModuleSource() {
  const base = Object.getPrototypeOf(globalThis.WebAssembly?.Module ?? Function.prototype);
  if (typeof base !== 'function' || base === Function.prototype || base.name !== 'AbstractModuleSource') return;
  Object.setPrototypeOf(Module, base);
  Object.setPrototypeOf(Module.prototype, base.prototype);
  // Once per thread, whichever copy of wasm-rt comes first.
  const patched = Symbol.for('wasm-rt.abstractModuleSource');
  if (Object.hasOwn(base.prototype, patched)) return;
  Object.defineProperty(base.prototype, patched, { value: true });
  const tag = Object.getOwnPropertyDescriptor(base.prototype, Symbol.toStringTag);
  const v8Get = tag.get;
  const accessor = {
    get [Symbol.toStringTag]() {
      return isModule(this) ? 'WebAssembly.Module' : Reflect.apply(v8Get, this, []);
    },
  };
  Object.defineProperty(base.prototype, Symbol.toStringTag, { ...tag, get: Object.getOwnPropertyDescriptor(accessor, Symbol.toStringTag).get });
}

module.exports = { Module, moduleHandle, moduleFromHandle, moduleBytes, isModule: (v) => isModule(v), importsOf, suppliedOf };
