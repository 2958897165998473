// Tiered compiles, the JS API's default: a large module is usable after singlepass's compile;
// singlepass's code reaches the code cache for the next process; once the module is instantiated,
// a detached helper puts cranelift's code there in its place (src/compile/tier_up.rs); modules of the two
// tiers still link together. Each case runs fresh processes with their own cache.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/wasi.mjs';
import { wat } from './helpers/wat.mjs';

const dirs = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
function folder() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-tier-'));
  dirs.push(d);
  return d;
}

// Above the tiering threshold (128 KiB): many functions, one exported memory.
function large(extra = '') {
  const funcs = Array.from({ length: 12000 }, (_, i) => `(func (export "f${i}") (result i32) (i32.add (i32.load (i32.const 0)) (i32.const ${i})))`).join('\n');
  return wat(`(module (memory (export "mem") 1) ${extra} ${funcs})`);
}

/** Runs `body` (JS with `rt`, `bytes` and `done(value)`) in a fresh process using cache `dir`. */
function child(dir, bytesFile, body, env = {}) {
  const script = `const rt = require(${JSON.stringify(path.join(ROOT, 'index.js'))});
    const bytes = require('fs').readFileSync(${JSON.stringify(bytesFile)});
    const done = (v) => { console.log(JSON.stringify(v)); process.exit(0); };
    ${body}`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { env: { ...process.env, WASM_RT_CACHE_DIR: dir, ...env }, encoding: 'utf8', timeout: 120_000 }));
}

/** The compiled entries in cache `dir`, and the tier-up jobs waiting there. */
function entries(dir) {
  const jobs = fs.existsSync(path.join(dir, 'tier-up')) ? fs.readdirSync(path.join(dir, 'tier-up')).filter((f) => f.endsWith('.job')) : [];
  return { entries: fs.readdirSync(dir).filter((f) => f.endsWith('.wasmrt')).length, jobs: jobs.length };
}

/** Runs `probe` (a child's body) until it reports cranelift, for up to two minutes. */
async function untilCranelift(probe) {
  for (let t = Date.now(); Date.now() - t < 120_000; await new Promise((r) => setTimeout(r, 250))) {
    const r = probe();
    if (r.compiler === 'cranelift') return r;
  }
  throw new Error('cranelift code never reached the cache');
}

const PROBE = `const m = new rt.WebAssembly.Module(bytes);
  done({ compiler: rt.compilerOf(m), answer: new rt.WebAssembly.Instance(m).exports.f41(), cache: rt.codeCache() });`;

function largeFile(dir, extra) {
  const file = path.join(dir, '..', `${path.basename(dir)}.wasm`);
  fs.writeFileSync(file, large(extra));
  dirs.push(file);
  return file;
}

describe('tiered compiles', () => {
  it('a large module runs at once; its singlepass code serves the next process, cranelift’s the ones after', async () => {
    const dir = folder();
    const file = largeFile(dir);
    expect(fs.statSync(file).size).toBeGreaterThan(128 << 10);
    // process.exit at once: the process still waits for singlepass's entry to be written.
    const first = child(dir, file, `
      const m = new rt.WebAssembly.Module(bytes);
      done({ compiler: rt.compilerOf(m), answer: new rt.WebAssembly.Instance(m).exports.f41(), cache: rt.codeCache() });`);
    expect(first).toMatchObject({ compiler: 'singlepass', answer: 41, cache: { loaded: 0 } });
    // The next process loads one tier or the other, whichever the helper has left by then.
    const second = child(dir, file, PROBE);
    expect(second).toMatchObject({ answer: 41, cache: { loaded: 1, stored: 0 } });
    const later = await untilCranelift(() => child(dir, file, PROBE));
    expect(later).toMatchObject({ answer: 41, cache: { loaded: 1, stored: 0 } });
    // Cranelift's entry replaced singlepass's; no job is left.
    await new Promise((r) => setTimeout(r, 500));
    expect(entries(dir)).toEqual({ entries: 1, jobs: 0 });
  }, 240_000);

  it('a module never instantiated is not compiled again by cranelift', async () => {
    const dir = folder();
    const file = largeFile(dir);
    const r = child(dir, file, `
      const m = new rt.WebAssembly.Module(bytes);
      setTimeout(() => done({ compiler: rt.compilerOf(m) }), 500);`);
    expect(r).toEqual({ compiler: 'singlepass' });
    expect(entries(dir)).toEqual({ entries: 1, jobs: 0 });
    expect(fs.existsSync(path.join(dir, 'tier-up'))).toBe(false);
    // The next process loads singlepass's code, and its instance queues the tier-up.
    expect(child(dir, file, PROBE)).toMatchObject({ compiler: 'singlepass', cache: { loaded: 1 } });
    await untilCranelift(() => child(dir, file, PROBE));
  }, 240_000);

  it('WASM_RT_TIER_UP=off: no helper, singlepass’s code stays', async () => {
    const dir = folder();
    const file = largeFile(dir);
    const off = { WASM_RT_TIER_UP: 'off' };
    expect(child(dir, file, PROBE, off)).toMatchObject({ compiler: 'singlepass', answer: 41 });
    await new Promise((r) => setTimeout(r, 1500));
    expect(fs.existsSync(path.join(dir, 'tier-up'))).toBe(false);
    expect(child(dir, file, PROBE, off)).toMatchObject({ compiler: 'singlepass', cache: { loaded: 1 } });
  }, 120_000);

  it('without a code cache, this process tiers up, and later modules of the same bytes get cranelift', () => {
    const dir = folder();
    const file = largeFile(dir);
    const r = child(dir, file, `
      const m = new rt.WebAssembly.Module(bytes);
      new rt.WebAssembly.Instance(m);
      const wait = () => {
        const again = new rt.WebAssembly.Module(bytes);
        if (rt.compilerOf(again) !== 'cranelift') return setTimeout(wait, 50);
        done({ first: rt.compilerOf(m), again: rt.compilerOf(again), answer: new rt.WebAssembly.Instance(again).exports.f41(), cache: rt.codeCache() });
      };
      wait();`, { WASM_RT_CACHE: 'off' });
    expect(r).toEqual({ first: 'singlepass', again: 'cranelift', answer: 41, cache: { dir: null, loaded: 0, stored: 0, rejected: 0 } });
  }, 120_000);

  it('the helper drops damaged and mislabelled jobs without compiling them', () => {
    const dir = folder();
    const jobs = path.join(dir, 'tier-up');
    fs.mkdirSync(jobs, { mode: 0o700 });
    fs.writeFileSync(path.join(jobs, `${'0'.repeat(64)}.job`), 'not a job');
    // A well-formed job whose bytes do not match its name (the key of other bytes).
    fs.writeFileSync(path.join(jobs, `${'1'.repeat(64)}.job`), Buffer.concat([Buffer.from('WASMRTJ1'), Buffer.from([0]), large()]));
    fs.writeFileSync(path.join(jobs, `${'2'.repeat(64)}.job`), Buffer.concat([Buffer.from('WASMRTJ1'), Buffer.from([9])]));
    // Not files: a FIFO (reading it would hang the helper), a folder (which cannot be removed like
    // a file, and must not be found again forever), a symlink to a sound job elsewhere.
    execFileSync('mkfifo', [path.join(jobs, `${'3'.repeat(64)}.job`)]);
    fs.mkdirSync(path.join(jobs, `${'4'.repeat(64)}.job`));
    const outside = path.join(dir, '..', `${path.basename(dir)}.outside.job`);
    dirs.push(outside);
    fs.writeFileSync(outside, Buffer.concat([Buffer.from('WASMRTJ1'), Buffer.from([0]), large()]));
    fs.symlinkSync(outside, path.join(jobs, `${'5'.repeat(64)}.job`));
    const helper = path.join(ROOT, 'lib', 'cli', 'tier-up.js');
    const r = spawnSync(process.execPath, [helper], { env: { ...process.env, WASM_RT_CACHE_DIR: dir }, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(entries(dir).entries).toBe(0);
    expect(fs.readdirSync(jobs).sort()).toEqual([`${'3'.repeat(64)}.job`, `${'4'.repeat(64)}.job`, `${'5'.repeat(64)}.job`, 'lock']);
  }, 120_000);

  it('a full disk: no entry, no job and no part of one left; the process tiers up itself', () => {
    const dir = folder();
    const file = largeFile(dir);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', dir]);
    // Mounting needs root (CI and the development machines have it); elsewhere the case is skipped.
    if (mounted.status !== 0) return;
    try {
      const r = child(dir, file, `
        const m = new rt.WebAssembly.Module(bytes);
        const answer = new rt.WebAssembly.Instance(m).exports.f41();
        const wait = () => {
          const again = new rt.WebAssembly.Module(bytes);
          if (rt.compilerOf(again) !== 'cranelift') return setTimeout(wait, 50);
          done({ answer, first: rt.compilerOf(m), cache: rt.codeCache() });
        };
        wait();`);
      expect(r).toMatchObject({ answer: 41, first: 'singlepass', cache: { loaded: 0, stored: 0 } });
      const left = fs.readdirSync(dir, { recursive: true }).filter((f) => !fs.statSync(path.join(dir, f)).isDirectory());
      expect(left).toEqual([]);
    } finally {
      spawnSync('umount', [dir]);
    }
  }, 120_000);

  it('a FIFO in place of the helper’s lock: the helper leaves at once', () => {
    const dir = folder();
    const jobs = path.join(dir, 'tier-up');
    fs.mkdirSync(jobs, { mode: 0o700 });
    execFileSync('mkfifo', [path.join(jobs, 'lock')]);
    fs.writeFileSync(path.join(jobs, `${'1'.repeat(64)}.job`), 'x');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'lib', 'cli', 'tier-up.js')], { env: { ...process.env, WASM_RT_CACHE_DIR: dir }, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  }, 120_000);

  it('a module singlepass cannot compile goes to cranelift at once', () => {
    const dir = folder();
    const file = path.join(dir, '..', `${path.basename(dir)}.wasm`);
    fs.writeFileSync(file, large('(tag $e (param i32)) (func (export "throws") (throw $e (i32.const 5)))'));
    const r = child(dir, file, `
      const i = new rt.WebAssembly.Instance(new rt.WebAssembly.Module(bytes));
      done({ answer: i.exports.f7(), cache: rt.codeCache() });`);
    // Compiled by cranelift in the foreground: stored before the module is returned.
    expect(r).toMatchObject({ answer: 7, cache: { stored: 1 } });
    fs.rmSync(file, { force: true });
  }, 120_000);

  it('a module of one tier links the memory of an instance of the other', () => {
    const dir = folder();
    const file = path.join(dir, '..', `${path.basename(dir)}.wasm`);
    fs.writeFileSync(file, large());
    const small = wat(`(module (import "a" "mem" (memory 1)) (func (export "put") (i32.store (i32.const 0) (i32.const 1000))))`);
    const r = child(dir, file, `
      const big = new rt.WebAssembly.Instance(new rt.WebAssembly.Module(bytes));
      const user = new rt.WebAssembly.Instance(new rt.WebAssembly.Module(new Uint8Array(${JSON.stringify([...small])})), { a: { mem: big.exports.mem } });
      user.exports.put();
      done({ answer: big.exports.f1() });`);
    expect(r).toEqual({ answer: 1001 });
    fs.rmSync(file, { force: true });
  }, 120_000);
});
