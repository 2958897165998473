// compareModule and `wasm-rt fuzz`: one module on both engines, outcomes normalised where the
// spec lets engines differ (NaN bits, trap wording) and compared where it does not.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { v8Within } from './helpers/engines.mjs';
import { BIN } from './helpers/wasi.mjs';
import { wat } from './helpers/wat.mjs';

const require = createRequire(import.meta.url);
const { compareModule } = require('../index.js');

describe('compareModule', () => {
  it('agrees on values, NaNs, each trap kind and the state left behind', () => {
    const bytes = wat(`(module
      (memory (export "mem") 1) (global (export "g") (mut i32) (i32.const 0))
      (table 1 funcref)
      (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
      (func (export "nan") (result f32) (f32.div (f32.const 0) (f32.const 0)))
      (func (export "trunc") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
      (func (export "oob") (i32.store (i32.const 70000) (i32.const 1)))
      (func (export "null") (call_indirect (i32.const 0)))
      (func (export "set") (global.set 0 (i32.const 5)) (i32.store (i32.const 8) (i32.const 9)))
      (func $r (export "rec") (call $r)))`);
    const calls = [['div', 7, 2], ['div', 1, 0], ['div', -2147483648, -1], ['nan'], ['trunc', NaN], ['trunc', 1e20], ['oob'], ['null'], ['set'], ['rec']];
    const r = compareModule(bytes, { calls });
    expect(r.differences).toEqual([]);
    expect(r.v8.calls.map((c) => c.value ?? c.trap)).toEqual([3, 'divide by zero', 'integer overflow', 'NaN', 'invalid conversion', 'invalid conversion', 'memory out of bounds', 'indirect call', undefined, 'stack overflow']);
    expect(r.v8.state.g).toEqual({ value: 5 });
  });

  // wasmer resized its element vector before any limit check: 2^32 - 1 more elements aborted the
  // process (out of memory), found by `wasm-rt fuzz` (seed 2055).
  it('table.grow far past the embedding limit fails with -1 on both engines', () => {
    const bytes = wat(`(module (table 1 funcref)
      (func (export "grow") (param i32) (result i32) (table.grow (ref.null func) (local.get 0)))
      (func (export "size") (result i32) (table.size)))`);
    const r = compareModule(bytes, { calls: [['grow', -16], ['grow', -1], ['grow', 10_000_000], ['grow', 5], ['size']] });
    expect(r.differences).toEqual([]);
    expect(r['wasm-rt'].calls.map((c) => c.value)).toEqual([-1, -1, -1, 1, 6]);
  });

  // wasmer's validator accepts reference types its translator cannot compile (a table of them made
  // it panic); found by `wasm-rt fuzz --mutate`: validate and compile must agree, on both engines.
  it.each([
    ['a table of nullexnref', '0061736d01000000' + '040401740000'],
    ['an element segment of nullexnref', '0061736d01000000' + '090401057400'],
  ])('%s: refused up front (validate false, a CompileError), as V8 11.3 does; V8 12.4 on compile it', (_, hex) => {
    const r = compareModule(Buffer.from(hex, 'hex'));
    // nullexnref is a valid type with exnref, which V8 has from 12.4 on; wasmer 7.4.2 cannot
    // translate it (conformance/known-divergences.md).
    if (v8Within('<12.4')) expect(r.differences).toEqual([]);
    else expect(r.differences.map((d) => [d.step, d.v8])).toEqual([['compile', { value: 'ok' }], ['instantiate', { value: 'ok' }]]);
    expect(r['wasm-rt'].compile).toEqual({ compileError: true });
    expect(require('../index.js').WebAssembly.validate(Buffer.from(hex, 'hex'))).toBe(false);
  });

  // conformance/known-divergences.md: V8 11.3 accepts i32 as the element type of a declarative segment.
  it('known divergence: a declarative element segment typed i32 (V8 accepts it; the spec does not)', () => {
    const r = compareModule(Buffer.from('0061736d01000000' + '090401077f00', 'hex'));
    expect(r.differences[0]).toEqual({ step: 'compile', v8: { value: 'ok' }, 'wasm-rt': { compileError: true } });
  });

  it('reports what differs: a module only one engine compiles', () => {
    const r = compareModule(wat('(module (func $g) (func (export "f") (return_call $g)))'), { calls: [['f']] });
    expect(r.differ).toBe(true);
    expect(r.differences[0]).toMatchObject({ step: 'compile', v8: { value: 'ok' }, 'wasm-rt': { compileError: true } });
  });
});

describe('wasm-rt fuzz', () => {
  it('reduces a divergence with wasm-shrink to a small module that still shows it', () => {
    const native = require('../lib/native.js');
    const extra = Array.from({ length: 40 }, (_, i) => `(func (export "e${i}") (result i32) (i32.add (i32.const ${i}) (i32.const 2)))`).join('');
    const bytes = wat(`(module (memory 1) ${extra} (func $g) (func (export "f") (return_call $g)))`);
    const differs = (candidate) => compareModule(candidate).differences.some((d) => d.step === 'compile');
    const reduced = native.fuzzShrink(bytes, differs, 200);
    expect(differs(reduced)).toBe(true);
    expect(reduced.length).toBeLessThan(bytes.length / 5);
  }, 60_000);

  // Each mode runs a few seeds through the CLI; any finding is a difference between the engines
  // (or a crash) to look at: the suite keeps none.
  const fuzz = (args) => {
    const json = path.join(os.tmpdir(), `wasm-rt-fuzz-${process.pid}-${args[0]}.json`);
    const r = spawnSync(process.execPath, [BIN, 'fuzz', ...args, '--json', json], { encoding: 'utf8' });
    const report = JSON.parse(fs.readFileSync(json, 'utf8'));
    fs.rmSync(json, { force: true });
    return { r, report, last: r.stdout.trim().split('\n').pop() };
  };

  it('by default, modules with imports of every kind and their JS side, replayable by seed', () => {
    const { r, report, last } = fuzz(['--count', '40', '--seed', '7']);
    expect(r.stdout).toMatch(/^boundary: seeds 7\.\.46 in \d+ s/m);
    expect(last).toMatch(/^fuzz: modules 40 calls \d+ divergences 0 poison \d+ crashes 0$/);
    expect(report.calls).toBeGreaterThan(40);
    expect([r.status, report.mode, report.modules, report.findings]).toEqual([0, 'boundary', 40, []]);
  }, 120_000);

  it('--plain: modules without imports, their exports called with numbers', () => {
    const { r, report, last } = fuzz(['--plain', '--count', '40', '--seed', '7']);
    expect(r.stdout).toMatch(/^plain: seeds 7\.\.46 in \d+ s/m);
    expect(last).toMatch(/^fuzz: modules 40 calls \d+ divergences 0 poison \d+ crashes 0$/);
    expect([r.status, report.mode, report.findings]).toEqual([0, 'plain', []]);
  }, 120_000);

  it('--api: sequences of JS API operations agree step by step, known divergences apart', () => {
    const { r, report, last } = fuzz(['--api', '--count', '400', '--seed', '1']);
    expect(last).toBe('fuzz: modules 400 calls 9600 divergences 0 poison 0 crashes 0');
    // Some sequences meet a known divergence (a Table.set order V8 gets wrong, wasm-rt's store
    // gaps), not all.
    expect(report.known).toBeGreaterThan(0);
    expect(report.known).toBeLessThan(200);
    expect([r.status, report.mode, report.findings]).toEqual([0, 'api', []]);
  }, 120_000);

  it('--limits: calls that run out of fuel or time end with the limit error, on every path', () => {
    const { r, report, last } = fuzz(['--limits', '--count', '150', '--seed', '1']);
    expect(last).toMatch(/^fuzz: modules 150 calls \d+ divergences 0 poison 0 crashes 0$/);
    expect(report.stopped).toBeGreaterThan(0);
    expect(r.stdout).toMatch(new RegExp(`; ${report.stopped} calls stopped by their limit`));
    expect([r.status, report.mode, report.findings]).toEqual([0, 'limits', []]);
  }, 120_000);

  it('--mutate: damaged modules get the same verdicts on both engines, known divergences apart', () => {
    const json = path.join(os.tmpdir(), `wasm-rt-fuzz-mutate-${process.pid}.json`);
    const r = spawnSync(process.execPath, [BIN, 'fuzz', '--mutate', '--count', '3000', '--seed', '1', '--json', json], { encoding: 'utf8' });
    const report = JSON.parse(fs.readFileSync(json, 'utf8'));
    fs.rmSync(json, { force: true });
    expect(r.stdout.trim().split('\n').pop()).toBe('fuzz: modules 3000 calls 0 divergences 0 poison 0 crashes 0');
    expect([r.status, report.mutate, report.findings]).toEqual([0, true, []]);
  }, 120_000);
});
