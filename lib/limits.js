'use strict';
// Limits on running wasm, beside the JS API (V8 has none of them): a deadline per call, fuel, and
// caps on the memories and tables an instance defines. The engine side is src/runtime/limits/.
//
//   const { instantiate, setLimits, getLimits } = require('wasm-rt');
//   const { instance } = await instantiate(bytes, imports, { timeout: 100, fuel: 1e9, memoryLimit: 16 << 20 });
//
// A call that runs past `timeout` milliseconds or out of fuel throws a WebAssembly.RuntimeError
// naming the limit; the instance can be called again (after `setLimits` gives it more).
const native = require('./native');
const { moduleHandle, moduleBytes } = require('./module');
const { readImports, link, instanceFromParts, handleOf } = require('./instance');
const { compileSync, compile } = require('./extensions');
const { validate } = require('./node-errors');

const MAX_FUEL = Number.MAX_SAFE_INTEGER;

/** An optional count: undefined, or an integer in 0..max (Node's errors otherwise). */
function count(value, name, max) {
  if (value !== undefined) validate.integer(value, name, 0, max);
  return value;
}

/** The options every instantiate form takes, checked; `compiler` is compile's. */
function limitOptions(options) {
  if (options === undefined) return {};
  validate.object(options, 'options');
  return {
    timeout: count(options.timeout, 'options.timeout', 2 ** 32 - 1),
    fuel: count(options.fuel, 'options.fuel', MAX_FUEL),
    memoryLimit: count(options.memoryLimit, 'options.memoryLimit', 2 ** 32),
    tableLimit: count(options.tableLimit, 'options.tableLimit', 2 ** 32 - 1),
    compiler: options.compiler,
  };
}

function isModule(value) {
  try {
    moduleHandle(value, '');
    return true;
  } catch {
    return false;
  }
}

function limitedInstance(module, importObject, limits, context) {
  const handle = moduleHandle(module, context);
  if (importObject !== undefined && (importObject === null || typeof importObject !== 'object')) {
    throw new TypeError(`${context}: Argument 1 must be an object`);
  }
  return instanceFromParts(link(handle, readImports(handle, importObject), limits));
}

// What is compiled into the code for these limits: fuel counting, or the checks a timeout needs.
const compileOptions = (limits) => ({ compiler: limits.compiler, fuel: limits.fuel !== undefined, limits: limits.timeout !== undefined });

/** `module`, or the same bytes compiled again when its code lacks what `limits` need. */
function withChecks(module, limits) {
  const has = native.moduleChecks(moduleHandle(module, 'wasm-rt instantiate()'));
  const short = (limits.fuel !== undefined && has !== 'fuel') || (limits.timeout !== undefined && has === 'none');
  return short ? compileSync(moduleBytes(module), compileOptions(limits)) : module;
}

/** Like `new WebAssembly.Instance`, with limits; `source` is a Module or the bytes of one. */
function instantiateSync(source, importObject, options) {
  const limits = limitOptions(options);
  const module = isModule(source) ? withChecks(source, limits) : compileSync(source, compileOptions(limits));
  return limitedInstance(module, importObject, limits, 'wasm-rt instantiateSync()');
}

/** Like `WebAssembly.instantiate`, with limits: bytes give `{ module, instance }`, a Module an Instance. */
async function instantiate(source, importObject, options) {
  const limits = limitOptions(options);
  if (isModule(source)) return limitedInstance(withChecks(source, limits), importObject, limits, 'wasm-rt instantiate()');
  const module = await compile(source, compileOptions(limits));
  return { module, instance: limitedInstance(module, importObject, limits, 'wasm-rt instantiate()') };
}

function instanceHandle(instance, context) {
  const handle = handleOf(instance);
  if (handle === undefined) throw new TypeError(`${context}: Argument 0 must be a wasm-rt WebAssembly.Instance`);
  return handle;
}

/** `{ timeout, fuel }` of an instance: null when it has none (fuel: not compiled to count it). */
function getLimits(instance) {
  const [timeout, fuel] = native.instanceLimits(instanceHandle(instance, 'wasm-rt getLimits()'));
  return { timeout: timeout ?? null, fuel: fuel ?? null };
}

/** Sets the timeout of later calls (null: none) and the fuel left. */
function setLimits(instance, limits) {
  const handle = instanceHandle(instance, 'wasm-rt setLimits()');
  validate.object(limits, 'limits');
  const timeout = limits.timeout === null ? null : count(limits.timeout, 'limits.timeout', 2 ** 32 - 1);
  native.setInstanceLimits(handle, { timeout, fuel: count(limits.fuel, 'limits.fuel', MAX_FUEL) });
}

/** Adds `amount` to the fuel left; returns the new amount. */
function addFuel(instance, amount) {
  const handle = instanceHandle(instance, 'wasm-rt addFuel()');
  count(amount, 'amount', MAX_FUEL);
  const [, fuel] = native.instanceLimits(handle);
  if (fuel === undefined) throw new TypeError('wasm-rt addFuel(): the instance does not count fuel: compile its module with { fuel: true }');
  const next = Math.min(fuel + amount, MAX_FUEL);
  native.setInstanceLimits(handle, { timeout: undefined, fuel: next });
  return next;
}

module.exports = { instantiate, instantiateSync, getLimits, setLimits, addFuel };
