'use strict';
// WebAssembly.Instance (JS API §5.2) and the spec's "read the imports".
const native = require('./native');
const { moduleHandle, importsOf, suppliedOf } = require('./module');
const { LinkError } = require('./errors');
const { requireArgs, isObject, optionalObject, finishInterface } = require('./webidl');
const { isMemory } = require('./memory');
const { isTable } = require('./table');
const { isGlobal } = require('./global');
const { isTag } = require('./tag');

const isKind = { memory: isMemory, table: isTable, tag: isTag };

/**
 * One value per import of the module, in module order, after the lookups and checks the spec
 * performs in JS-observable order; the first failure stops the walk.
 */
function readImports(handle, importObject) {
  const imports = importsOf(handle);
  const supplied = suppliedOf(handle);
  if (imports.length > (supplied?.size ?? 0) && importObject === undefined) {
    throw new TypeError('WebAssembly.Instance(): Imports argument must be present and must be an object');
  }
  const values = [];
  for (const [moduleName, name, kind, globalType, globalMutable] of imports) {
    if (supplied?.has(values.length)) {
      values.push(supplied.get(values.length));
      continue;
    }
    const o = importObject[moduleName];
    if (!isObject(o)) {
      throw new TypeError(`WebAssembly.Instance(): Import #${values.length} "${moduleName}": module is not an object or function`);
    }
    const v = o[name];
    // Built only for an error message: a module may have thousands of imports.
    const where = () => `Import #${values.length} "${moduleName}" "${name}"`;
    switch (kind) {
      case 'function':
        if (typeof v !== 'function') throw new LinkError(`WebAssembly.Instance(): ${where()}: function import requires a callable`);
        break;
      case 'global':
        if (isGlobal(v)) break;
        if (globalType === 'i64' && typeof v !== 'bigint') {
          throw new LinkError(`WebAssembly.Instance(): ${where()}: global import must be a BigInt`);
        }
        if ((globalType === 'i32' || globalType === 'f32' || globalType === 'f64') && typeof v !== 'number') {
          throw new LinkError(`WebAssembly.Instance(): ${where()}: global import must be a number`);
        }
        if (globalType === 'v128') throw new LinkError(`WebAssembly.Instance(): ${where()}: v128 globals cannot be imported from JS`);
        // ToWebAssemblyValue refuses null for a non-nullable reference type (src/compile/non_null.rs);
        // "read the imports" turns its TypeError into a LinkError.
        if (v === null && globalType.startsWith('ref ')) throw new LinkError(`WebAssembly.Instance(): ${where()}: type incompatibility when transforming from/to JS`);
        if (globalMutable) throw new LinkError(`WebAssembly.Instance(): ${where()}: imported mutable global must be a WebAssembly.Global object`);
        break;
      default:
        if (isKind[kind]?.(v)) break;
        throw new LinkError(`WebAssembly.Instance(): ${where()}: ${kind} import requires a WebAssembly.${kind[0].toUpperCase()}${kind.slice(1)} object`);
    }
    values.push(v);
  }
  return values;
}

/**
 * Links the read imports, under `limits` if given (lib/limits.js); returns [native handle,
 * anchor, frozen exports object].
 */
function link(handle, values, limits) {
  const [instanceHandle, anchor, ...flat] = native.instantiate(handle, values, limits);
  const exports = Object.create(null);
  for (let i = 0; i < flat.length; i += 2) exports[flat[i]] = flat[i + 1];
  return [instanceHandle, anchor, Object.freeze(exports)];
}

let instanceFromParts;
let handleOf;

class Instance {
  #handle;
  // Never read: holding it keeps the group's anchor alive as long as this instance (src/runtime/group.rs).
  // oxlint-disable-next-line no-unused-private-class-members
  #anchor;
  #exports;

  constructor(module, importObject) {
    if (adopting !== null) {
      [this.#handle, this.#anchor, this.#exports] = adopting;
      return;
    }
    requireArgs(arguments.length, 1, 'WebAssembly.Instance()');
    const handle = moduleHandle(module, 'WebAssembly.Instance()');
    optionalObject(importObject, 'WebAssembly.Instance()');
    [this.#handle, this.#anchor, this.#exports] = link(handle, readImports(handle, importObject));
  }

  get exports() {
    if (typeof this !== 'object' || this === null || !(#exports in this)) {
      throw new TypeError('Receiver is not a WebAssembly.Instance');
    }
    return this.#exports;
  }

  static {
    // The native instance behind a wasm-rt Instance (WASI's start needs it); undefined otherwise.
    handleOf = (v) => (typeof v === 'object' && v !== null && #handle in v ? v.#handle : undefined);
    instanceFromParts = (parts) => {
      adopting = parts;
      try {
        return new Instance();
      } finally {
        adopting = null;
      }
    };
  }
}

// Set only while instanceFromParts wraps an instance made by instantiate().
let adopting = null;

finishInterface(Instance, { length: 1, tag: 'WebAssembly.Instance', attributes: ['exports'] });

module.exports = { Instance, readImports, link, instanceFromParts, handleOf };
