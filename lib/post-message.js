'use strict';
// worker_threads' postMessage for wasm-rt's objects, which V8's structured clone does not know
// (it would deliver them as empty objects). As V8 does for its own, a shared Memory reaches the
// other thread as a Memory over the same bytes, and a Module as a Module; an unshared Memory, a
// Table, a Global, a Tag, an Exception or an Instance is a DataCloneError.
//
// The sending side (MessagePort's postMessage, which Worker's calls) walks the message: plain
// objects and arrays, to a depth of MAX_DEPTH; anything else (a Map, a class instance) is cloned
// as V8 clones it, unwalked. A message that holds wasm-rt objects travels in an envelope, each
// such object replaced by what carries it. The receiving side opens envelopes where Node hands a
// port's messages to every kind of listener (`on`, `once`, `addEventListener`, `onmessage`).
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

/** What carries `value` across: the value itself unless it is, or holds, a wasm-rt object. */
function encode(value, depth) {
  if (!isObject(value)) return value;
  if (isMemory(value)) {
    let buffer;
    try {
      buffer = native.memoryShare(value);
    } catch (e) {
      throw Object.assign(cloneError('Memory'), { cause: e });
    }
    return { [KEY]: 'memory', buffer };
  }
  if (isModule(value)) return { [KEY]: 'module', bytes: moduleBytes(value) };
  for (const [C, name] of UNCLONEABLE) if (value instanceof C) throw cloneError(name);
  if (depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let out = value;
    for (let i = 0; i < value.length; i++) {
      const v = encode(value[i], depth + 1);
      if (v !== value[i]) {
        if (out === value) out = value.slice();
        out[i] = v;
      }
    }
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  let out = value;
  for (const key of Object.keys(value)) {
    const v = encode(value[key], depth + 1);
    if (v !== value[key]) {
      if (out === value) out = { ...value };
      out[key] = v;
    }
  }
  return out;
}

/** The inverse of `encode`, on the receiving thread. */
function decode(value, depth) {
  if (!isObject(value)) return value;
  if (Object.hasOwn(value, KEY)) {
    if (value[KEY] === 'memory') return native.memoryFromShared(makeMemory(), value.buffer);
    if (value[KEY] === 'module') return new Module(value.bytes);
  }
  if (depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = decode(value[i], depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const key of Object.keys(value)) value[key] = decode(value[key], depth + 1);
  }
  return value;
}

const open = (data) => (isObject(data) && Object.hasOwn(data, KEY) && data[KEY] === 'message' ? decode(data.value, 0) : data);

function install() {
  // Once per thread, whichever copy of wasm-rt comes first.
  const installed = Symbol.for('wasm-rt.post-message');
  if (MessagePort.prototype[installed]) return;
  Object.defineProperty(MessagePort.prototype, installed, { value: true });

  const post = MessagePort.prototype.postMessage;
  Object.defineProperty(MessagePort.prototype, 'postMessage', {
    value: function postMessage(value, ...rest) {
      const encoded = encode(value, 0);
      return Reflect.apply(post, this, [encoded === value ? value : { [KEY]: 'message', value: encoded }, ...rest]);
    },
    writable: true,
    configurable: true,
  });

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

  const receive = workerThreads.receiveMessageOnPort;
  workerThreads.receiveMessageOnPort = function receiveMessageOnPort(port) {
    const r = receive(port);
    return r === undefined ? r : { message: open(r.message) };
  };
}

module.exports = { install };
