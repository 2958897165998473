// A threaded C program built with Emscripten (-pthread): its Worker pool gets the Module and the
// shared Memory by postMessage, its threads wait and wake through wasm's atomics and Emscripten's
// JS Atomics. `wasm-rt compare` runs it on V8 and on wasm-rt: the same output. (The napi-rs
// wasm32-wasi binding, the other kind of threaded program, is in npm-packages.spec.mjs.) emcc's
// output is committed beside threads/pthreads.c (`npm run fixtures` rebuilds it with Debian's
// emscripten, with the flags __test__/fixtures.json gives).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from './helpers/wasi.mjs';

const dir = path.join(import.meta.dirname, 'threads');

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
