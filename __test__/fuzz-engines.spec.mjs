// `wasm-rt fuzz --engines`: each engine in a child of its own, cases compared step by step,
// the proposals generated limited to what every engine validates, a crashing engine recorded.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from './helpers/wasi.mjs';

const require = createRequire(import.meta.url);
const { differingSteps, isKnown } = require('../lib/cli/fuzz-engines.js');
const { trapKind } = require('../lib/outcomes.js');
const { reexportedImports } = require('../lib/cli/fuzz-cases.js');
const { wat } = require('../index.js');

const specs = { v8: { kind: 'v8' }, 'node@26': { kind: 'v8' }, 'wasm-rt': { kind: 'wasm-rt' }, bun: { kind: 'jsc' } };

describe('comparing engines step by step', () => {
  it('finds the step where engines differ and the engine alone against the others', () => {
    const names = ['v8', 'node@26', 'wasm-rt'];
    const runs = [
      [{ step: 'call 0 f', value: 1 }, { step: 'call 1 f', trap: 'unreachable' }],
      [{ step: 'call 0 f', value: 1 }, { step: 'call 1 f', trap: 'unreachable' }],
      [{ step: 'call 0 f', value: 1 }, { step: 'call 1 f', value: 2 }],
    ];
    expect(differingSteps(names, runs)).toEqual([{ step: 'call 1 f', alone: 'wasm-rt', outcomes: { v8: runs[0][1], 'node@26': runs[1][1], 'wasm-rt': runs[2][1] } }]);
    // Three different answers: no engine stands alone.
    runs[1][1] = { step: 'call 1 f', value: 3 };
    expect(differingSteps(names, runs)[0].alone).toBeNull();
    // Two engines: a difference, nobody alone.
    expect(differingSteps(['v8', 'wasm-rt'], [runs[0], runs[2]])).toMatchObject([{ step: 'call 1 f', alone: null }]);
  });

  it('does not compare what the spec leaves to engines: wording, and wasmer merging two trap kinds', () => {
    const names = ['v8', 'node@26', 'wasm-rt'];
    const runs = [
      [{ step: 'compile', error: 'TypeError', detail: 'V8 words it so' }, { step: 'call 0 f', trap: 'integer overflow' }],
      [{ step: 'compile', error: 'TypeError', detail: 'V8 14 words it otherwise' }, { step: 'call 0 f', trap: 'integer overflow' }],
      [{ step: 'compile', error: 'TypeError', detail: 'wasm-rt: another' }, { step: 'call 0 f', trap: 'integer overflow or invalid conversion' }],
    ];
    expect(differingSteps(names, runs)).toEqual([]);
  });

  it("takes JavaScriptCore's words for a trap as the trap they name", () => {
    expect(trapKind('Out of bounds Trunc operation')).toBe('invalid conversion');
    expect(trapKind('Out of bounds call_indirect')).toBe('table out of bounds');
    expect(trapKind('call_indirect to a signature that does not match')).toBe('indirect call');
    expect(trapKind('Invalid data segment initialization: segment of 6 bytes memory of 0 bytes, at offset 4211138686, segment is too big')).toBe('memory out of bounds');
    expect(trapKind('something else')).toBe('other: something else');
  });

  it("knows another engine's listed bug only where that engine stands alone", () => {
    const v128 = { step: 'state after the calls', state: { g: { trap: 'other: Cannot get value of v128 global' } } };
    const typeError = { step: 'state after the calls', state: { g: { error: 'TypeError' } } };
    expect(isKnown({ step: v128.step, alone: 'bun', outcomes: { v8: typeError, 'node@26': typeError, bun: v128 } }, specs, 'plain')).toBe(true);
    expect(isKnown({ step: v128.step, alone: 'v8', outcomes: { v8: v128, 'node@26': typeError, bun: typeError } }, specs, 'plain')).toBe(false);
    expect(isKnown({ step: 'call 0 f', alone: 'bun', outcomes: { v8: { value: 1 }, 'node@26': { value: 1 }, bun: { value: 2 } } }, specs, 'plain')).toBe(false);
  });

  it('finds the exports that are imported functions, past imports of every other kind', () => {
    const bytes = wat(`(module
      (import "m" "f" (func $f)) (import "m" "g" (global i32)) (import "m" "t" (table 2 8 externref))
      (import "m" "mem" (memory 1 4)) (import "m" "e" (tag (param i32))) (import "m" "h" (func $h (param i32)))
      (func $own) (export "f" (func $f)) (export "h2" (func $h)) (export "own" (func $own)) (export "mem" (memory 0)) (export "g" (global 0)))`);
    expect([...reexportedImports(bytes)]).toEqual(['f', 'h2']);
    expect(reexportedImports(wat('(module (func (export "x")))')).size).toBe(0);
  });

  it('counts a step one engine did not reach as a difference', () => {
    const runs = [[{ step: 'state', state: {} }], [{ step: 'state', state: {} }], []];
    expect(differingSteps(['v8', 'node@26', 'bun'], runs)).toMatchObject([{ step: 'state', alone: 'bun' }]);
  });

  it('knows a proposal one engine lacks from the words of its refusal, and nothing else', () => {
    const ok = { compile: 'ok', validate: 'ok', instantiate: 'ok', message: '' };
    const gap = (message) => ({ validate: 'CompileError', compile: 'CompileError', instantiate: 'not compiled', message });
    const d = (outcomes, alone = null) => ({ step: 'verdicts of damaged bytes', alone, outcomes });
    expect(isKnown(d({ v8: gap("invalid value type 'eqref', enable with --experimental-wasm-gc"), 'node@26': ok, 'wasm-rt': gap('wasm-rt: the reference type eqref is not supported (wasmer 7.4.2)') }), specs, 'mutate')).toBe(true);
    // Refused for another reason: a divergence to look at.
    expect(isKnown(d({ v8: gap('expected 3 bytes'), 'node@26': ok, 'wasm-rt': gap('wasm-rt: the reference type eqref is not supported (wasmer 7.4.2)') }), specs, 'mutate')).toBe(false);
    // JavaScriptCore alone compiling what all others refuse: its known validation bug; V8 alone doing so is not known.
    expect(isKnown(d({ v8: gap('expected type i64, found global.get of type v128'), 'node@26': gap('expected type i64'), bun: ok }, 'bun'), specs, 'mutate')).toBe(true);
    expect(isKnown(d({ v8: ok, 'node@26': gap('expected type i64'), bun: gap('type mismatch') }, 'v8'), specs, 'mutate')).toBe(false);
    // Every engine refusing is no difference the rule explains.
    expect(isKnown(d({ v8: gap('enable with --experimental-wasm-gc'), 'wasm-rt': gap('memory64 must be enabled') }), specs, 'mutate')).toBe(false);
    // A boundary case: wasm-rt engines with a gap they name, against the others' agreement, are
    // known (whichever stands alone); V8 with such words never is.
    const refused = { error: 'TypeError', detail: 'wasm-rt: this function cannot be a funcref value here' };
    const rtSpecs = { ...specs, 'wasm-rt:singlepass': { kind: 'wasm-rt' } };
    expect(isKnown(d({ v8: { value: 1 }, 'node@26': { value: 1 }, 'wasm-rt': refused }, 'wasm-rt'), specs, 'boundary')).toBe(true);
    expect(isKnown(d({ v8: { value: 1 }, 'wasm-rt': refused, 'wasm-rt:singlepass': refused }, 'v8'), rtSpecs, 'boundary')).toBe(true);
    expect(isKnown(d({ v8: refused, 'node@26': { value: 1 }, 'wasm-rt': { value: 1 } }, 'v8'), specs, 'boundary')).toBe(false);
    // The other engines disagreeing among themselves, or wasm-rt failing in other words: to look at.
    expect(isKnown(d({ v8: { value: 1 }, 'node@26': { value: 2 }, 'wasm-rt': refused }), specs, 'boundary')).toBe(false);
    expect(isKnown(d({ v8: { value: 1 }, 'node@26': { value: 1 }, 'wasm-rt': { trap: 'unreachable' } }, 'wasm-rt'), specs, 'boundary')).toBe(false);
    // Two compilers of wasm-rt and nothing else: no engine to take as right.
    expect(isKnown(d({ 'wasm-rt': refused, 'wasm-rt:singlepass': { value: 1 } }), rtSpecs, 'boundary')).toBe(false);
  });
});

describe('wasm-rt fuzz --engines', () => {
  const fuzz = (args, env = process.env) => {
    const json = path.join(os.tmpdir(), `wasm-rt-fuzz-engines-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
    const r = spawnSync(process.execPath, [BIN, 'fuzz', ...args, '--json', json], { encoding: 'utf8', env, timeout: 300_000 });
    const report = fs.existsSync(json) ? JSON.parse(fs.readFileSync(json, 'utf8')) : null;
    fs.rmSync(json, { force: true });
    return { r, report, lines: r.stdout.trim().split('\n') };
  };

  it('runs three engines, each in its own process, on modules of the proposals they share', () => {
    const { r, report, lines } = fuzz(['--engines', 'v8,wasm-rt,wasm-rt:singlepass', '--count', '60', '--seed', '3']);
    expect(r.status, r.stderr).toBe(0);
    expect(lines.at(-1)).toMatch(/^fuzz: engines v8,wasm-rt,wasm-rt:singlepass modules 60 calls [1-9]\d* divergences 0 poison \d+ crashes 0$/);
    expect(report.engines).toEqual(['v8', 'wasm-rt', 'wasm-rt:singlepass']);
    // wasmer has no tail calls: the probe finds it, and generated modules leave them out.
    expect(report.features.tailCall).toBe(false);
    expect(lines[0]).toMatch(/not .*tailCall \(wasm-rt, wasm-rt:singlepass lack it\)/);
  });

  it('damaged bytes on three engines, in every mode it takes', () => {
    const { r, lines } = fuzz(['--mutate', '--engines', 'v8,wasm-rt,wasm-rt:cranelift', '--count', '300', '--seed', '1']);
    expect(r.status, r.stderr).toBe(0);
    expect(lines.at(-1)).toBe('fuzz: engines v8,wasm-rt,wasm-rt:cranelift modules 300 calls 0 divergences 0 poison 0 crashes 0');
    expect(fuzz(['--plain', '--engines', 'v8,wasm-rt', '--count', '40', '--seed', '1']).r.status).toBe(0);
    const api = fuzz(['--api', '--engines', 'v8,wasm-rt', '--count', '1']);
    expect(api.r.status).toBe(2);
    expect(api.r.stderr).toContain('--engines goes with the default cases, --plain and --mutate');
  });

  it('records an engine whose process dies as a crash of that engine, and goes on with a new process', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-fuzz-crash-'));
    // Only singlepass's child dies, on its third case.
    const hook = path.join(dir, 'crash.cjs');
    fs.writeFileSync(hook, "let n = 0; if (process.env.WASM_RT_COMPILER === 'singlepass') process.on('message', () => { if (++n === 3) process.kill(process.pid, 'SIGKILL'); });\n");
    try {
      const { r, report, lines } = fuzz(['--engines', 'v8,wasm-rt:singlepass', '--plain', '--count', '20', '--seed', '5'], { ...process.env, NODE_OPTIONS: `--require ${hook}` });
      expect(r.status).toBe(1);
      expect(report.crashes).toBeGreaterThanOrEqual(1);
      expect(report.findings[0].kind).toBe('crash (wasm-rt:singlepass: SIGKILL)');
      // The run went on after the crash, in a new child.
      expect(report.modules).toBe(20);
      expect(lines.at(-1)).toMatch(/^fuzz: engines v8,wasm-rt:singlepass modules 20 /);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
