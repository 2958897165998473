'use strict';
// Termination: how long `worker.terminate()` takes for a worker inside `(loop (br 0))` and for one
// asleep in `memory.atomic.wait32`, and how long a process whose worker spins in wasm takes to end
// after `process.exit()`: V8 against wasm-rt, on the Node running the bench. wasm-rt's case where
// the stopping thread never loaded wasm-rt (the fallback that reads V8's request) is measured
// apart: process.exit from a main thread without wasm-rt.
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const { median, quick } = require('../measure');

const INDEX = path.join(__dirname, '..', '..', 'index.js');
const RUNS = quick ? 3 : 7;
// (func (export "spin") (loop (br 0)))
const SPIN = [0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 7, 8, 1, 4, 115, 112, 105, 110, 0, 0, 10, 9, 1, 7, 0, 3, 64, 12, 0, 11, 11];
// (memory 1 1 shared) (func (export "wait") (drop (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const -1))))
const WAIT = [0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 3, 1, 1, 7, 8, 1, 4, 119, 97, 105, 116, 0, 0, 10, 15, 1, 13, 0, 65, 0, 65, 0, 66, 127, 254, 1, 2, 0, 26, 11];

const ns = (engine) => (engine === 'v8' ? 'WebAssembly' : `require(${JSON.stringify(INDEX)}).WebAssembly`);
const body = (engine, bytes, name) => `
  const { parentPort } = require('node:worker_threads');
  const W = ${ns(engine)};
  const i = new W.Instance(new W.Module(new Uint8Array(${JSON.stringify(bytes)})));
  parentPort.postMessage('in');
  i.exports.${name}();`;

/** ms from terminate() to its promise settling, for a worker running `name` of `bytes`. */
async function terminate(engine, bytes, name) {
  const samples = [];
  for (let r = 0; r < RUNS; r++) {
    const w = new Worker(body(engine, bytes, name), { eval: true });
    await new Promise((resolve) => w.once('message', resolve));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const t = performance.now();
    await w.terminate();
    samples.push(performance.now() - t);
  }
  return median(samples);
}

/** ms from process.exit() to the process's end, its worker spinning in wasm. */
function exit(engine, mainLoadsWasmRt) {
  const script = `${mainLoadsWasmRt ? `require(${JSON.stringify(INDEX)});` : ''}
    const { Worker } = require('node:worker_threads');
    const w = new Worker(${JSON.stringify(body(engine, SPIN, 'spin'))}, { eval: true });
    w.once('message', () => setTimeout(() => { process.stdout.write(String(performance.timeOrigin + performance.now())); process.exit(0); }, 20));`;
  const samples = [];
  for (let r = 0; r < RUNS; r++) {
    const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
    samples.push(Date.now() - Number(out));
  }
  return median(samples);
}

module.exports = async () => [
  { case: 'worker.terminate(), worker in (loop (br 0))', unit: 'ms', v8: await terminate('v8', SPIN, 'spin'), 'wasm-rt': await terminate('wasm-rt', SPIN, 'spin') },
  { case: 'worker.terminate(), worker in memory.atomic.wait32', unit: 'ms', v8: await terminate('v8', WAIT, 'wait'), 'wasm-rt': await terminate('wasm-rt', WAIT, 'wait') },
  { case: 'process.exit(), worker in wasm (main has wasm-rt)', unit: 'ms', v8: exit('v8', true), 'wasm-rt': exit('wasm-rt', true) },
  { case: 'process.exit(), worker in wasm (main has no wasm-rt)', unit: 'ms', v8: exit('v8', false), 'wasm-rt': exit('wasm-rt', false) },
];
