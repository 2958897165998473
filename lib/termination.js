'use strict';
// Stopping wasm when Node stops a thread. Node ends a worker (`worker.terminate()`, or every
// worker when the process exits) by asking V8 to terminate its isolate, which V8 acts on only
// while JS runs: a worker inside wasm would never stop. The native layer is one per process,
// shared by all threads, so the thread that ends a worker sets that worker's stop flags itself
// (src/runtime/limits/watchdog.rs): in `terminate()` of every Worker, and in the main thread's 'exit',
// which comes before Node stops the workers.
const { Worker, isMainThread } = require('node:worker_threads');
const native = require('./native');

function install() {
  // Once per thread, whichever copy of wasm-rt comes first.
  const installed = Symbol.for('wasm-rt.termination');
  if (Object.hasOwn(Worker.prototype, installed)) return;
  Object.defineProperty(Worker.prototype, installed, { value: true });
  const terminate = Worker.prototype.terminate;
  const methods = {
    // `callback` keeps `terminate.length` at Node's 1; the arguments pass through as they came.
    // oxlint-disable-next-line no-unused-vars
    terminate(callback) {
      // Node's own first: it validates its receiver and asks V8 to stop the worker.
      const result = Reflect.apply(terminate, this, arguments);
      // An exited worker's threadId is -1, which the native side ignores.
      native.terminateThread(this.threadId);
      return result;
    },
  };
  const descriptor = Object.getOwnPropertyDescriptor(Worker.prototype, 'terminate');
  Object.defineProperty(Worker.prototype, 'terminate', { ...descriptor, value: methods.terminate });
  if (isMainThread) process.on('exit', () => native.terminateWorkers());
}

module.exports = { install };
