'use strict';
// WebAssembly.Tag, WebAssembly.Exception and WebAssembly.JSTag (exception-handling JS API); the
// engine side is src/api/tag.rs.
const native = require('./native');
const { ADOPT, requireArgs, isObject, finishInterface } = require('./webidl');
const { toWasmValue, typeLetters, letterTypes, enforceU32, incompatible } = require('./values');

const VALUE_TYPES = new Set(['i32', 'i64', 'f32', 'f64', 'v128', 'externref', 'anyfunc', 'funcref', 'exnref']);

let tagBrand;
let isTag;

class Tag {
  // oxlint-disable-next-line no-unused-private-class-members -- read by `#brand in v`, which the rule misses
  #brand = true;

  constructor(type) {
    if (type === ADOPT) return;
    const context = 'WebAssembly.Tag()';
    requireArgs(arguments.length, 1, context);
    if (!isObject(type)) throw new TypeError(`${context}: Argument 0 must be a tag type`);
    const parameters = type.parameters;
    if (parameters === undefined) throw new TypeError(`${context}: Property 'parameters' is required`);
    const letters = sequence(parameters, context)
      .map((p) => {
        const name = `${p}`;
        if (!VALUE_TYPES.has(name)) throw new TypeError(`${context}: parameter type ${name} is not a WebAssembly value type`);
        return typeLetters[name];
      })
      .join('');
    native.tagNew(this, letters);
  }

  static {
    tagBrand = (v, context) => {
      if (!isObject(v) || !(#brand in v)) throw new TypeError(`${context}: Argument 0 must be a WebAssembly.Tag`);
    };
    isTag = (v) => isObject(v) && #brand in v;
  }
}

/** WebIDL sequence<T> conversion: an iterable object, read to the end. */
function sequence(v, context) {
  if (!isObject(v)) throw new TypeError(`${context}: value is not a sequence`);
  const method = v[Symbol.iterator];
  if (typeof method !== 'function') throw new TypeError(`${context}: value is not iterable`);
  return Array.from({ [Symbol.iterator]: () => method.call(v) });
}

const paramTypes = (tag) => [...native.tagParams(tag)].map((c) => letterTypes[c]);

let JSTag;
let exceptionBrand;
let exceptionParts;
let adoptingException = null;

class Exception {
  #tag;
  #payload;

  constructor(exceptionTag, payload, options = undefined) {
    if (adoptingException !== null) {
      [this.#tag, this.#payload] = adoptingException;
      return;
    }
    const context = 'WebAssembly.Exception()';
    requireArgs(arguments.length, 2, context);
    tagBrand(exceptionTag, context);
    const values = sequence(payload, context);
    if (options !== undefined && options !== null && !isObject(options)) throw new TypeError(`${context}: Argument 2 must be an object`);
    const traceStack = options == null ? false : Boolean(options.traceStack);
    if (exceptionTag === JSTag) throw new TypeError(`${context}: an Exception cannot be created with WebAssembly.JSTag`);
    const types = paramTypes(exceptionTag);
    if (values.length !== types.length) {
      throw new TypeError(`${context}: Number of exception values does not match signature length`);
    }
    this.#tag = exceptionTag;
    this.#payload = types.map((t, i) => toWasmValue(t, values[i]));
    if (traceStack) {
      const holder = {};
      Error.captureStackTrace(holder, Exception);
      Object.defineProperty(this, 'stack', { value: holder.stack, writable: true, configurable: true });
    }
  }

  getArg(exceptionTag, index) {
    exceptionBrand(this);
    const context = 'WebAssembly.Exception.getArg()';
    requireArgs(arguments.length, 2, context);
    tagBrand(exceptionTag, context);
    const i = enforceU32(index, context, 'Argument 1');
    if (exceptionTag !== this.#tag) throw new TypeError(`${context}: First argument does not match the exception tag`);
    if (i >= this.#payload.length) throw new RangeError(`${context}: Index out of range`);
    const type = paramTypes(this.#tag)[i];
    if (type === 'v128' || type === 'exnref') throw incompatible();
    return this.#payload[i];
  }

  is(exceptionTag) {
    exceptionBrand(this);
    const context = 'WebAssembly.Exception.is()';
    requireArgs(arguments.length, 1, context);
    tagBrand(exceptionTag, context);
    return exceptionTag === this.#tag;
  }

  static {
    exceptionBrand = (v) => {
      if (!isObject(v) || !(#tag in v)) throw new TypeError('Receiver is not a WebAssembly.Exception');
    };
    // For src/api/tag.rs: what a WebAssembly.Exception thrown by an import raises in wasm.
    exceptionParts = (v) => (isObject(v) && #tag in v ? [v.#tag, v.#payload] : undefined);
  }
}

const makeTag = () => new Tag(ADOPT);

function makeException(tag, payload) {
  adoptingException = [tag, payload];
  try {
    return new Exception();
  } finally {
    adoptingException = null;
  }
}

finishInterface(Tag, { length: 1, tag: 'WebAssembly.Tag' });
finishInterface(Exception, { length: 2, tag: 'WebAssembly.Exception', operations: ['getArg', 'is'] });

JSTag = makeTag();
native.tagNewJS(JSTag);

module.exports = { Tag, Exception, JSTag, makeTag, makeException, exceptionParts: (v) => exceptionParts(v), isTag: (v) => isTag(v) };
