// A WASI call that blocks ends when its thread's wasm must stop: a deadline (`timeout`), or the
// worker's termination. Each waits on its own descriptor and on the thread's wake-up descriptor
// (src/wasi/blocking.rs): a long poll_oneoff clock, a read of a FIFO no writer opens, the open of
// a FIFO for writing that no reader opens. They kept running past the deadline before.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wat } from './helpers/wat.mjs';
import { BIN, ROOT } from './helpers/wasi.mjs';

const WASI = 'wasi_snapshot_preview1';

// Sleeps 30 s in one poll_oneoff on the monotonic clock.
const SLEEP = wat(`(module
  (import "${WASI}" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store8 (i32.const 8) (i32.const 0))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 30000000000))
    (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))))`);

// Opens "fifo" in the preopen (fd 3) with `rights`, then reads from it (FD_READ) or writes one
// byte (FD_WRITE).
const fifo = (rights, call) => wat(`(module
  (import "${WASI}" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "${WASI}" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "${WASI}" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "fifo")
  (func (export "_start")
    (drop (call $open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 4) (i32.const 0) (i64.const ${rights}) (i64.const 0) (i32.const 0) (i32.const 0)))
    (i32.store (i32.const 8) (i32.const 200))
    (i32.store (i32.const 12) (i32.const 1))
    (drop (call $${call} (i32.load (i32.const 0)) (i32.const 8) (i32.const 1) (i32.const 16)))))`);

let dir;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-blocking-'));
  fs.mkdirSync(path.join(dir, 'box'));
  spawnSync('mkfifo', [path.join(dir, 'box', 'fifo')]);
  fs.writeFileSync(path.join(dir, 'sleep.wasm'), SLEEP);
  fs.writeFileSync(path.join(dir, 'read.wasm'), fifo(2, 'read'));
  fs.writeFileSync(path.join(dir, 'write.wasm'), fifo(64, 'write'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('wasm-rt run --timeout 200 ends a program blocked in', () => {
  it.each([
    ['poll_oneoff on a 30 s clock', 'sleep.wasm'],
    ['fd_read of a FIFO no writer opens', 'read.wasm'],
    ['path_open of a FIFO for writing that no reader opens', 'write.wasm'],
  ])('%s', (_, file) => {
    const t = performance.now();
    const r = spawnSync(process.execPath, [BIN, 'run', '--timeout', '200', '--dir', `${path.join(dir, 'box')}::/box`, path.join(dir, file)], { encoding: 'utf8', timeout: 20_000 });
    const ms = performance.now() - t;
    expect(r.signal).toBe(null);
    expect(r.stderr).toMatch(/deadline exceeded.*timeout of 200 ms/);
    expect(r.status).not.toBe(0);
    expect(ms).toBeLessThan(10_000);
  });
});

describe('worker.terminate()', () => {
  it('ends a worker blocked in poll_oneoff', async () => {
    const body = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { WebAssembly, WASI } = require(workerData.root);
      const wasi = new WASI({ version: 'preview1' });
      const instance = new WebAssembly.Instance(new WebAssembly.Module(workerData.bytes), wasi.getImportObject());
      parentPort.postMessage('sleeping');
      wasi.start(instance);`;
    const w = new Worker(body, { eval: true, workerData: { root: ROOT, bytes: SLEEP } });
    await new Promise((resolve) => w.once('message', resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const t = performance.now();
    expect(await w.terminate()).toBe(1);
    expect(performance.now() - t).toBeLessThan(1000);
  });
});
