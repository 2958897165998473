// The compiled-code cache on disk (src/compile/cache.rs): stored and loaded across processes, and safe —
// a damaged, foreign, stale or someone else's entry is never loaded, a folder that cannot be
// trusted is not used, and a read-only folder or a full disk only means no caching. Each case
// runs fresh Node processes with their own cache folder.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/wasi.mjs';
import { wat } from './helpers/wat.mjs';

const made = [];
afterEach(() => {
  for (const d of made.splice(0)) {
    spawnSync('umount', [d], { stdio: 'ignore' });
    fs.rmSync(d, { recursive: true, force: true });
  }
});

function folder() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-cache-'));
  made.push(d);
  return d;
}

// A module whose answer depends on `n`, so that each n is a distinct cache entry.
const moduleBytes = (n = 7) => wat(`(module (func (export "f") (result i32) (i32.const ${n})))`);

/** Compiles and runs a module in a fresh process with WASM_RT_CACHE_DIR=dir; returns the cache's counters. */
function run(dir, { n = 7, env = {}, compiler = 'cranelift', unset = [] } = {}) {
  const file = path.join(os.tmpdir(), `wasm-rt-cache-module-${process.pid}-${n}.wasm`);
  fs.writeFileSync(file, moduleBytes(n));
  const script = `const rt = require(${JSON.stringify(path.join(ROOT, 'index.js'))});
    for (const k of ${JSON.stringify(unset)}) delete process.env[k];
    const m = rt.compileSync(require('fs').readFileSync(${JSON.stringify(file)}), { compiler: ${JSON.stringify(compiler)} });
    const answer = new rt.WebAssembly.Instance(m).exports.f();
    console.log(JSON.stringify({ answer, ...rt.codeCache() }));`;
  const out = execFileSync(process.execPath, ['-e', script], { env: { ...process.env, WASM_RT_CACHE_DIR: dir, ...env }, encoding: 'utf8' });
  fs.rmSync(file, { force: true });
  return JSON.parse(out);
}

const entries = (dir) => fs.readdirSync(dir).filter((f) => f.endsWith('.wasmrt'));

describe('the code cache', () => {
  it('stores a compiled module (0600 in a 0700 folder) and a later process loads it', () => {
    const dir = path.join(folder(), 'new-folder');
    const first = run(dir);
    expect(first).toMatchObject({ answer: 7, dir, loaded: 0, stored: 1, rejected: 0 });
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    const [entry] = entries(dir);
    expect(fs.statSync(path.join(dir, entry)).mode & 0o777).toBe(0o600);
    expect(run(dir)).toMatchObject({ answer: 7, loaded: 1, stored: 0, rejected: 0 });
  });

  it('keys by compiler: a singlepass entry is not a cranelift one', () => {
    const dir = folder();
    run(dir, { compiler: 'singlepass' });
    expect(run(dir, { compiler: 'cranelift' })).toMatchObject({ loaded: 0, stored: 1 });
    expect(entries(dir)).toHaveLength(2);
  });

  const damage = {
    truncated: (f) => fs.truncateSync(f, fs.statSync(f).size - 100),
    'a flipped byte in the code': (f) => {
      const b = fs.readFileSync(f);
      b[b.length - 200] ^= 0x40;
      fs.writeFileSync(f, b);
    },
    'a stale format (other magic)': (f) => {
      const b = fs.readFileSync(f);
      b.write('WASMRTC0', 0);
      fs.writeFileSync(f, b);
    },
    'empty': (f) => fs.writeFileSync(f, ''),
  };
  for (const [name, spoil] of Object.entries(damage)) {
    it(`an entry ${name} is not loaded, is replaced, and the module still works`, () => {
      const dir = folder();
      run(dir);
      const file = path.join(dir, entries(dir)[0]);
      spoil(file);
      fs.chmodSync(file, 0o600);
      expect(run(dir)).toMatchObject({ answer: 7, loaded: 0, stored: 1, rejected: 1 });
      expect(run(dir)).toMatchObject({ answer: 7, loaded: 1, rejected: 0 });
    });
  }

  it('a foreign entry (another module’s, under this name) is not loaded', () => {
    const dir = folder();
    run(dir, { n: 1 });
    const [one] = entries(dir);
    run(dir, { n: 2 });
    const two = entries(dir).find((e) => e !== one);
    fs.copyFileSync(path.join(dir, one), path.join(dir, two));
    expect(run(dir, { n: 2 })).toMatchObject({ answer: 2, loaded: 0, rejected: 1, stored: 1 });
  });

  it('a FIFO in place of an entry is not waited on: refused, and replaced by a sound entry', () => {
    const dir = folder();
    run(dir);
    const file = path.join(dir, entries(dir)[0]);
    fs.rmSync(file);
    execFileSync('mkfifo', ['-m', '600', file]);
    // Opening a FIFO for reading waits for a writer: the process hung here before.
    const script = `const rt = require(${JSON.stringify(path.join(ROOT, 'index.js'))});
      const m = rt.compileSync(new Uint8Array(${JSON.stringify([...moduleBytes()])}), { compiler: 'cranelift' });
      console.log(JSON.stringify({ answer: new rt.WebAssembly.Instance(m).exports.f(), ...rt.codeCache() }));`;
    const r = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, WASM_RT_CACHE_DIR: dir }, encoding: 'utf8', timeout: 20_000 });
    expect(r.signal).toBe(null);
    expect(JSON.parse(r.stdout)).toMatchObject({ answer: 7, loaded: 0, rejected: 1, stored: 1 });
    expect(fs.statSync(file).isFile()).toBe(true);
    expect(run(dir)).toMatchObject({ answer: 7, loaded: 1 });
  });

  it('an entry readable by others, or owned by another user, is not used', () => {
    const dir = folder();
    run(dir);
    const file = path.join(dir, entries(dir)[0]);
    fs.chmodSync(file, 0o644);
    expect(run(dir)).toMatchObject({ answer: 7, loaded: 0, rejected: 1 });
    if (process.getuid() === 0) {
      run(dir);
      const again = path.join(dir, entries(dir)[0]);
      fs.chownSync(again, 65534, 65534);
      expect(run(dir)).toMatchObject({ answer: 7, loaded: 0, rejected: 1 });
    }
  });

  it('a folder writable by others, owned by another user, or a symlink is not used', () => {
    const open = folder();
    fs.chmodSync(open, 0o777);
    expect(run(open)).toMatchObject({ answer: 7, dir: null, stored: 0 });
    expect(entries(open)).toHaveLength(0);
    const link = path.join(folder(), 'link');
    fs.symlinkSync(folder(), link);
    expect(run(link)).toMatchObject({ answer: 7, dir: null });
    if (process.getuid() === 0) {
      const theirs = folder();
      fs.chownSync(theirs, 65534, 65534);
      expect(run(theirs)).toMatchObject({ answer: 7, dir: null });
    }
  });

  it('WASM_RT_CACHE=off turns it off', () => {
    const dir = folder();
    expect(run(dir, { env: { WASM_RT_CACHE: 'off' } })).toMatchObject({ answer: 7, dir: null, stored: 0 });
    expect(entries(dir)).toHaveLength(0);
  });

  it('the settings are the environment’s when wasm-rt loaded: a program that empties it later still caches (esbuild’s service does)', () => {
    const dir = folder();
    expect(run(dir, { unset: Object.keys(process.env) })).toMatchObject({ answer: 7, dir, stored: 1 });
    expect(entries(dir)).toHaveLength(1);
    // Tier-up was off when it loaded: no job is queued after the variable is gone.
    expect(run(dir, { n: 8, compiler: 'tiered', env: { WASM_RT_TIER_UP: 'off' }, unset: ['WASM_RT_TIER_UP'] })).toMatchObject({ answer: 8 });
    expect(fs.existsSync(path.join(dir, 'tier-up')) ? fs.readdirSync(path.join(dir, 'tier-up')) : []).toEqual([]);
  });

  it('a read-only folder only means no caching', () => {
    // As root, permissions do not stop writes: a folder of /proc cannot be written by anyone.
    const dir = process.getuid() === 0 ? '/proc/sys/fs' : folder();
    if (process.getuid() !== 0) fs.chmodSync(dir, 0o500);
    expect(run(dir)).toMatchObject({ answer: 7, stored: 0, loaded: 0 });
  });

  it('a full disk only means no caching, and leaves no partial file', () => {
    const dir = folder();
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4k,mode=0700', 'tmpfs', dir]);
    // Mounting needs root (CI and the development machines have it); elsewhere the case is skipped.
    if (mounted.status !== 0) return;
    expect(run(dir)).toMatchObject({ answer: 7, stored: 0 });
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('evicts the least recently used entries beyond WASM_RT_CACHE_MAX_MB', () => {
    const dir = folder();
    const sizes = [];
    for (let n = 0; n < 3; n++) {
      run(dir, { n, env: { WASM_RT_CACHE_MAX_MB: '1' } });
      sizes.push(...entries(dir).map((e) => fs.statSync(path.join(dir, e)).size));
    }
    expect(entries(dir)).toHaveLength(3);
    // Age the entries, oldest first, and make the cap smaller than all three.
    const byAge = entries(dir);
    byAge.forEach((e, i) => fs.utimesSync(path.join(dir, e), 1000 + i, 1000 + i));
    run(dir, { n: 9, env: { WASM_RT_CACHE_MAX_MB: '0' } });
    expect(entries(dir).length).toBeLessThan(4);
    expect(entries(dir)).not.toContain(byAge[0]);
  });

  it('two processes compiling the same module at once both work and leave one sound entry', async () => {
    const dir = folder();
    const file = path.join(dir, '..', `${path.basename(dir)}.wasm`);
    // Big enough that the compiles overlap.
    const funcs = Array.from({ length: 3000 }, (_, i) => `(func (export "f${i}") (result i32) (i32.add (i32.const ${i}) (i32.const 1)))`).join('');
    fs.writeFileSync(file, wat(`(module ${funcs})`));
    const script = `const rt = require(${JSON.stringify(path.join(ROOT, 'index.js'))});
      const m = rt.compileSync(require('fs').readFileSync(${JSON.stringify(file)}), { compiler: 'cranelift' });
      console.log(new rt.WebAssembly.Instance(m).exports.f41());`;
    const once = () =>
      new Promise((resolve) => {
        const p = spawn(process.execPath, ['-e', script], { env: { ...process.env, WASM_RT_CACHE_DIR: dir } });
        let out = '';
        p.stdout.on('data', (d) => (out += d));
        p.on('close', (code) => resolve([code, out.trim()]));
      });
    expect(await Promise.all([once(), once()])).toEqual([
      [0, '42'],
      [0, '42'],
    ]);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
    expect(entries(dir)).toHaveLength(1);
    expect(await once()).toEqual([0, '42']);
    fs.rmSync(file, { force: true });
  });
});
