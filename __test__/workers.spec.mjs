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

describe.each(engines)('$name', ({ name }) => {
  it('two Workers compile, instantiate, throw the spec errors and use memories at once', async () => {
    const path = name === 'v8' ? null : require.resolve('../index.js');
    const results = await Promise.all([runWorker(path, 1), runWorker(path, 2)]);
    expect(results).toEqual([
      [41, 'RangeError', 'CompileError', 42],
      [42, 'RangeError', 'CompileError', 42],
    ]);
  });
});
