// Real packages from npm, from different toolchains, each running a workload written here
// (__test__/npm/) under `wasm-rt compare`: the same output on V8 and on wasm-rt. The packages are
// installed from the registry at test time into a temporary folder; nothing of theirs is
// committed.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from './helpers/wasi.mjs';

const PACKAGES = {
  'sqljs.js': ['sql.js@1.17.0', 'Emscripten (C): SQLite'],
  'swc.js': ['@swc/wasm@1.16.18', 'Rust wasm-bindgen, an 18 MB module: TypeScript transform'],
  'lightningcss.mjs': ['lightningcss-wasm@1.33.0', 'Rust wasm-bindgen, ES module, 15.8 MB: CSS minifier'],
  'esbuild.js': ['esbuild-wasm@0.28.2', 'Go (js/wasm): esbuild'],
  'assemblyscript.js': ['@chainsafe/as-sha256@1.2.5', 'AssemblyScript: SHA-256'],
  'hashwasm.js': ['hash-wasm@4.13.0', 'C with clang: BLAKE3, SHA-3, Argon2id'],
  'brotli.js': ['brotli-wasm@3.0.1', 'a compression codec (Rust): Brotli'],
  'ruby.js': ['@ruby/3.4-wasm-wasi@2.10.1', 'a WASI program: Ruby 3.4 through node:wasi'],
  'oxc.js': ['@oxc-parser/binding-wasm32-wasi@0.156.0', 'napi-rs wasm32-wasi, threaded (a shared memory, a Worker pool): the oxc parser'],
  'lzma.js': ['@napi-rs/lzma-wasm32-wasi@1.5.1', 'napi-rs wasm32-wasi, threaded, WASI in every worker: xz, lzma and lzma2'],
};
// Packages published for the wasm32 "cpu": npm refuses one that says so (EBADPLATFORM) unless
// forced, --cpu=wasm32 notwithstanding.
const WASM32 = new Set(['oxc.js', 'lzma.js']);

let dir;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-npm-'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"private": true}');
  const specs = (wasm32) => Object.entries(PACKAGES).filter(([f]) => WASM32.has(f) === wasm32).map(([, [spec]]) => spec);
  const install = (...args) => execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', '--ignore-scripts', ...args], { cwd: dir, stdio: 'ignore' });
  install(...specs(false));
  install('--cpu=wasm32', '--force', ...specs(true));
  for (const f of Object.keys(PACKAGES)) fs.copyFileSync(path.join(import.meta.dirname, 'npm', f), path.join(dir, f));
}, 300_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('npm packages on V8 and wasm-rt', () => {
  it('every workload in __test__/npm is listed here', () => {
    expect(fs.readdirSync(path.join(import.meta.dirname, 'npm')).sort()).toEqual(Object.keys(PACKAGES).sort());
  });

  for (const [file, [spec, what]] of Object.entries(PACKAGES)) {
    it(`${spec} (${what}): equal`, () => {
      const r = spawnSync(process.execPath, [BIN, 'compare', path.join(dir, file)], { cwd: dir, encoding: 'utf8', timeout: 280_000 });
      expect(r.stdout).toMatch(/^compare: equal \(v8 \d+ ms, wasm-rt \d+ ms\)$/m);
      expect(r.status).toBe(0);
      console.log(`${spec}: ${r.stdout.trim().split('\n')[0]}`);
    }, 300_000);
  }
});
