'use strict';
// The WebIDL pieces of the JS API that are easiest to get exactly right in JS: argument
// conversions, BufferSource copies, and the property shapes of interfaces and namespaces.

const TypedArray = Object.getPrototypeOf(Uint8Array);
const getter = (proto, name) => Object.getOwnPropertyDescriptor(proto, name).get;
const typedArrayBuffer = getter(TypedArray.prototype, 'buffer');
const typedArrayOffset = getter(TypedArray.prototype, 'byteOffset');
const typedArrayLength = getter(TypedArray.prototype, 'byteLength');
const dataViewBuffer = getter(DataView.prototype, 'buffer');
const dataViewOffset = getter(DataView.prototype, 'byteOffset');
const dataViewLength = getter(DataView.prototype, 'byteLength');
const arrayBufferLength = getter(ArrayBuffer.prototype, 'byteLength');
const { isArrayBuffer, isSharedArrayBuffer, isDataView } = require('node:util').types;

// The buffer, offset and length an [AllowShared] BufferSource designates: a view may lie over a
// SharedArrayBuffer, but a SharedArrayBuffer itself is no BufferSource (WebIDL; V8 agrees).
function bufferSourceParts(value, context) {
  if (ArrayBuffer.isView(value)) {
    const dv = isDataView(value);
    return {
      buffer: (dv ? dataViewBuffer : typedArrayBuffer).call(value),
      offset: (dv ? dataViewOffset : typedArrayOffset).call(value),
      length: (dv ? dataViewLength : typedArrayLength).call(value),
    };
  }
  if (isArrayBuffer(value)) return { buffer: value, offset: 0, length: arrayBufferLength.call(value) };
  throw new TypeError(`${context}: Argument 0 must be a buffer source`);
}

const MODULE_SIZE_LIMIT = 2 ** 30;

/** A copy of the bytes of a BufferSource, taken now (the spec copies at call time). */
function copyBufferSource(value, context) {
  const { buffer, offset, length } = bufferSourceParts(value, context);
  // A detached buffer reads as empty, which is what the spec's copy of its bytes gives.
  if (length === 0) return new Uint8Array(0);
  const view = new Uint8Array(buffer, offset, length);
  // Above the JS API's module size limit, compile and validate refuse the bytes by their length
  // alone and read none of them: a copy would cost a second gigabyte for nothing.
  return length > MODULE_SIZE_LIMIT ? view : view.slice();
}

// The bytes of a BufferSource for a synchronous read that runs no JS (validate): the spec's
// copy cannot be told apart from the bytes themselves then, except in a SharedArrayBuffer,
// which another thread may change meanwhile.
function bufferSourceBytes(value, context) {
  const { buffer, offset, length } = bufferSourceParts(value, context);
  if (isSharedArrayBuffer(buffer)) return copyBufferSource(value, context);
  return length === 0 ? new Uint8Array(0) : new Uint8Array(buffer, offset, length);
}

function requireArgs(count, needed, context) {
  if (count < needed) {
    throw new TypeError(`${context}: ${needed} argument${needed > 1 ? 's' : ''} required, but only ${count} present.`);
  }
}

function isObject(v) {
  return (typeof v === 'object' && v !== null) || typeof v === 'function';
}

/** WebIDL `optional object`: undefined, or an object. */
function optionalObject(v, context) {
  if (v !== undefined && !isObject(v)) throw new TypeError(`${context}: Argument 1 must be an object`);
  return v;
}

/** Regular operations: writable, enumerable, configurable; functions that are not constructors. */
function defineOperations(target, methods) {
  for (const name of Object.keys(methods)) {
    Object.defineProperty(target, name, { value: methods[name], writable: true, enumerable: true, configurable: true });
  }
}

/** Attributes: an enumerable, configurable accessor whose getter is named "get <name>". */
function defineAttributes(proto, names) {
  for (const name of names) {
    const d = Object.getOwnPropertyDescriptor(proto, name);
    Object.defineProperty(proto, name, { get: d.get, set: d.set, enumerable: true, configurable: true });
  }
}

/** Makes the prototype's methods enumerable, as WebIDL operations are, and sets the class's length. */
function finishInterface(cls, { length, tag, operations = [], attributes = [] }) {
  Object.defineProperty(cls, 'length', { value: length });
  for (const name of operations) {
    Object.defineProperty(cls.prototype, name, { enumerable: true });
  }
  defineAttributes(cls.prototype, attributes);
  Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: tag, configurable: true });
}

/**
 * Passed as a constructor's first argument by the native side's factories (makeMemory, ...):
 * build a blank object for the engine to attach an existing wasm object to. Not reachable from
 * user code, so no user call can take this path.
 */
const ADOPT = Object.freeze({});

module.exports = { ADOPT, copyBufferSource, bufferSourceBytes, requireArgs, isObject, optionalObject, defineOperations, finishInterface };
