// What a user installs: `npm run package` writes the main tarball and the platform tarball; both
// install into an empty project — with the platform package and no Rust on PATH (the prebuilt
// binary), and without it (the install hook builds from the sources the main tarball carries).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/wasi.mjs';

const DIST = path.join(ROOT, 'dist');
const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
const main = path.join(DIST, `wasm-rt-${version}.tgz`);
const platform = path.join(DIST, `wasm-rt-linux-x64-gnu-${version}.tgz`);
const projects = [];

// Adds two numbers on wasm-rt, and runs a WASI module that writes to a preopened directory.
const SMOKE = `
  const { WebAssembly: W, WASI } = require('wasm-rt');
  const add = new Uint8Array([0,97,115,109,1,0,0,0,1,7,1,96,2,127,127,1,127,3,2,1,0,7,7,1,3,97,100,100,0,0,10,9,1,7,0,32,0,32,1,106,11]);
  const wasi = new WASI({ version: 'preview1', args: ['x'] });
  console.log(new W.Instance(new W.Module(add)).exports.add(2, 3), Object.keys(wasi.wasiImport).length);`;

function project() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-install-'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"private": true}');
  projects.push(dir);
  return dir;
}

const tarList = (file) => execFileSync('tar', ['-tzf', file], { encoding: 'utf8' }).split('\n').filter(Boolean);

beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'package.js')], { cwd: ROOT, stdio: 'pipe' });
}, 120_000);
afterAll(() => projects.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('the published packages', () => {
  it('the main tarball carries the JS, the typings and the Rust sources; the platform one the binary', () => {
    const files = tarList(main);
    for (const f of ['package.json', 'index.js', 'index.d.ts', 'lib/wasi.js', 'bin/wasm-rt.js', 'scripts/build-if-needed.js', 'Cargo.toml', 'Cargo.lock', 'build.rs', 'src/lib.rs', 'src/wasi/sandbox.rs']) {
      expect(files).toContain(`package/${f}`);
    }
    expect(files.some((f) => /__test__|bench\/|\.node$/.test(f))).toBe(false);
    const manifest = JSON.parse(execFileSync('tar', ['-xzOf', main, 'package/package.json'], { encoding: 'utf8' }));
    expect(manifest.optionalDependencies).toEqual({ 'wasm-rt-linux-x64-gnu': version });
    expect(manifest.devDependencies).toBeUndefined();
    expect(tarList(platform)).toContain('package/wasm-rt.linux-x64-gnu.node');
  });

  it('installs with the prebuilt binary where no Rust is on PATH', () => {
    const dir = project();
    const env = { ...process.env, PATH: '/usr/local/bin:/usr/bin:/bin' };
    execFileSync('npm', ['install', '--no-audit', '--no-fund', main, platform], { cwd: dir, env, stdio: 'pipe' });
    expect(execFileSync(process.execPath, ['-e', SMOKE], { cwd: dir, env, encoding: 'utf8' }).trim()).toBe('5 46');
  }, 300_000);

  it('builds from the sources when no platform package matches (Rust only, no devDependencies)', () => {
    const dir = project();
    // The shared cargo target folder keeps this from rebuilding wasmer (CI sets it; a cold build
    // takes ~10 minutes on 2 cores).
    const env = { ...process.env, CARGO_TARGET_DIR: process.env.CARGO_TARGET_DIR || path.join(os.homedir(), '.cache', 'wasm-rt', 'target') };
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--omit=optional', main], { cwd: dir, env, stdio: 'pipe' });
    expect(fs.existsSync(path.join(dir, 'node_modules', 'wasm-rt-linux-x64-gnu'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'node_modules', 'wasm-rt', 'wasm-rt.linux-x64-gnu.node'))).toBe(true);
    expect(execFileSync(process.execPath, ['-e', SMOKE], { cwd: dir, encoding: 'utf8' }).trim()).toBe('5 46');
  }, 900_000);
});
