'use strict';
// Memory: RSS per live instance (each engine in a process of its own, so that the RSS is its
// own), reading and writing Memory.buffer from JS through a typed array, and what a shared
// memory costs: a new SharedArrayBuffer after a grow, Atomics.notify, a wait/notify round trip
// between two threads, and posting the Memory to a Worker.
const { execFileSync } = require('node:child_process');
const { Worker } = require('node:worker_threads');
const { median, ms, V8, wasmRt, quick } = require('../measure');
const { runChild } = require('../loop-runner');
const { importsModule } = require('../modules');

const LIVE = quick ? 200 : 2000;

function rssChild(engineName) {
  const engine = engineName === 'v8' ? V8 : wasmRt(engineName);
  const module = engine.compile(importsModule(10, 1));
  const env = {};
  for (let i = 0; i < 10; i++) env[`f${i}`] = () => {};
  const keep = [];
  // Warm up so that one-time costs (code, first store) are not counted per instance.
  for (let i = 0; i < 20; i++) keep.push(new engine.WebAssembly.Instance(module, { env }));
  global.gc();
  const before = process.memoryUsage().rss;
  for (let i = 0; i < LIVE; i++) {
    const instance = new engine.WebAssembly.Instance(module, { env });
    new Uint8Array(instance.exports.memory.buffer)[0] = 1;
    keep.push(instance);
  }
  global.gc();
  const after = process.memoryUsage().rss;
  process.stdout.write(JSON.stringify({ kib: (after - before) / 1024 / LIVE, live: keep.length }));
}

function kibPerInstance(engineName) {
  const out = execFileSync(process.execPath, ['--expose-gc', __filename, '--rss-child', engineName]);
  return JSON.parse(out).kib;
}

function bufferLoop(engine) {
  const memory = new engine.WebAssembly.Memory({ initial: 256 });
  const run = new Function(
    'memory',
    `const a = new Uint8Array(memory.buffer);
     for (let i = 0; i < a.length; i++) a[i] = i;
     let s = 0;
     for (let i = 0; i < a.length; i++) s = (s + a[i]) | 0;
     return s;`,
  );
  run(memory);
  const samples = [];
  for (let r = 0; r < 7; r++) samples.push(ms(() => run(memory)));
  return median(samples);
}

const GROWS = quick ? 200 : 1000;

/** µs per grow(1) followed by reading `buffer` (a new SharedArrayBuffer each time). */
function growAndBuffer(engine) {
  const samples = [];
  for (let r = 0; r < 5; r++) {
    const memory = new engine.WebAssembly.Memory({ initial: 1, maximum: GROWS + 1, shared: true });
    samples.push((ms(() => {
      for (let i = 0; i < GROWS; i++) {
        memory.grow(1);
        if (memory.buffer.byteLength === 0) throw new Error('no buffer');
      }
    }) * 1000) / GROWS);
  }
  return median(samples);
}

/** ns per Atomics.notify with no waiter, on a shared memory's buffer. */
function notifyCall(engine) {
  const a = new Int32Array(new engine.WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer);
  const n = quick ? 10_000 : 200_000;
  const samples = [];
  for (let r = 0; r < 5; r++) samples.push((ms(() => { for (let i = 0; i < n; i++) Atomics.notify(a, i & 255, 1); }) * 1e6) / n);
  return median(samples);
}

const PING = `
  const { parentPort, workerData } = require('node:worker_threads');
  const W = workerData.index === null ? WebAssembly : require(workerData.index).WebAssembly;
  parentPort.once('message', ({ memory, rounds }) => {
    const a = new Int32Array(memory.buffer);
    for (let i = 1; i <= rounds; i++) {
      while (Atomics.load(a, 0) !== 2 * i - 1) Atomics.wait(a, 0, 2 * i - 2);
      Atomics.store(a, 0, 2 * i);
      Atomics.notify(a, 0);
    }
    parentPort.postMessage('done');
  });`;

/** µs per wait/notify round trip between the main thread and a Worker, on a shared memory. */
async function pingPong(engine, index) {
  const rounds = quick ? 500 : 5000;
  const memory = new engine.WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  const a = new Int32Array(memory.buffer);
  const worker = new Worker(PING, { eval: true, workerData: { index } });
  const done = new Promise((resolve) => worker.once('message', resolve));
  worker.postMessage({ memory, rounds });
  const t = Date.now();
  for (let i = 1; i <= rounds; i++) {
    Atomics.store(a, 0, 2 * i - 1);
    Atomics.notify(a, 0);
    while (Atomics.load(a, 0) !== 2 * i) Atomics.wait(a, 0, 2 * i - 1);
  }
  const us = ((Date.now() - t) * 1000) / rounds;
  await done;
  await worker.terminate();
  return us;
}

/** ms per postMessage of a shared Memory to a Worker that posts it back. */
async function postRoundTrip(engine, index) {
  const memory = new engine.WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  const worker = new Worker(`const { parentPort } = require('node:worker_threads');
    ${index === null ? '' : `require(${JSON.stringify(index)});`}
    parentPort.on('message', (m) => parentPort.postMessage(m));`, { eval: true });
  const once = () => new Promise((resolve) => { worker.once('message', resolve); worker.postMessage({ memory }); });
  await once();
  const rounds = quick ? 100 : 1000;
  const t = Date.now();
  for (let i = 0; i < rounds; i++) await once();
  const msPer = (Date.now() - t) / rounds;
  await worker.terminate();
  return msPer;
}

/** Peak RSS of bench/distinct-modules.js: `count` distinct modules compiled and dropped. */
function distinctModulesPeak(engine, count) {
  return runChild(require('node:path').join(__dirname, '..', 'distinct-modules.js'), engine, count, false).peak;
}

const DISTINCT = quick ? 10000 : 100000;

if (process.argv[2] === '--rss-child') {
  rssChild(process.argv[3]);
} else {
  module.exports = async function run() {
    const ours = wasmRt('cranelift');
    const index = require.resolve('../..');
    return [
      { case: `RSS per live instance (1-page memory, ${LIVE} live)`, unit: 'KiB', v8: kibPerInstance('v8'), 'wasm-rt': kibPerInstance('cranelift') },
      { case: 'Memory.buffer write+read, 16 MiB typed array', unit: 'ms', v8: bufferLoop(V8), 'wasm-rt': bufferLoop(ours) },
      { case: 'shared Memory: grow(1), then buffer', unit: 'µs', v8: growAndBuffer(V8), 'wasm-rt': growAndBuffer(ours) },
      { case: 'shared Memory: Atomics.notify, no waiter', unit: 'ns/call', v8: notifyCall(V8), 'wasm-rt': notifyCall(ours) },
      { case: 'shared Memory: wait/notify round trip, 2 threads', unit: 'µs', v8: await pingPong(V8, null), 'wasm-rt': await pingPong(ours, index) },
      { case: 'shared Memory: postMessage to a Worker and back', unit: 'ms', v8: await postRoundTrip(V8, null), 'wasm-rt': await postRoundTrip(ours, index) },
      { case: `distinct modules compiled and dropped, ${DISTINCT}: peak RSS`, unit: 'MiB', v8: distinctModulesPeak('v8', DISTINCT), 'wasm-rt': distinctModulesPeak('wasm-rt', DISTINCT) },
    ];
  };
}
