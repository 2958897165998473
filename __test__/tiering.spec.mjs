// Tiered compiles, the JS API's default: a large module is usable after singlepass's compile,
// cranelift's code reaches the code cache in the background for the next process, and modules
// of the two tiers still link together. Each case runs fresh processes with their own cache.
import { execFileSync } from 'node:child_process';
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
function child(dir, bytesFile, body) {
  const script = `const rt = require(${JSON.stringify(path.join(ROOT, 'index.js'))});
    const bytes = require('fs').readFileSync(${JSON.stringify(bytesFile)});
    const done = (v) => { console.log(JSON.stringify(v)); process.exit(0); };
    ${body}`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { env: { ...process.env, WASM_RT_CACHE_DIR: dir }, encoding: 'utf8', timeout: 120_000 }));
}

describe('tiered compiles', () => {
  it('a large module runs at once; cranelift’s code reaches the cache for the next process', () => {
    const dir = folder();
    const file = path.join(dir, '..', `${path.basename(dir)}.wasm`);
    fs.writeFileSync(file, large());
    expect(fs.statSync(file).size).toBeGreaterThan(128 << 10);
    const first = child(dir, file, `
      const m = new rt.WebAssembly.Module(bytes);
      const i = new rt.WebAssembly.Instance(m);
      const answer = i.exports.f41();
      const right = rt.codeCache();
      // Wait for the background compile to store cranelift's code.
      const wait = () => (rt.codeCache().stored > 0 ? done({ answer, right, later: rt.codeCache() }) : setTimeout(wait, 50));
      wait();`);
    // At once: singlepass's code, nothing loaded or stored yet; later: cranelift's stored.
    expect(first).toMatchObject({ answer: 41, right: { loaded: 0, stored: 0 }, later: { stored: 1 } });
    const second = child(dir, file, `
      const i = new rt.WebAssembly.Instance(new rt.WebAssembly.Module(bytes));
      done({ answer: i.exports.f41(), cache: rt.codeCache() });`);
    expect(second).toMatchObject({ answer: 41, cache: { loaded: 1, stored: 0 } });
    fs.rmSync(file, { force: true });
  }, 180_000);

  it('a module never instantiated is not compiled again by cranelift', () => {
    const dir = folder();
    const file = path.join(dir, '..', `${path.basename(dir)}.wasm`);
    fs.writeFileSync(file, large());
    // Long enough for the background compile (about 0.3 s for this module) had it been queued.
    const r = child(dir, file, `
      const m = new rt.WebAssembly.Module(bytes);
      setTimeout(() => {
        const before = rt.codeCache();
        new rt.WebAssembly.Instance(m);
        const wait = () => (rt.codeCache().stored > 0 ? done({ before, after: rt.codeCache() }) : setTimeout(wait, 50));
        wait();
      }, 1500);`);
    expect(r).toMatchObject({ before: { stored: 0 }, after: { stored: 1 } });
    fs.rmSync(file, { force: true });
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
