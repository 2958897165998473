// Choosing wasmer's compiler: wasm-rt's own addition beside the JS API (index.js, lib/compiler.js).
//   compileSync(bytes, { compiler }) -> WebAssembly.Module, compile(...) -> Promise of one;
//   WASM_RT_COMPILER sets the compiler of everything the JS API compiles.
// Not part of the spec, so these run on wasm-rt only.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { expectThrow } from './helpers/assert.mjs';
import { wat } from './helpers/wat.mjs';

const require = createRequire(import.meta.url);
const rt = require('../index.js');
const { WebAssembly: W } = rt;

const ADD = wat('(module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))');
const THROWS = wat('(module (tag $t) (func (export "f") (throw $t)))');

describe('compiler choice', () => {
  it('lists the compilers built in, tiered by default', () => {
    expect(rt.defaultCompiler).toBe('tiered');
    expect(rt.compilers).toEqual(['cranelift', 'singlepass']);
    expect(Object.isFrozen(rt.compilers)).toBe(true);
  });

  it.each(['cranelift', 'singlepass'])('compileSync with %s gives a WebAssembly.Module that instantiates', (compiler) => {
    const module = rt.compileSync(ADD, { compiler });
    expect(module).toBeInstanceOf(W.Module);
    expect(W.Module.exports(module)).toEqual([{ name: 'add', kind: 'function' }]);
    expect(new W.Instance(module).exports.add(40, 2)).toBe(42);
  });

  it.each(['cranelift', 'singlepass'])('compile with %s resolves to a WebAssembly.Module', async (compiler) => {
    const module = await rt.compile(ADD, { compiler });
    expect(module).toBeInstanceOf(W.Module);
    const instance = await W.instantiate(module);
    expect(instance.exports.add(1, 2)).toBe(3);
  });

  it('without options, or without a compiler member, uses the default', () => {
    expect(new W.Instance(rt.compileSync(ADD)).exports.add(2, 2)).toBe(4);
    expect(new W.Instance(rt.compileSync(ADD, {})).exports.add(2, 3)).toBe(5);
  });

  it('an unknown compiler or non-object options are a TypeError; a bad module a CompileError', async () => {
    expectThrow(() => rt.compileSync(ADD, { compiler: 'llvm' }), TypeError);
    expectThrow(() => rt.compileSync(ADD, 'singlepass'), TypeError);
    expectThrow(() => rt.compileSync(new Uint8Array([0, 97, 115, 109, 2, 0, 0, 0])), W.CompileError);
    await expect(rt.compile(ADD, { compiler: 'llvm' })).rejects.toBeInstanceOf(TypeError);
    await expect(rt.compile(new Uint8Array(3), { compiler: 'singlepass' })).rejects.toBeInstanceOf(W.CompileError);
  });

  it('a feature the chosen compiler lacks is a CompileError naming it', () => {
    expect(rt.compileSync(THROWS, { compiler: 'cranelift' })).toBeInstanceOf(W.Module);
    const e = expectThrow(() => rt.compileSync(THROWS, { compiler: 'singlepass' }), W.CompileError);
    expect(e.message).toMatch(/exceptions/);
  });

  // wasmer 7.4.2's singlepass asserts while compiling the trampoline of an import with several
  // results (machine_x64.rs), and the panic would leave its engine unusable for every later
  // compile; wasm-rt refuses such a module before compiling it.
  it('singlepass refuses an import with several results with a CompileError, and keeps working', () => {
    const bytes = wat('(module (import "m" "f" (func $f (result i32 i64))) (func (export "g") (result i32 i64) (call $f)))');
    const e = expectThrow(() => rt.compileSync(bytes, { compiler: 'singlepass' }), W.CompileError);
    expect(e.message).toMatch(/singlepass .* cannot compile the import "m"\."f", which returns several values/);
    expect(new W.Instance(rt.compileSync(ADD, { compiler: 'singlepass' })).exports.add(2, 2)).toBe(4);
    const module = rt.compileSync(bytes, { compiler: 'cranelift' });
    expect(new W.Instance(module, { m: { f: () => [1, 2n] } }).exports.g()).toEqual([1, 2n]);
  });

  // wasmer 7.4.2's cranelift panics on some valid modules (conformance/known-divergences.md: boundary
  // seed 119, generated here by the same wasm-smith version). A compile of wasm-rt's own; in a
  // child process, since the engine is renewed after the panic.
  it('a module cranelift panics on is a CompileError; modules compiled before and after still run and trap', () => {
    const script = `const { WebAssembly: W, wat } = require(${JSON.stringify(require.resolve('../index.js'))});
      const native = require(${JSON.stringify(require.resolve('../lib/native.js'))});
      const div = (n) => new W.Instance(new W.Module(wat('(module (func (export "d") (param i32) (result i32) (i32.div_s (i32.const ' + n + ') (local.get 0))))'))).exports.d;
      const before = div(8);
      let error = '';
      try { new W.Module(native.fuzzModule(119, { imports: true, exceptions: true })[0]); } catch (e) { error = e.constructor.name + ': ' + /compiler panicked/.test(e.message); }
      const after = div(9);
      const trap = (f) => { try { f(0); return 'no trap'; } catch (e) { return e.constructor.name; } };
      console.log([error, before(2), after(3), trap(before), trap(after)].join(' '));`;
    const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, WASM_RT_CACHE: 'off' } });
    expect(out.trim()).toBe('CompileError: true 4 3 RuntimeError RuntimeError');
  });

  it('WASM_RT_COMPILER sets the compiler of the JS API, and rejects an unknown name', () => {
    const script = `const rt = require(${JSON.stringify(require.resolve('../index.js'))});
      const bytes = new Uint8Array(${JSON.stringify([...THROWS])});
      let failed = '';
      try { new rt.WebAssembly.Module(bytes); } catch (e) { failed = e.constructor.name; }
      console.log(rt.defaultCompiler, failed, rt.WebAssembly.validate(bytes));`;
    const run = (value) =>
      execFileSync(process.execPath, ['-e', script], { env: { ...process.env, WASM_RT_COMPILER: value }, encoding: 'utf8', stdio: 'pipe' }).trim();
    expect(run('singlepass')).toBe('singlepass CompileError false');
    expect(run('cranelift')).toBe('cranelift  true');
    expect(() => run('llvm')).toThrow(/unknown compiler 'llvm'/);
  });
});

// wasmer 7.4.2's singlepass reads a float result of a typed host function wrongly, and passes
// float arguments to an imported wasm function wrongly when an integer parameter follows one or
// when there are more than eight (found by `wasm-rt wast --engines v8,wasm-rt:singlepass`):
// wasm-rt links such imports another way. Every call path of an import, on each compiler.
describe.each(['cranelift', 'singlepass'])('imports of number signatures called from %s code', (compiler) => {
  const TYPES = ['i32', 'i64', 'f32', 'f64'];
  const value = (t, i) => ({ i32: -3 - i, i64: BigInt(1 + i) << 40n, f32: 0.5 + i, f64: 1.25 + i * 1000 })[t];
  const constant = (t, v) => `(${t}.const ${v})`;
  const signatures = [];
  for (const r of [null, ...TYPES]) {
    for (const a of TYPES) for (const b of TYPES) signatures.push([[a, b], r]);
    signatures.push([['f64', 'i32', 'f64'], r], [['i64', 'f32', 'f64', 'i32', 'i32'], r], [Array(9).fill('f64'), r], [[], r]);
  }
  const compile = (text) => rt.compileSync(wat(text), { compiler });
  const caller = (params, r) =>
    compile(`(module (import "m" "f" (func $f (param ${params.join(' ')}) ${r ? `(result ${r})` : ''}))
      (func (export "go") ${r ? `(result ${r})` : ''} (call $f ${params.map((t, i) => constant(t, value(t, i))).join(' ')}))
      (export "f" (func $f)))`);

  it(`a JS function gets every argument and returns its result (${signatures.length} signatures)`, () => {
    for (const [params, r] of signatures) {
      let seen;
      const result = r && value(r, 7);
      const e = new W.Instance(caller(params, r), { m: { f: (...a) => ((seen = a), result) } }).exports;
      const sig = `(${params.join(' ')}) -> ${r}`;
      expect(e.go(), sig).toBe(r ? result : undefined);
      expect(seen, sig).toEqual(params.map(value));
    }
  });

  it('a wasm function of another instance gets every argument and returns its result', () => {
    for (const [params, r] of signatures) {
      if (!r) continue;
      // The callee returns its arguments' sum with distinct weights, as the caller's result type.
      const sum = params.map((t, i) => `(f64.mul (f64.const ${i + 1}) ${t === 'f64' ? `(local.get ${i})` : t === 'f32' ? `(f64.promote_f32 (local.get ${i}))` : `(f64.convert_${t}_s (local.get ${i}))`})`).reduce((x, y) => `(f64.add ${x} ${y})`, '(f64.const 0)');
      const back = { i32: `(i32.trunc_sat_f64_s ${sum})`, i64: `(i64.trunc_sat_f64_s ${sum})`, f32: `(f32.demote_f64 ${sum})`, f64: sum }[r];
      const callee = new W.Instance(compile(`(module (func (export "f") (param ${params.join(' ')}) (result ${r}) ${back}))`)).exports;
      const viaJs = callee.f(...params.map(value));
      const e = new W.Instance(caller(params, r), { m: { f: callee.f } }).exports;
      expect(e.go(), `(${params.join(' ')}) -> ${r}`).toBe(viaJs);
      expect(e.f).toBe(callee.f);
    }
  });

  it('a wasm function of another instance keeps a NaN\'s bits, and its trap, whatever the signature', () => {
    const copysign = new W.Instance(compile('(module (func (export "f") (param f32 f32) (result f32) (f32.copysign (local.get 0) (local.get 1))))')).exports;
    const e = new W.Instance(compile(`(module (import "m" "f" (func $f (param f32 f32) (result f32)))
      (func (export "go") (result i32) (i32.reinterpret_f32 (call $f (f32.const 0) (f32.const -nan)))))`), { m: { f: copysign.f } }).exports;
    expect(e.go() >>> 0).toBe(0x80000000);
    // (f32 f32 i32): an integer after floats, which singlepass calls through a forwarder.
    const select = new W.Instance(compile(`(module (func (export "f") (param f32 f32 i32) (result f32)
      (if (i32.eq (local.get 2) (i32.const 9)) (then (unreachable))) (select (local.get 0) (local.get 1) (local.get 2))))`)).exports;
    const s = new W.Instance(compile(`(module (import "m" "f" (func $f (param f32 f32 i32) (result f32)))
      (func (export "go") (result i32) (i32.reinterpret_f32 (call $f (f32.const nan:0x20304) (f32.const 1) (i32.const 1))))
      (func (export "trap") (result f32) (call $f (f32.const 1) (f32.const 2) (i32.const 9))))`), { m: { f: select.f } }).exports;
    expect(s.go() >>> 0).toBe(0x7f820304);
    expectThrow(() => s.trap(), W.RuntimeError, "unreachable");
  });
});
