// lib/cli/engine-spec.js: the engine names the conformance commands take (`--engines`), and the
// wast and wpt runners with more than two of them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { resolveEngine, enginesList } = require('../lib/cli/engine-spec.js');
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const installedNodes = {
  'node@24': { name: 'node@24', bin: '/engines/node-24/bin/node' },
  bun: { name: 'bun', folder: '/engines/bun', bin: '/engines/bun/package/bin/bun' },
  deno: { name: 'deno', folder: '/engines/deno', bin: '/engines/deno/package/deno' },
};

describe('engine names', () => {
  it('v8 and wasm-rt run in this Node; a compiler is an environment variable of the child', () => {
    expect(resolveEngine('v8', {})).toEqual({ name: 'v8', kind: 'v8', execPath: process.execPath, env: {} });
    expect(resolveEngine('wasm-rt', {})).toEqual({ name: 'wasm-rt', kind: 'wasm-rt', execPath: process.execPath, env: {} });
    expect(resolveEngine('wasm-rt:singlepass', {}).env).toEqual({ WASM_RT_COMPILER: 'singlepass' });
    expect(resolveEngine('wasm-rt:cranelift', {}).env).toEqual({ WASM_RT_COMPILER: 'cranelift' });
  });

  it('node@N is the V8 of an installed Node, and wasm-rt@nodeN wasm-rt inside it', () => {
    expect(resolveEngine('node@24', installedNodes)).toMatchObject({ kind: 'v8', execPath: '/engines/node-24/bin/node' });
    expect(resolveEngine('wasm-rt:singlepass@node24', installedNodes)).toMatchObject({ kind: 'wasm-rt', execPath: '/engines/node-24/bin/node', env: { WASM_RT_COMPILER: 'singlepass' } });
  });

  it('bun is JavaScriptCore and deno V8, each its installed binary, with its caches in its engine folder', () => {
    expect(resolveEngine('bun', installedNodes)).toEqual({
      name: 'bun',
      kind: 'jsc',
      execPath: '/engines/bun/package/bin/bun',
      execArgv: [],
      programArgv: [],
      env: { BUN_RUNTIME_TRANSPILER_CACHE_PATH: '/engines/bun/transpiler-cache', DO_NOT_TRACK: '1' },
    });
    const deno = resolveEngine('deno', installedNodes);
    expect(deno).toMatchObject({ name: 'deno', kind: 'v8', execPath: '/engines/deno/package/deno', env: { DENO_DIR: '/engines/deno/deno-dir', DENO_NO_UPDATE_CHECK: '1' } });
    // `run`, no permission to write, run programs or use the network, and the children's .js as CommonJS.
    expect(deno.execArgv).toEqual(['run', '--allow-read', '--allow-env', '--unstable-detect-cjs']);
    // A user's program (compare) gets every permission, as under Node.
    expect(deno.programArgv).toEqual(['run', '--allow-all', '--unstable-detect-cjs']);
    // Node engines take no runtime arguments of their own: each command keeps its Node options.
    expect(resolveEngine('node@24', installedNodes)).not.toHaveProperty('execArgv');
  });

  it.each([
    ['spidermonkey', /unknown engine spidermonkey/],
    ['wasm-rt:llvm', /the compilers are cranelift, singlepass/],
    ['v8:singlepass', /only wasm-rt takes a compiler or a Node/],
    ['node@99', /wasm-rt engines add node@99/],
    ['wasm-rt@node99', /needs node@99/],
  ])('%s is a usage error', (name, message) => {
    expect(() => resolveEngine(name, installedNodes)).toThrow(message);
  });

  it('bun and deno not installed are usage errors that say how to install them', () => {
    expect(() => resolveEngine('bun', { 'node@24': installedNodes['node@24'] })).toThrow(/^engine bun is not installed: install it with `wasm-rt engines add bun`$/);
    expect(() => resolveEngine('deno', {})).toThrow(/^engine deno is not installed: install it with `wasm-rt engines add deno`$/);
  });

  it.each([
    ['wasm-rt@bun', /wasm-rt is a Node addon, it runs in Node only/],
    ['wasm-rt:cranelift@deno', /runs in Node only/],
    ['bun:singlepass', /unknown engine bun:singlepass/],
    ['deno@node24', /unknown engine deno@node24/],
  ])('%s is a usage error: only a runtime\'s own WebAssembly runs in Bun and Deno', (name, message) => {
    expect(() => resolveEngine(name, installedNodes)).toThrow(message);
  });

  it('lists: "both" is v8 and wasm-rt, a name twice or none is an error', () => {
    expect(enginesList('both', {}).map((e) => e.name)).toEqual(['v8', 'wasm-rt']);
    expect(enginesList('v8, wasm-rt:singlepass', {}).map((e) => e.name)).toEqual(['v8', 'wasm-rt:singlepass']);
    expect(() => enginesList('v8,v8', {})).toThrow(/twice/);
    expect(() => enginesList(',', {})).toThrow(/at least one/);
  });
});

const WPT_DIR = process.env.WPT_DIR ?? join(ROOT, '..', 'shared', 'suites', 'webassembly-spec');

describe('wasm-rt wpt --engines', () => {
  it.skipIf(!existsSync(WPT_DIR))('runs each engine, one column and one score each (needs the spec suite at $WPT_DIR)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasm-rt-engines-'));
    try {
      const json = join(dir, 'report.json');
      const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'wasm-rt.js'), 'wpt', '--tests', WPT_DIR, '--engines', 'v8,wasm-rt,wasm-rt:singlepass', '--filter', 'global/toString', '--json', json], { encoding: 'utf8', timeout: 120_000 });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/file +\| v8 +\| wasm-rt +\| wasm-rt:singlepass/);
      expect(r.stdout).toMatch(/^wpt: v8 2\/2 wasm-rt 2\/2 wasm-rt:singlepass 2\/2 differ 0$/m);
      const report = JSON.parse(readFileSync(json, 'utf8'));
      expect(report.engines).toEqual(['v8', 'wasm-rt', 'wasm-rt:singlepass']);
      expect(report.runtimes['wasm-rt:singlepass']).toEqual({ kind: 'wasm-rt', bin: process.execPath, env: { WASM_RT_COMPILER: 'singlepass' } });
      const usage = spawnSync(process.execPath, [join(ROOT, 'bin', 'wasm-rt.js'), 'wpt', '--tests', WPT_DIR, '--engines', 'v8,node@99'], { encoding: 'utf8' });
      expect(usage.status).toBe(2);
      expect(usage.stderr).toContain('wasm-rt engines add node@99');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('wasm-rt wast --engines', () => {
  it('runs a script on each engine and reports a command they disagree on, with each engine\'s answer', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasm-rt-engines-'));
    try {
      const script = join(dir, 'simd.wast');
      // Singlepass has no SIMD: the module does not compile there, and its command fails.
      writeFileSync(script, `(module (func (export "f") (result i32) (i32.const 7)))
        (assert_return (invoke "f") (i32.const 7))
        (module (func (export "g") (result i32) (i32x4.extract_lane 1 (v128.const i32x4 1 2 3 4))))
        (assert_return (invoke "g") (i32.const 2))`);
      const json = join(dir, 'report.json');
      const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'wasm-rt.js'), 'wast', '--engines', 'v8,wasm-rt,wasm-rt:singlepass', '--json', json, script], { encoding: 'utf8', timeout: 120_000 });
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^wast: v8 4\/4 wasm-rt 4\/4 wasm-rt:singlepass [0-3]\/4 differ [1-9]$/m);
      const report = JSON.parse(readFileSync(json, 'utf8'));
      const d = report.differences.find((x) => x.line === 4);
      expect([d.v8, d['wasm-rt']]).toEqual(['PASS', 'PASS']);
      expect(d['wasm-rt:singlepass']).not.toBe('PASS');
      expect(d.alone).toBe('wasm-rt:singlepass');
      expect(r.stdout).toContain('(alone: wasm-rt:singlepass)');
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
