'use strict';
// JS's Atomics.wait and Atomics.notify on a wasm-rt shared memory. wasm's memory.atomic.wait and
// notify use wasmer's wait queue, and V8's Atomics its own, so neither would wake the other's
// waiters; on a wasm-rt memory's buffer these two go to wasmer's queue (src/api/shared_memory.rs),
// after the same argument checks as V8's. Any other buffer keeps V8's Atomics. Atomics.waitAsync
// stays V8's: wasm's notify does not wake it (JS's notify does).
const native = require('./native');

const TypedArray = Object.getPrototypeOf(Int8Array.prototype);
const kindOf = Object.getOwnPropertyDescriptor(TypedArray, Symbol.toStringTag).get;
const bufferOf = Object.getOwnPropertyDescriptor(TypedArray, 'buffer').get;
const lengthOf = Object.getOwnPropertyDescriptor(TypedArray, 'length').get;
const offsetOf = Object.getOwnPropertyDescriptor(TypedArray, 'byteOffset').get;

/** The buffer of an Int32Array or BigInt64Array over a wasm-rt shared memory, else undefined. */
function wasmRtBuffer(view) {
  const kind = ArrayBuffer.isView(view) ? kindOf.call(view) : undefined;
  if (kind !== 'Int32Array' && kind !== 'BigInt64Array') return undefined;
  const buffer = bufferOf.call(view);
  return native.isSharedMemoryBuffer(buffer) ? buffer : undefined;
}

/** ValidateAtomicAccess: the byte offset of element `index` of `view`. */
function byteOffset(view, index) {
  let i = +index;
  i = Number.isNaN(i) ? 0 : Math.trunc(i);
  if (i < 0 || i >= lengthOf.call(view)) throw new RangeError('Invalid atomic access index');
  return offsetOf.call(view) + i * view.BYTES_PER_ELEMENT;
}

function install() {
  // Once per thread, whichever copy of wasm-rt comes first.
  const installed = Symbol.for('wasm-rt.atomics');
  if (Object.hasOwn(Atomics, installed)) return;
  Object.defineProperty(Atomics, installed, { value: true });
  const { wait: v8Wait, notify: v8Notify } = Atomics;
  const methods = {
    wait(typedArray, index, value, timeout) {
      const buffer = wasmRtBuffer(typedArray);
      if (buffer === undefined) return Reflect.apply(v8Wait, Atomics, arguments);
      const offset = byteOffset(typedArray, index);
      const v = kindOf.call(typedArray) === 'BigInt64Array' ? BigInt.asIntN(64, value) : +value | 0;
      const q = +timeout;
      return native.sharedWait(buffer, offset, v, Number.isNaN(q) ? Infinity : Math.max(q, 0));
    },
    notify(typedArray, index, count) {
      const buffer = wasmRtBuffer(typedArray);
      if (buffer === undefined) return Reflect.apply(v8Notify, Atomics, arguments);
      const offset = byteOffset(typedArray, index);
      let c = Infinity;
      if (count !== undefined) {
        c = +count;
        c = Number.isNaN(c) ? 0 : Math.max(Math.trunc(c), 0);
      }
      const woken = native.sharedNotify(buffer, offset, c);
      // JS waiters that V8 holds (Atomics.waitAsync) get what is left.
      return c > woken ? woken + v8Notify(typedArray, index, c - woken) : woken;
    },
  };
  for (const name of ['wait', 'notify']) {
    Object.defineProperty(Atomics, name, { value: methods[name], writable: true, configurable: true, enumerable: false });
  }
}

module.exports = { install };
