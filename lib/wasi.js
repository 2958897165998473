'use strict';
// WASI: Node 20's `node:wasi` API, running on wasm-rt (src/wasi/). Options, errors and the
// start/initialize protocol follow Node's lib/wasi.js; the preview1 functions are native.
const native = require('./native');
const { handleOf } = require('./instance');
const { isMemory } = require('./memory');
const { nodeError, invalidArgValue, validate } = require('./node-errors');

// Thrown through the guest's frames by proc_exit under returnOnExit, caught by start().
const kExitCode = Symbol('kExitCode');

const hooks = {
  exitMarker: kExitCode,
  // node:wasi throws this from C++: a plain Error with a code.
  notStarted() {
    const e = new Error('wasi.start() has not been called');
    e.code = 'ERR_WASI_NOT_STARTED';
    return e;
  },
  // node:wasi's proc_exit without returnOnExit ends the process at once, with no 'exit' event.
  exit(code) {
    process.reallyExit(code);
  },
};

// [name, parameter types, native index] of the 46 preview1 functions, in the order of the
// preview1 definitions (node:wasi's order; the native layer keeps proc_exit last).
const FUNCTIONS = (() => {
  const flat = native.wasiFunctions();
  const out = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1], i / 2]);
  const exit = out.pop();
  out.splice(out.findIndex(([name]) => name === 'proc_raise'), 0, exit);
  return out;
})();

// node:wasi's wasiImport is an object of its binding class, which inspects as `WASI { ... }`.
const bindingPrototype = Object.create(Object.prototype, {
  constructor: { value: function WASI() {}, writable: true, configurable: true },
});

class WASI {
  #handle;
  #bindingName;
  #started = false;
  #instance = undefined;

  constructor(options = {}) {
    validate.object(options, 'options');
    validate.string(options.version, 'options.version');
    switch (options.version) {
      case 'unstable':
        this.#bindingName = 'wasi_unstable';
        break;
      case 'preview1':
        this.#bindingName = 'wasi_snapshot_preview1';
        break;
      default:
        throw invalidArgValue('options.version', options.version, 'unsupported WASI version');
    }
    if (options.args !== undefined) validate.array(options.args, 'options.args');
    const args = (options.args || []).map(String);

    const env = [];
    if (options.env !== undefined) {
      validate.object(options.env, 'options.env');
      for (const [key, value] of Object.entries(options.env)) {
        if (value !== undefined) env.push(`${key}=${value}`);
      }
    }
    const preopens = [];
    if (options.preopens !== undefined) {
      validate.object(options.preopens, 'options.preopens');
      for (const [key, value] of Object.entries(options.preopens)) preopens.push(String(key), String(value));
    }
    const { stdin = 0, stdout = 1, stderr = 2 } = options;
    validate.int32(stdin, 'options.stdin', 0);
    validate.int32(stdout, 'options.stdout', 0);
    validate.int32(stderr, 'options.stderr', 0);

    let returnOnExit = true;
    if (options.returnOnExit !== undefined) {
      validate.boolean(options.returnOnExit, 'options.returnOnExit');
      returnOnExit = options.returnOnExit;
    }

    // The functions exist before the handle (the native side tags them): each reads it from
    // a box filled right after.
    const box = { handle: undefined };
    const wrap = Object.create(bindingPrototype);
    const calls = [];
    for (const [name, params, i] of FUNCTIONS) {
      const shown = name === 'proc_exit' && returnOnExit ? 'wasiReturnOnProcExit' : name;
      const f = { [shown]: (...a) => native.wasiCall(box.handle, i, a) }[shown];
      Object.defineProperty(f, 'name', { value: `bound ${shown}` });
      Object.defineProperty(f, 'length', { value: params.length });
      wrap[name] = f;
      calls[i] = f;
    }
    box.handle = native.wasiNew([args, env, preopens, [stdin, stdout, stderr]], returnOnExit, hooks, calls);
    this.#handle = box.handle;
    this.wasiImport = wrap;
  }

  // Node's finalizeBindings: the instance and its memory, once.
  #bind(instance) {
    if (this.#started) throw nodeError(Error, 'ERR_WASI_ALREADY_STARTED', 'WASI instance has already started');
    validate.object(instance, 'instance');
    validate.object(instance.exports, 'instance.exports');
    const { memory } = instance.exports;
    if (!isMemory(memory)) {
      const e = typeof globalThis.WebAssembly?.Memory === 'function' && memory instanceof globalThis.WebAssembly.Memory
        ? new TypeError("wasm-rt's WASI runs instances of wasm-rt's WebAssembly; instance.exports.memory is another engine's WebAssembly.Memory")
        : new TypeError('"instance.exports.memory" property must be a WebAssembly.Memory object');
      e.code = 'ERR_INVALID_ARG_TYPE';
      throw e;
    }
    native.wasiBind(this.#handle, memory, handleOf(instance));
    this.#instance = instance;
    this.#started = true;
  }

  start(instance) {
    this.#bind(instance);
    const { _start, _initialize } = this.#instance.exports;
    validate.function(_start, 'instance.exports._start');
    validate.undefined(_initialize, 'instance.exports._initialize');
    try {
      _start();
    } catch (err) {
      if (err !== kExitCode) throw err;
    }
    return native.wasiExitCode(this.#handle);
  }

  initialize(instance) {
    this.#bind(instance);
    const { _start, _initialize } = this.#instance.exports;
    validate.undefined(_start, 'instance.exports._start');
    if (_initialize !== undefined) {
      validate.function(_initialize, 'instance.exports._initialize');
      _initialize();
    }
  }

  getImportObject() {
    return { [this.#bindingName]: this.wasiImport };
  }
}

module.exports = { WASI };
