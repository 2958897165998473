'use strict';
// WebAssembly.Global (JS API §5.5); the engine side is src/api/global.rs.
const native = require('./native');
const { ADOPT, requireArgs, isObject, finishInterface } = require('./webidl');
const { toWasmValue, defaultValue, incompatible } = require('./values');

const VALUE_TYPES = new Set(['i32', 'i64', 'f32', 'f64', 'v128', 'externref', 'anyfunc', 'funcref']);

let brand;
let isGlobal;

class Global {
  // oxlint-disable-next-line no-unused-private-class-members -- read by `#brand in v`, which the rule misses
  #brand = true;

  constructor(descriptor, v) {
    if (descriptor === ADOPT) return;
    const context = 'WebAssembly.Global()';
    requireArgs(arguments.length, 1, context);
    if (!isObject(descriptor)) throw new TypeError(`${context}: Argument 0 must be a global descriptor`);
    const mutable = Boolean(descriptor.mutable);
    const raw = descriptor.value;
    const type = raw === undefined ? undefined : `${raw}`;
    if (!VALUE_TYPES.has(type)) throw new TypeError(`${context}: Descriptor property 'value' must be a WebAssembly value type`);
    if (type === 'v128') throw incompatible();
    const value = v === undefined ? defaultValue(type) : toWasmValue(type, v);
    native.globalNew(this, type, mutable, value);
  }

  get value() {
    brand(this);
    return native.globalGet(this);
  }

  set value(v) {
    brand(this);
    // The current draft converts a missing argument as undefined (V8 throws instead).
    const [type, mutable] = native.globalType(this);
    if (!mutable) throw new TypeError("Failed to set the 'value' property on 'WebAssembly.Global': Can't set the value of an immutable global.");
    native.globalSet(this, toWasmValue(type, v));
  }

  valueOf() {
    brand(this);
    return native.globalGet(this);
  }

  static {
    brand = (v) => {
      if (!isObject(v) || !(#brand in v)) throw new TypeError('Receiver is not a WebAssembly.Global');
    };
    isGlobal = (v) => isObject(v) && #brand in v;
  }
}

const makeGlobal = () => new Global(ADOPT);

finishInterface(Global, { length: 1, tag: 'WebAssembly.Global', operations: ['valueOf'], attributes: ['value'] });

module.exports = { Global, makeGlobal, isGlobal: (v) => isGlobal(v) };
