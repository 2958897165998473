// JS String Builtins (JS API, WebAssemblyCompileOptions): `builtins: ['js-string']` supplies
// the imports of "wasm:js-string" (type-checked at compile time, left out of Module.imports);
// `importedStringConstants: 'm'` makes each global import of module "m" a string constant holding
// its import name. What each Node's V8 implements is measured below.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { engines, specDeviation } from './helpers/engines.mjs';
import { expectThrow, thrown } from './helpers/assert.mjs';

const require = createRequire(import.meta.url);
// The wat crate (wasm-rt's) reads every text here; the bytes are the same for both engines.
const { wat } = require('../index.js');

const BUILTINS = `(module
  (import "wasm:js-string" "test" (func $test (param externref) (result i32)))
  (import "wasm:js-string" "cast" (func $cast (param externref) (result (ref extern))))
  (import "wasm:js-string" "fromCharCode" (func $fromCharCode (param i32) (result (ref extern))))
  (import "wasm:js-string" "fromCodePoint" (func $fromCodePoint (param i32) (result (ref extern))))
  (import "wasm:js-string" "charCodeAt" (func $charCodeAt (param externref i32) (result i32)))
  (import "wasm:js-string" "codePointAt" (func $codePointAt (param externref i32) (result i32)))
  (import "wasm:js-string" "length" (func $length (param externref) (result i32)))
  (import "wasm:js-string" "concat" (func $concat (param externref externref) (result (ref extern))))
  (import "wasm:js-string" "substring" (func $substring (param externref i32 i32) (result (ref extern))))
  (import "wasm:js-string" "equals" (func $equals (param externref externref) (result i32)))
  (import "wasm:js-string" "compare" (func $compare (param externref externref) (result i32)))
  (func (export "test") (param externref) (result i32) (call $test (local.get 0)))
  (func (export "cast") (param externref) (result externref) (call $cast (local.get 0)))
  (func (export "fromCharCode") (param i32) (result externref) (call $fromCharCode (local.get 0)))
  (func (export "fromCodePoint") (param i32) (result externref) (call $fromCodePoint (local.get 0)))
  (func (export "charCodeAt") (param externref i32) (result i32) (call $charCodeAt (local.get 0) (local.get 1)))
  (func (export "codePointAt") (param externref i32) (result i32) (call $codePointAt (local.get 0) (local.get 1)))
  (func (export "length") (param externref) (result i32) (call $length (local.get 0)))
  (func (export "concat") (param externref externref) (result externref) (call $concat (local.get 0) (local.get 1)))
  (func (export "substring") (param externref i32 i32) (result externref) (call $substring (local.get 0) (local.get 1) (local.get 2)))
  (func (export "equals") (param externref externref) (result i32) (call $equals (local.get 0) (local.get 1)))
  (func (export "compare") (param externref externref) (result i32) (call $compare (local.get 0) (local.get 1))))`;

describe.each(engines)('$name', ({ name: engine, WebAssembly: W }) => {
  // Measured on the V8 of Node 20, 22, 24 and 26: V8 11.3 implements none of it; 12.4 the
  // builtins; 13.6 on also the string constants and the options on every API form.
  const v8Lacks = specDeviation('v8', 'V8 11.3 does not implement JS String Builtins', { v8: '<12.4' });
  const v8LacksConstants = specDeviation('v8', 'V8 12.4 and older do not implement them on every API form', { v8: '<13.6' });
  const v8Global = specDeviation('v8', 'V8 lacks the builtins (11.3) or takes a builtin imported as a global (12.4 on)');
  const v8Options = specDeviation('v8', 'V8 ignores the options (11.3), or reads them otherwise and allows a repeated set name (12.4 on)');
  const builtins = () => new W.Instance(new W.Module(wat(BUILTINS), { builtins: ['js-string'] })).exports;

  v8Lacks(engine, 'each builtin computes what the proposal defines', () => {
    const b = builtins();
    expect([b.test('a'), b.test(null), b.test(1), b.test(new String('a'))]).toEqual([1, 0, 0, 0]);
    expect(b.cast('x')).toBe('x');
    expect([b.fromCharCode(0x41), b.fromCharCode(0x10041), b.fromCodePoint(0x1f600)]).toEqual(['A', 'A', '\u{1f600}']);
    expect([b.charCodeAt('\u{1f600}', 0), b.codePointAt('\u{1f600}', 0), b.codePointAt('\u{1f600}', 1)]).toEqual([0xd83d, 0x1f600, 0xde00]);
    expect([b.length(''), b.length('\u{1f600}x')]).toEqual([0, 3]);
    expect(b.concat('ab', 'cd')).toBe('abcd');
    // An end past the length is clamped (String.prototype.substring); a start past it, or past the
    // end, gives ''; indices are unsigned (-1 is 2^32 - 1).
    expect([b.substring('hello', 1, 3), b.substring('hello', 3, 1), b.substring('hello', 0, 9), b.substring('hello', 6, 9), b.substring('hello', -1, 2)]).toEqual(['el', '', 'hello', '', '']);
    expect([b.equals('a', 'a'), b.equals('a', 'b'), b.equals(null, null), b.equals(null, 'a')]).toEqual([1, 0, 1, 0]);
    expect([b.compare('a', 'b'), b.compare('b', 'a'), b.compare('a', 'a'), b.compare('\u{ff61}', '\u{1f600}')]).toEqual([-1, 1, 0, 1]);
  });

  v8Lacks(engine, 'a builtin given a non-string, or an index out of range, traps (RuntimeError)', () => {
    const b = builtins();
    for (const f of [() => b.cast(1), () => b.length(null), () => b.concat('a', {}), () => b.charCodeAt('ab', 2), () => b.codePointAt('', 0),
      () => b.fromCodePoint(0x110000), () => b.equals('a', 1), () => b.compare(null, 'a'), () => b.substring(2, 0, 0)]) {
      expectThrow(f, W.RuntimeError);
    }
  });

  v8Lacks(engine, 'builtin imports need no import object and are not in Module.imports', () => {
    const m = new W.Module(wat(BUILTINS), { builtins: ['js-string'] });
    expect(W.Module.imports(m)).toEqual([]);
    expect(new W.Instance(m).exports.length('four')).toBe(4);
  });

  v8Global(engine, 'an import of a builtin with the wrong type is a CompileError (and validate is false)', () => {
    const bytes = wat('(module (import "wasm:js-string" "length" (func (param externref) (result i64))))');
    expectThrow(() => new W.Module(bytes, { builtins: ['js-string'] }), W.CompileError);
    expect(W.validate(bytes, { builtins: ['js-string'] })).toBe(false);
    expect(W.validate(bytes)).toBe(true);
    // Exactly the builtin's type: not even a supertype of its result.
    const wider = wat('(module (import "wasm:js-string" "cast" (func (param externref) (result externref))))');
    expectThrow(() => new W.Module(wider, { builtins: ['js-string'] }), W.CompileError);
    const global = wat('(module (import "wasm:js-string" "cast" (global externref)))');
    expectThrow(() => new W.Module(global, { builtins: ['js-string'] }), W.CompileError);
  });

  it('without the option, "wasm:js-string" imports are ordinary imports', () => {
    const m = new W.Module(wat('(module (import "wasm:js-string" "length" (func (param externref) (result i32))))'));
    expect(W.Module.imports(m)).toEqual([{ module: 'wasm:js-string', name: 'length', kind: 'function' }]);
    expectThrow(() => new W.Instance(m), TypeError);
  });

  v8LacksConstants(engine, 'imported string constants: immutable externref globals holding their import names', async () => {
    const text = '(module (global (export "g") (import "\'" "hello, world") externref) (global (export "h") (import "\'" "\u{1f600}") externref))';
    const m = new W.Module(wat(text), { importedStringConstants: "'" });
    expect(W.Module.imports(m)).toEqual([]);
    const { g, h } = new W.Instance(m).exports;
    expect([g.value, h.value]).toEqual(['hello, world', '\u{1f600}']);
    const { instance } = await W.instantiate(wat(text), undefined, { importedStringConstants: "'" });
    expect(instance.exports.g.value).toBe('hello, world');
    for (const bad of ['(global (mut externref))', '(global funcref)', '(func)']) {
      expectThrow(() => new W.Module(wat(`(module (import "'" "x" ${bad}))`), { importedStringConstants: "'" }), W.CompileError);
    }
  });

  v8LacksConstants(engine, 'compile, instantiate and the streaming forms take the options too', async () => {
    const bytes = wat(BUILTINS);
    const options = { builtins: ['js-string'] };
    const m = await W.compile(bytes, options);
    expect(W.Module.imports(m)).toEqual([]);
    const { instance } = await W.instantiate(bytes, {}, options);
    expect(instance.exports.concat('a', 'b')).toBe('ab');
    const response = () => new Response(bytes, { headers: { 'Content-Type': 'application/wasm' } });
    expect(W.Module.imports(await W.compileStreaming(response(), options))).toEqual([]);
    expect((await W.instantiateStreaming(response(), {}, options)).instance.exports.length('xyz')).toBe(3);
    await expect(W.compile(wat('(module (import "wasm:js-string" "test" (func)))'), options)).rejects.toBeInstanceOf(W.CompileError);
  });

  // WebIDL: WebAssemblyCompileOptions is a dictionary, its members read in lexicographic order.
  v8Options(engine, 'the options are a WebIDL dictionary', () => {
    const bytes = wat('(module)');
    expectThrow(() => new W.Module(bytes, 1), TypeError);
    expectThrow(() => new W.Module(bytes, { builtins: 1 }), TypeError);
    const read = [];
    new W.Module(bytes, {
      get importedStringConstants() {
        read.push('importedStringConstants');
        return undefined;
      },
      get builtins() {
        read.push('builtins');
        return [];
      },
    });
    expect(read).toEqual(['builtins', 'importedStringConstants']);
    expect(W.Module.length).toBe(1);
  });

  v8Options(engine, 'a repeated builtin set name is a CompileError; an unknown one is ignored', () => {
    const bytes = wat('(module)');
    expectThrow(() => new W.Module(bytes, { builtins: ['js-string', 'js-string'] }), W.CompileError);
    expect(W.Module.exports(new W.Module(bytes, { builtins: ['no-such-set'] }))).toEqual([]);
  });

  // wasm-rt only: V8 in Node 20 has neither the builtins nor try_table.
  if (engine === 'wasm-rt') {
    it('a builtin trap is not an exception: catch_all does not see it', () => {
      const { exports } = new W.Instance(
        new W.Module(
          wat(`(module (import "wasm:js-string" "cast" (func $cast (param externref) (result (ref extern)))) (tag)
            (func (export "run") (param externref) (result i32)
              (block $h (try_table (catch_all $h) (drop (call $cast (local.get 0)))) (return (i32.const 0))) (i32.const 1)))`),
          { builtins: ['js-string'] },
        ),
      );
      expect(exports.run('s')).toBe(0);
      expect(thrown(() => exports.run(7))).toBeInstanceOf(W.RuntimeError);
    });
  }
});
