// `wasm-rt wast` (lib/cli/wast.js, src/tools/wast.rs): a script with one of each command, on both
// engines; what a wrong expectation looks like; and `wat(text)`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { BIN } from './helpers/wasi.mjs';

const require = createRequire(import.meta.url);
const rt = require('../index.js');
const SCRIPT = new URL('./wast/commands.wast', import.meta.url).pathname;

function wast(...args) {
  const json = path.join(os.tmpdir(), `wasm-rt-wast-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  const r = spawnSync(process.execPath, [BIN, 'wast', '--json', json, ...args], { encoding: 'utf8' });
  const report = fs.existsSync(json) ? JSON.parse(fs.readFileSync(json, 'utf8')) : null;
  fs.rmSync(json, { force: true });
  return { ...r, report };
}

describe('wasm-rt wast', () => {
  it('runs every kind of command on both engines, with the same results', () => {
    const { status, stdout, report } = wast(SCRIPT);
    expect(status).toBe(0);
    expect(stdout).toMatch(/wast: v8 17\/17 wasm-rt 17\/17 differ 0/);
    expect(report.totals).toMatchObject({ total: 17, text: 1, skipped: 0 });
    expect(report.rows).toEqual([{ file: 'commands.wast', total: 17, skipped: 0, text: 1, v8: 17, 'wasm-rt': 17 }]);
  });

  it('fails a command whose expectation is wrong, on both engines, and exits 1', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-wast-'));
    const file = path.join(dir, 'wrong.wast');
    fs.writeFileSync(
      file,
      `(module (func (export "f") (result i32) (i32.const 1)) (func (export "v") (result v128) (v128.const i64x2 1 2)))
       (assert_return (invoke "f") (i32.const 2))
       (assert_return (invoke "v") (v128.const i64x2 1 3))
       (assert_trap (invoke "f") "unreachable")`,
    );
    const { status, report } = wast(file);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(status).toBe(1);
    expect(report.rows[0]).toMatchObject({ total: 4, v8: 1, 'wasm-rt': 1 });
    expect(report.unexpected.map((u) => u.line)).toEqual([2, 3, 4]);
    expect(report.unexpected[2].message).toMatch(/expected a trap/);
  });

  it('reports a script that does not parse, naming its line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-wast-'));
    const file = path.join(dir, 'bad.wast');
    fs.writeFileSync(file, '(module)\n(assert_return (invoke "f" (i32.const)))\n');
    const { status, report } = wast(file, '--engine', 'wasm-rt');
    fs.rmSync(dir, { recursive: true, force: true });
    expect(status).toBe(1);
    expect(report.rows[0]['wasm-rt']).toMatch(/crashed: .*<anon>:2:/s);
  });

  it('usage errors exit 2', () => {
    expect(wast('--engine', 'spidermonkey').status).toBe(2);
    expect(wast('/nonexistent/folder').status).toBe(2);
  });
});

describe('wat(text)', () => {
  it('gives the module’s bytes, which both engines run', () => {
    const bytes = rt.wat('(module (func (export "f") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 6))))');
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.f(7)).toBe(42);
    expect(new rt.WebAssembly.Instance(new rt.WebAssembly.Module(bytes)).exports.f(7)).toBe(42);
  });

  it('throws an Error naming the line and column of bad text', () => {
    expect(() => rt.wat('(module\n  (func (result i32) i32.const))')).toThrow(/<anon>:2:/);
  });
});
