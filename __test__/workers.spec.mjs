// worker_threads: each Worker has its own Node environment, so wasm-rt's native layer keeps its
// state (error classes, the failure hand-off, stores) per environment. The same body runs with
// V8's namespace and with wasm-rt's, inside two Workers at once.
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { engines } from './helpers/engines.mjs';
import { wat } from './helpers/wat.mjs';

const require = createRequire(import.meta.url);
const ADD = wat('(module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))');

const BODY = `
  const { parentPort, workerData } = require('node:worker_threads');
  const W = workerData.path === null ? WebAssembly : require(workerData.path).WebAssembly;
  const { exports } = new W.Instance(new W.Module(workerData.bytes));
  let error = null;
  try { new W.Memory({ initial: 2, maximum: 1 }); } catch (e) { error = e instanceof RangeError ? 'RangeError' : String(e); }
  let compileError = null;
  try { new W.Module(new Uint8Array([0, 97, 115, 109, 9, 0, 0, 0])); } catch (e) { compileError = e instanceof W.CompileError ? 'CompileError' : String(e); }
  const memory = new W.Memory({ initial: 1 });
  new Uint8Array(memory.buffer)[7] = 42;
  parentPort.postMessage([exports.add(40, workerData.n), error, compileError, new Uint8Array(memory.buffer)[7]]);
`;

function runWorker(path, n) {
  return new Promise((resolve, reject) => {
    const w = new Worker(BODY, { eval: true, workerData: { path, bytes: ADD, n } });
    w.once('message', resolve);
    w.once('error', reject);
  });
}

// Calls of numeric signatures pass through a buffer of each environment (src/api/bridge/raw_call.rs):
// threads calling at the same time must not see each other's arguments.
const BUSY = `
  const { parentPort, workerData } = require('node:worker_threads');
  const W = workerData.path === null ? WebAssembly : require(workerData.path).WebAssembly;
  const { add } = new W.Instance(new W.Module(workerData.bytes)).exports;
  let sum = 0;
  for (let i = 0; i < 300000; i++) sum = (sum + add(i, workerData.n)) % 1000003;
  parentPort.postMessage(sum);
`;

function expectedSum(n, calls) {
  let sum = 0;
  for (let i = 0; i < calls; i++) sum = (sum + ((i + n) | 0)) % 1000003;
  return sum;
}

describe.each(engines)('$name', ({ name, WebAssembly }) => {
  it('calls in two Workers and the main thread at once each get their own arguments and results', async () => {
    const path = name === 'v8' ? null : require.resolve('../index.js');
    const busy = (n) =>
      new Promise((resolve, reject) => {
        const w = new Worker(BUSY, { eval: true, workerData: { path, bytes: ADD, n } });
        w.once('message', resolve);
        w.once('error', reject);
      });
    const workers = Promise.all([busy(7), busy(-1000)]);
    const { add } = new WebAssembly.Instance(new WebAssembly.Module(ADD)).exports;
    let sum = 0;
    for (let i = 0; i < 300000; i++) sum = (sum + add(i, 3)) % 1000003;
    expect(sum).toBe(expectedSum(3, 300000));
    expect(await workers).toEqual([expectedSum(7, 300000), expectedSum(-1000, 300000)]);
  });

  it('two Workers compile, instantiate, throw the spec errors and use memories at once', async () => {
    const path = name === 'v8' ? null : require.resolve('../index.js');
    const results = await Promise.all([runWorker(path, 1), runWorker(path, 2)]);
    expect(results).toEqual([
      [41, 'RangeError', 'CompileError', 42],
      [42, 'RangeError', 'CompileError', 42],
    ]);
  });
});
