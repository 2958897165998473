'use strict';
// worker_threads' postMessage for wasm-rt's objects, which V8's structured clone does not know
// (it would deliver them as empty objects). As V8 does for its own, a shared Memory reaches the
// other thread as a Memory over the same bytes, and a Module as a Module; an unshared Memory, a
// Table, a Global, a Tag, an Exception or an Instance is a DataCloneError.
//
// The sending side (MessagePort's postMessage, which Worker's and the Worker constructor's, for
// `workerData`, call) walks the message: plain objects and arrays, each once, to a depth of
// MAX_DEPTH; anything else (a Map, a class instance) is cloned as V8 clones it, unwalked. A
// message that holds wasm-rt objects travels as a marked copy, each such object replaced by what
// carries it. The receiving side opens marked messages where Node hands a port's messages to
// every kind of listener (`on`, `once`, `addEventListener`, `onmessage`), and a Worker's
// `workerData` when wasm-rt loads there. `structuredClone` does both on one thread.
const { MessagePort } = require('node:worker_threads');
const workerThreads = require('node:worker_threads');
const native = require('./native');
const { makeMemory, isMemory } = require('./memory');
const { Module, moduleBytes, isModule } = require('./module');
const { Table } = require('./table');
const { Global } = require('./global');
const { Tag, Exception } = require('./tag');
const { Instance } = require('./instance');

const KEY = '\0wasm-rt:posted';
const MAX_DEPTH = 16;
const UNCLONEABLE = [
  [Table, 'Table'],
  [Global, 'Global'],
  [Tag, 'Tag'],
  [Exception, 'Exception'],
  [Instance, 'Instance'],
];

const isObject = (v) => (typeof v === 'object' && v !== null) || typeof v === 'function';

function cloneError(name) {
  return new DOMException(`#<${name}> could not be cloned.`, 'DataCloneError');
}

/** Whether `encode` and `decode` look inside `value`: a plain object or an array. */
function walkable(value) {
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * What carries `value` across: a copy of its plain objects and arrays with each wasm-rt object
 * replaced, and whether anything was. Each object is visited once (`copies`), so a message with
 * cycles or shared parts costs its size, and its copy keeps its shape.
 */
function encode(value, depth, copies, found) {
  if (!isObject(value)) return value;
  if (isMemory(value)) {
    found.any = true;
    let buffer;
    try {
      buffer = native.memoryShare(value);
    } catch (e) {
      throw Object.assign(cloneError('Memory'), { cause: e });
    }
    return { [KEY]: 'memory', buffer };
  }
  if (isModule(value)) {
    found.any = true;
    return { [KEY]: 'module', bytes: moduleBytes(value) };
  }
  for (const [C, name] of UNCLONEABLE) if (value instanceof C) throw cloneError(name);
  if (depth >= MAX_DEPTH || !walkable(value)) return value;
  if (copies.has(value)) return copies.get(value);
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    copies.set(value, out);
    for (let i = 0; i < value.length; i++) out[i] = encode(value[i], depth + 1, copies, found);
    return out;
  }
  const out = Object.getPrototypeOf(value) === null ? Object.create(null) : {};
  copies.set(value, out);
  for (const key of Object.keys(value)) out[key] = encode(value[key], depth + 1, copies, found);
  return out;
}

/** The inverse of `encode`, on the receiving thread, in place. */
function decode(value, depth, seen) {
  if (!isObject(value)) return value;
  if (Object.hasOwn(value, KEY)) {
    // A forged mark stays as it came rather than failing the receiving thread.
    try {
      if (value[KEY] === 'memory') return native.memoryFromShared(makeMemory(), value.buffer);
      if (value[KEY] === 'module') return new Module(value.bytes);
    } catch {
      return value;
    }
    delete value[KEY];
  }
  if (depth >= MAX_DEPTH || !walkable(value) || seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = decode(value[i], depth + 1, seen);
  } else {
    for (const key of Object.keys(value)) value[key] = decode(value[key], depth + 1, seen);
  }
  return value;
}

/**
 * The message to post for `value`: `value` itself, or its copy with wasm-rt objects replaced and
 * marked (an own property, so that Node's internal messages, which may carry a Worker's
 * `workerData`, keep their shape).
 */
function seal(value) {
  const found = { any: false };
  const encoded = encode(value, 0, new Map(), found);
  if (!found.any) return value;
  if (!Object.hasOwn(encoded, KEY)) encoded[KEY] = 'message';
  return encoded;
}

/** A received message, opened if it was sealed. */
const open = (data) => (isObject(data) && Object.hasOwn(data, KEY) ? decode(data, 0, new Set()) : data);

function install() {
  // Once per thread, whichever copy of wasm-rt comes first.
  const installed = Symbol.for('wasm-rt.post-message');
  if (MessagePort.prototype[installed]) return;
  Object.defineProperty(MessagePort.prototype, installed, { value: true });

  const post = MessagePort.prototype.postMessage;
  // Node's has length 0; so has this one.
  function postMessage(...args) {
    return Reflect.apply(post, this, args.length === 0 ? args : [seal(args[0]), ...args.slice(1)]);
  }
  Object.defineProperty(MessagePort.prototype, 'postMessage', { value: postMessage, writable: true, configurable: true });

  // Node hands each message of a port to all its listeners through this one method (Node's
  // lib/internal/event_target.js, a registered symbol).
  const dispatch = Symbol.for('nodejs.internal.kHybridDispatch');
  const hybrid = MessagePort.prototype[dispatch];
  if (typeof hybrid === 'function') {
    Object.defineProperty(MessagePort.prototype, dispatch, {
      value: function (value, type, event) {
        return Reflect.apply(hybrid, this, [type === 'message' ? open(value) : value, type, event]);
      },
      writable: true,
      configurable: true,
    });
  }

  // A Worker's workerData came with the message that started the thread, before wasm-rt loaded;
  // its parts are replaced in place, for code that read workerData before.
  const data = decode(workerThreads.workerData, 0, new Set());
  if (data !== workerThreads.workerData) {
    workerThreads.workerData = data;
    require('node:module').syncBuiltinESMExports();
  }

  // structuredClone clones the same way on one thread.
  const clone = globalThis.structuredClone;
  if (typeof clone === 'function') {
    const structuredClone = { structuredClone: (value, options) => open(clone(seal(value), options)) }.structuredClone;
    Object.defineProperty(structuredClone, 'length', { value: clone.length });
    Object.defineProperty(globalThis, 'structuredClone', { value: structuredClone, writable: true, enumerable: true, configurable: true });
  }

  const receive = workerThreads.receiveMessageOnPort;
  workerThreads.receiveMessageOnPort = function receiveMessageOnPort(port) {
    const r = receive(port);
    return r === undefined ? r : { message: open(r.message) };
  };
}

module.exports = { install };
