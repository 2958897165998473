// What a user installs: `npm run package` writes the main tarball and the platform tarball; both
// install into an empty project — with the platform package and no Rust on PATH (the prebuilt
// binary), and without it (the install hook builds from the sources the main tarball carries).
import { execFileSync, spawnSync } from 'node:child_process';
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
    for (const f of ['package.json', 'index.js', 'index.d.ts', 'lib/wasi.js', 'bin/wasm-rt.js', 'scripts/build-if-needed.js', 'Cargo.toml', 'Cargo.lock', 'build.rs', 'src/lib.rs', 'src/wasi/sandbox.rs', 'conformance/expectations/wpt.json', 'conformance/expectations/wast.json', 'conformance/expectations/wasi-test.json']) {
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

  it('carries everything its CLI reads: wast, wpt, wasi-test and fuzz run from an installed copy', () => {
    const dir = project();
    execFileSync('npm', ['install', '--no-audit', '--no-fund', main, platform], { cwd: dir, stdio: 'pipe' });
    const suites = path.join(ROOT, '..', 'shared', 'suites');
    // Subsets that hold known failures: a missing expectations file made each of them fail.
    const runs = [
      ['wast', '--filter', 'br_on_null', path.join(suites, 'webassembly-spec', 'test', 'core')],
      ['wpt', '--filter', 'gc/', '--tests', path.join(suites, 'webassembly-spec')],
      ['wasi-test', '--filter', 'fd_', '--tests', path.join(suites, 'wasi-testsuite-wasip1.tar.gz')],
      // A fixed count: on Node 22 on, seeds 1..134 meet the open crash of conformance/known-divergences.md.
      ['fuzz', '--count', '40', '--seed', '7'],
    ];
    for (const args of runs) {
      const r = spawnSync('npx', ['wasm-rt', ...args, '--json', path.join(dir, `${args[0]}.json`)], { cwd: dir, encoding: 'utf8', timeout: 280_000 });
      console.log(`installed ${args[0]}: ${r.stdout.trim().split('\n').at(-1)}`);
      expect(r.status, `${args[0]}: ${r.stderr}`).toBe(0);
    }
  }, 600_000);

  it('builds from the sources when no platform package matches (Rust only, no devDependencies)', () => {
    const dir = project();
    // The checkout's own cargo target folder (or CARGO_TARGET_DIR's, as CI sets it) already holds
    // wasmer and every other dependency: only wasm-rt itself is compiled again, not a second cold
    // build.
    const env = { ...process.env, CARGO_TARGET_DIR: process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target') };
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--omit=optional', main], { cwd: dir, env, stdio: 'pipe' });
    expect(fs.existsSync(path.join(dir, 'node_modules', 'wasm-rt-linux-x64-gnu'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'node_modules', 'wasm-rt', 'wasm-rt.linux-x64-gnu.node'))).toBe(true);
    expect(execFileSync(process.execPath, ['-e', SMOKE], { cwd: dir, encoding: 'utf8' }).trim()).toBe('5 46');
  }, 900_000);
});
