// Shared memories (threads proposal, JS API): `buffer` is a frozen SharedArrayBuffer over the
// memory's bytes that a grow never detaches; a shared Memory and a Module posted to a Worker
// arrive as a Memory over the same bytes and a Module; JS's Atomics and wasm's atomics wait and
// wake each other across threads. Each body runs on V8's namespace and on wasm-rt's.
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { engines, specDeviation } from './helpers/engines.mjs';
import { expectThrow } from './helpers/assert.mjs';

const require = createRequire(import.meta.url);
const INDEX = require.resolve('../index.js');
// wabt's validator refuses shared memories; the text format is read by the wat crate instead.
const { wat } = require(INDEX);

const ATOMICS = wat(`(module (import "m" "mem" (memory 1 4 shared))
  (func (export "add") (param i32 i32) (result i32) (i32.atomic.rmw.add (local.get 0) (local.get 1)))
  (func (export "wait") (param i32 i32 i64) (result i32) (memory.atomic.wait32 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "notify") (param i32 i32) (result i32) (memory.atomic.notify (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))`);

// A Worker on the same engine: it takes { mem, mod, ... } messages and runs `job` on them.
const WORKER = `
  const { parentPort, workerData } = require('node:worker_threads');
  const W = workerData.index === null ? WebAssembly : require(workerData.index).WebAssembly;
  parentPort.on('message', (m) => {
    const { exports } = new W.Instance(m.mod, { m: { mem: m.mem } });
    const a = new Int32Array(m.mem.buffer);
    const jobs = {
      add: () => { for (let i = 0; i < m.n; i++) exports.add(0, 1); return m.mem instanceof W.Memory && m.mem === m.again; },
      waitInWasm: () => { Atomics.store(a, 1, 1); return exports.wait(8, 0, 5_000_000_000n); },
      waitInJs: () => { Atomics.store(a, 1, 1); return Atomics.wait(a, 2, 0, 5000); },
      waitForever: () => { Atomics.store(a, 1, 1); return exports.wait(8, 0, -1n); },
      echo: () => m.mem,
    };
    parentPort.postMessage({ result: jobs[m.job](), len: m.mem.buffer.byteLength });
  });`;

/** Posts `message` to a new Worker of the engine, runs `meanwhile`, and returns the reply. */
async function withWorker(index, message, meanwhile) {
  const w = new Worker(WORKER, { eval: true, workerData: { index } });
  try {
    const reply = new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    w.postMessage(message);
    await meanwhile();
    return await reply;
  } finally {
    await w.terminate();
  }
}

/** Calls `notify` until it wakes a waiter (or 5 s pass): the worker's flag says it is about to
 * wait, not that it waits yet, and on a loaded machine 50 ms were not always enough. */
async function notifyUntilWoken(notify) {
  const until = Date.now() + 5000;
  let woken = notify();
  while (woken === 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 2));
    woken = notify();
  }
  return woken;
}

/** Resolves once the worker flags (element 1) that it is about to wait. */
async function readyToWait(a) {
  while (Atomics.load(a, 1) !== 1) await new Promise((r) => setTimeout(r, 2));
  await new Promise((r) => setTimeout(r, 50));
}

describe.each(engines)('$name', ({ name: engine, WebAssembly: W }) => {
  const index = engine === 'v8' ? null : INDEX;
  const memory = () => new W.Memory({ initial: 1, maximum: 4, shared: true });

  it('buffer is a frozen SharedArrayBuffer over the memory, the same object until the memory grows', () => {
    const m = memory();
    const b = m.buffer;
    expect(Object.prototype.toString.call(b)).toBe('[object SharedArrayBuffer]');
    expect(b.byteLength).toBe(65536);
    expect(Object.isFrozen(b)).toBe(true);
    expect(m.buffer).toBe(b);
  });

  it('a grow from JS or from wasm gives a new buffer; the old one keeps its length and the bytes', () => {
    const m = memory();
    const old = m.buffer;
    new Uint8Array(old)[5] = 9;
    expect(m.grow(1)).toBe(1);
    const grown = m.buffer;
    expect(grown).not.toBe(old);
    expect([old.byteLength, grown.byteLength]).toEqual([65536, 131072]);
    expect(new Uint8Array(grown)[5]).toBe(9);
    new Uint8Array(grown)[6] = 3;
    expect(new Uint8Array(old)[6]).toBe(3);
    const { exports } = new W.Instance(new W.Module(ATOMICS), { m: { mem: m } });
    expect(exports.grow(1)).toBe(2);
    expect(m.buffer.byteLength).toBe(196608);
    expect(grown.byteLength).toBe(131072);
  });

  it('buffers stay readable after their memory and instance are collected', async () => {
    const kept = [];
    for (let i = 0; i < 50; i++) {
      const m = memory();
      const { exports } = new W.Instance(new W.Module(ATOMICS), { m: { mem: m } });
      exports.add(4, i);
      kept.push(m.buffer);
    }
    globalThis.gc?.();
    await new Promise((r) => setTimeout(r, 20));
    expect(kept.map((b) => new Int32Array(b)[1])).toEqual(kept.map((_, i) => i));
  });

  it('a shared Memory and a Module posted to a Worker: the same bytes, one Memory object per thread, atomics agree', async () => {
    const m = memory();
    const mod = new W.Module(ATOMICS);
    const { exports } = new W.Instance(mod, { m: { mem: m } });
    const reply = await withWorker(index, { mem: m, again: m, mod, job: 'add', n: 5000 }, () => {
      for (let i = 0; i < 5000; i++) exports.add(0, 1);
    });
    expect(reply).toEqual({ result: true, len: 65536 });
    expect(new Int32Array(m.buffer)[0]).toBe(10000);
    // Posted back, it is a Memory over the same bytes (V8 makes a new object, wasm-rt gives back
    // the one this thread has).
    const back = (await withWorker(index, { mem: m, mod, job: 'echo' }, () => {})).result;
    expect(back).toBeInstanceOf(W.Memory);
    expect(new Int32Array(back.buffer)[0]).toBe(10000);
  });

  it('a Worker waiting in wasm (memory.atomic.wait32) is woken by JS Atomics.notify', async () => {
    const m = memory();
    const a = new Int32Array(m.buffer);
    const reply = await withWorker(index, { mem: m, mod: new W.Module(ATOMICS), job: 'waitInWasm' }, async () => {
      await readyToWait(a);
      expect(await notifyUntilWoken(() => Atomics.notify(a, 2, 1))).toBe(1);
    });
    expect(reply.result).toBe(0);
  });

  it('a Worker waiting in JS (Atomics.wait) is woken by wasm memory.atomic.notify', async () => {
    const m = memory();
    const mod = new W.Module(ATOMICS);
    const { exports } = new W.Instance(mod, { m: { mem: m } });
    const reply = await withWorker(index, { mem: m, mod, job: 'waitInJs' }, async () => {
      await readyToWait(new Int32Array(m.buffer));
      expect(await notifyUntilWoken(() => exports.notify(8, 1))).toBe(1);
    });
    expect(reply.result).toBe('ok');
  });

  it('worker.terminate() stops a Worker asleep in memory.atomic.wait32 with no timeout', async () => {
    const m = memory();
    const w = new Worker(WORKER, { eval: true, workerData: { index } });
    w.postMessage({ mem: m, mod: new W.Module(ATOMICS), job: 'waitForever' });
    await readyToWait(new Int32Array(m.buffer));
    const code = await Promise.race([w.terminate(), new Promise((resolve) => setTimeout(() => resolve('still waiting'), 5000))]);
    expect(code).toBe(1);
  });

  it('a Worker terminated and gone wakes no waiter afterwards (Atomics.wait times out)', async () => {
    const a = new Int32Array(memory().buffer);
    for (let i = 0; i < 5; i++) {
      const w = new Worker(WORKER, { eval: true, workerData: { index } });
      await new Promise((r) => w.once('online', r));
      await w.terminate();
      expect(Atomics.wait(a, 0, 0, 30)).toBe('timed-out');
    }
  });

  it('Atomics.wait on a shared memory checks its arguments as V8 does', () => {
    const a = new Int32Array(memory().buffer);
    expect(Atomics.wait(a, 0, 1)).toBe('not-equal');
    expect(Atomics.wait(a, 0, 0, 10)).toBe('timed-out');
    expectThrow(() => Atomics.wait(a, a.length, 0, 0), RangeError);
    expectThrow(() => Atomics.wait(new Int16Array(a.buffer), 0, 0, 0), TypeError);
    expect(Atomics.notify(a, 0)).toBe(0);
  });

  it('a shared Memory\'s buffer posted alone: the Worker writes the memory\'s own bytes', async () => {
    const m = memory();
    const w = new Worker(
      `const { parentPort } = require('node:worker_threads');
       parentPort.once('message', (b) => { Atomics.store(new Int32Array(b), 4, 123); parentPort.postMessage(b.byteLength); });`,
      { eval: true },
    );
    try {
      const reply = new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
      w.postMessage(m.buffer);
      expect(await reply).toBe(65536);
      const { exports } = new W.Instance(new W.Module(ATOMICS), { m: { mem: m } });
      expect(exports.add(16, 0)).toBe(123);
    } finally {
      await w.terminate();
    }
  });

  it('a shared Memory in a Worker\'s workerData arrives as a Memory over the same bytes', async () => {
    const m = memory();
    new Int32Array(m.buffer)[3] = 77;
    const w = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       const W = workerData.index === null ? WebAssembly : require(workerData.index).WebAssembly;
       parentPort.postMessage([workerData.mem instanceof W.Memory, new Int32Array(workerData.mem.buffer)[3]]);`,
      { eval: true, workerData: { index, mem: m } },
    );
    try {
      expect(await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); })).toEqual([true, 77]);
    } finally {
      await w.terminate();
    }
  });

  it('a message with cycles and a shared Memory keeps its shape (each object walked once)', async () => {
    const m = memory();
    const wide = {};
    for (let i = 0; i < 20; i++) wide[`k${i}`] = wide;
    const message = { m, wide, list: [m] };
    message.self = message;
    const { port1, port2 } = new MessageChannel();
    try {
      const got = new Promise((resolve) => port2.once('message', resolve));
      port1.postMessage(message);
      const d = await got;
      expect([d.self === d, d.wide.k19 === d.wide, d.m === d.list[0], d.m instanceof W.Memory]).toEqual([true, true, true, true]);
    } finally {
      port1.close();
      port2.close();
    }
  });

  it('structuredClone copies a Module and a shared Memory, and refuses an unshared Memory', () => {
    const mod = new W.Module(ATOMICS);
    const m = memory();
    const copy = structuredClone({ mod, m });
    expect(copy.mod).toBeInstanceOf(W.Module);
    expect(W.Module.exports(copy.mod)).toEqual(W.Module.exports(mod));
    expect(copy.m).toBeInstanceOf(W.Memory);
    new Int32Array(m.buffer)[0] = 5;
    expect(new Int32Array(copy.m.buffer)[0]).toBe(5);
    expect(expectThrow(() => structuredClone(new W.Memory({ initial: 1 })), DOMException).name).toBe('DataCloneError');
  });

  it('an unshared Memory, a Table and a Global cannot be posted (DataCloneError)', () => {
    const { port1, port2 } = new MessageChannel();
    try {
      for (const v of [new W.Memory({ initial: 1 }), new W.Table({ initial: 1, element: 'anyfunc' }), new W.Global({ value: 'i32' })]) {
        const e = expectThrow(() => port1.postMessage({ v }), DOMException);
        expect(e.name).toBe('DataCloneError');
      }
    } finally {
      port1.close();
      port2.close();
    }
  });

  // V8 posts a shared memory a module defines; wasm-rt does not, as its bytes live in the
  // defining instance's store on this thread.
  specDeviation('wasm-rt', 'a module-defined shared memory cannot be posted')(engine, 'a shared memory defined by a module can be posted', () => {
    const { exports } = new W.Instance(new W.Module(wat('(module (memory (export "mem") 1 2 shared))')));
    const { port1, port2 } = new MessageChannel();
    try {
      port1.postMessage(exports.mem);
    } finally {
      port1.close();
      port2.close();
    }
  });
});
