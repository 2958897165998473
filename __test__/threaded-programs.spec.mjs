// A threaded C program built with Emscripten (-pthread) at test time: its Worker pool gets the
// Module and the shared Memory by postMessage, its threads wait and wake through wasm's atomics
// and Emscripten's JS Atomics. `wasm-rt compare` runs it on V8 and on wasm-rt: the same output.
// (The napi-rs wasm32-wasi binding, the other kind of threaded program, is in
// npm-packages.spec.mjs.) CI installs emcc (Debian's emscripten, see .ci/run).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from './helpers/wasi.mjs';

let dir;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-pthreads-'));
  // Debian's emcc finds its JS optimizer's dependency (acorn) through NODE_PATH; Node 20's
  // global fetch would make Emscripten 3.1's loader fetch the .wasm, so it compiles it in place.
  execFileSync(
    'emcc',
    ['-O2', '-pthread', '-sPTHREAD_POOL_SIZE=4', '-sEXIT_RUNTIME=1', '-sENVIRONMENT=node', '-sWASM_ASYNC_COMPILATION=0',
      path.join(import.meta.dirname, 'threads', 'pthreads.c'), '-o', path.join(dir, 'pthreads.js')],
    { env: { ...process.env, NODE_PATH: '/usr/share/nodejs' }, stdio: 'pipe' },
  );
}, 120_000);
afterAll(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

describe('threaded programs on V8 and wasm-rt', () => {
  it('an Emscripten pthreads program (4 threads, atomics, a mutex and a condition variable): equal', () => {
    const r = spawnSync(process.execPath, [BIN, 'compare', path.join(dir, 'pthreads.js')], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    expect(r.stdout).toMatch(/^compare: equal \(v8 \d+ ms, wasm-rt \d+ ms\)$/m);
    expect(r.status).toBe(0);
    const out = spawnSync(process.execPath, ['-r', path.join(import.meta.dirname, '..', 'lib', 'cli', 'preload.js'), path.join(dir, 'pthreads.js')], { encoding: 'utf8' });
    expect(out.stdout).toBe(
      'thread 0: sum 50000, returned 0\nthread 1: sum 99999, returned 10\nthread 2: sum 150000, returned 20\nthread 3: sum 200000, returned 30\ncounter 400000\n',
    );
  }, 150_000);
});
