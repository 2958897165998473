// WebAssembly.Memory, Table, Global, Tag and Exception, and linking them between instances.
//
// JS API §5.3–5.5 and the exception-handling JS API:
//   Memory({initial, maximum, shared, address}): `buffer` is an ArrayBuffer over the memory
//   itself, the same object until the memory grows (from JS or from wasm), then detached;
//   grow(delta) returns the old size in pages, RangeError past the maximum.
//   Table({element, initial, maximum}, value): length/get/set/grow; funcref elements are null or
//   exported wasm functions (TypeError otherwise); externref holds any JS value unchanged.
//   Global({value, mutable}, v): value getter/setter, valueOf; TypeError setting an immutable one.
//   Tag({parameters}), Exception(tag, payload, options): getArg, is; a wasm exception that
//   escapes to JS is a WebAssembly.Exception; JS exceptions pass through wasm unchanged.
//   Identity: the same memory/table/global/tag is always the same JS object.
import { beforeEach, describe, expect, it } from 'vitest';
import { engines, specDeviation } from './helpers/engines.mjs';
import { expectThrow, thrown } from './helpers/assert.mjs';
import { wat } from './helpers/wat.mjs';

describe.each(engines)('$name', ({ name: engine, WebAssembly }) => {
  let W;
  beforeEach(() => {
    W = WebAssembly;
  });
  const instantiate = (text, imports) => new W.Instance(new W.Module(wat(text)), imports);

  describe('Memory', () => {
    it('buffer is the memory itself: writes from JS are seen by wasm and back', () => {
      const memory = new W.Memory({ initial: 1 });
      const { exports } = instantiate(
        `(module (import "m" "mem" (memory 1))
          (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
          (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1))))`,
        { m: { mem: memory } },
      );
      new Uint8Array(memory.buffer)[100] = 7;
      expect(exports.load(100)).toBe(7);
      exports.store(65535, 9);
      expect(new Uint8Array(memory.buffer)[65535]).toBe(9);
    });

    it('buffer is the same object until a grow from JS, which detaches it', () => {
      const memory = new W.Memory({ initial: 1, maximum: 3 });
      const before = memory.buffer;
      expect(memory.buffer).toBe(before);
      expect(memory.grow(1)).toBe(1);
      expect(before.byteLength).toBe(0);
      expect(memory.buffer).not.toBe(before);
      expect(memory.buffer.byteLength).toBe(2 * 65536);
      expect(memory.grow(0)).toBe(2);
    });

    it('memory.grow inside wasm detaches the old buffer once control is back in JS', () => {
      const { exports } = instantiate(
        '(module (memory (export "mem") 1) (func (export "grow") (result i32) (memory.grow (i32.const 2))))',
      );
      const before = exports.mem.buffer;
      expect(exports.grow()).toBe(1);
      expect(before.byteLength).toBe(0);
      expect(exports.mem.buffer.byteLength).toBe(3 * 65536);
    });

    it('grow past the maximum is a RangeError and leaves the memory as it was', () => {
      const memory = new W.Memory({ initial: 1, maximum: 2 });
      expectThrow(() => memory.grow(2), RangeError);
      expect(memory.buffer.byteLength).toBe(65536);
    });

    it('descriptor conversions: [EnforceRange], required initial, initial > maximum', () => {
      expectThrow(() => new W.Memory({}), TypeError);
      expectThrow(() => new W.Memory({ initial: -1 }), TypeError);
      expectThrow(() => new W.Memory({ initial: NaN }), TypeError);
      expectThrow(() => new W.Memory({ initial: 2 ** 32 }), TypeError);
      expectThrow(() => new W.Memory({ initial: 2, maximum: 1 }), RangeError);
      expectThrow(() => new W.Memory({ initial: 65537 }), RangeError);
      expect(new W.Memory({ initial: '2' }).buffer.byteLength).toBe(2 * 65536);
      expectThrow(() => W.Memory({ initial: 1 }), TypeError);
    });

    it('an exported memory is the same object on every instance that re-exports it', () => {
      const a = instantiate('(module (memory (export "mem") 1))').exports;
      const b = instantiate('(module (import "m" "mem" (memory 1)) (export "again" (memory 0)))', { m: { mem: a.mem } }).exports;
      expect(b.again).toBe(a.mem);
      expect(a.mem).toBeInstanceOf(W.Memory);
      const mine = new W.Memory({ initial: 1 });
      const c = instantiate('(module (import "m" "mem" (memory 1)) (export "again" (memory 0)))', { m: { mem: mine } }).exports;
      expect(c.again).toBe(mine);
    });

    // wasmer reserves 8 GiB of address space per memory, so about 16k can be alive at once: a
    // synchronous loop finishes only if dropped instances are freed while it runs.
    it('a synchronous loop of 20,000 instantiate-and-drop with a memory frees as it goes', () => {
      const module = new W.Module(wat('(module (memory (export "mem") 1) (data (i32.const 0) "\\2a"))'));
      let sum = 0;
      for (let i = 0; i < 20000; i++) sum += new Uint8Array(new W.Instance(module).exports.mem.buffer)[0];
      expect(sum).toBe(20000 * 42);
    }, 120_000);

    it('one JS memory shared by two unrelated instances', () => {
      const memory = new W.Memory({ initial: 1 });
      const text = `(module (import "m" "mem" (memory 1))
        (func (export "inc") (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))))`;
      const a = instantiate(text, { m: { mem: memory } }).exports;
      const b = instantiate(text, { m: { mem: memory } }).exports;
      a.inc();
      b.inc();
      a.inc();
      expect(new Int32Array(memory.buffer)[0]).toBe(3);
    });
  });

  describe('Table', () => {
    // JS API "Implementation-defined limits": a table holds at most 10,000,000 elements. WPT
    // (limits.any.js, "initial table size") has a module defining a bigger one compile and fail
    // to instantiate (RangeError); V8 13.6 on refuse it at compile, as the current spec text says.
    specDeviation('v8', 'V8 13.6 on refuse at compile a module defining a bigger table', { v8: '>=13.6' })(engine, 'the 10,000,000-element limit: constructor, grow, and a table a module defines', () => {
      expectThrow(() => new W.Table({ element: 'anyfunc', initial: 10000001 }), RangeError);
      const table = new W.Table({ element: 'anyfunc', initial: 1, maximum: 10000001 });
      expectThrow(() => table.grow(10000000), RangeError);
      expect(table.length).toBe(1);
      const module = new W.Module(wat('(module (table 10000001 funcref))'));
      expectThrow(() => new W.Instance(module), RangeError);
    });

    it('externref elements hold any JS value unchanged; default is undefined', () => {
      const table = new W.Table({ element: 'externref', initial: 2 });
      expect(table.get(0)).toBe(undefined);
      const o = {};
      table.set(1, o);
      expect(table.get(1)).toBe(o);
      expect(table.grow(2, 'x')).toBe(2);
      expect(table.length).toBe(4);
      expect(table.get(3)).toBe('x');
    });

    it('funcref elements: null or exported wasm functions; a plain JS function is a TypeError', () => {
      const { f } = instantiate('(module (func (export "f") (result i32) (i32.const 5)))').exports;
      const table = new W.Table({ element: 'anyfunc', initial: 2 });
      expect(table.get(0)).toBe(null);
      table.set(0, f);
      expect(table.get(0)).toBe(f);
      expectThrow(() => table.set(1, () => 1), TypeError);
      expectThrow(() => table.set(1, undefined), TypeError);
      expectThrow(() => table.get(2), RangeError);
    });

    it('a JS table linked into an instance: call_indirect sees what JS stored, JS sees what wasm stored', () => {
      const table = new W.Table({ element: 'anyfunc', initial: 2 });
      const { exports } = instantiate(
        `(module (import "m" "t" (table 2 funcref))
          (type $v (func (result i32)))
          (func $seven (result i32) (i32.const 7))
          (func (export "nine") (result i32) (i32.const 9))
          (elem (i32.const 1) func $seven)
          (func (export "call") (param i32) (result i32) (call_indirect (type $v) (local.get 0))))`,
        { m: { t: table } },
      );
      expect(table.get(1)()).toBe(7);
      table.set(0, exports.nine);
      expect(exports.call(0)).toBe(9);
    });

    // Found by `wasm-rt fuzz --api`: a table grown from JS, then linked, kept its first length
    // when it moved into the instance's store (a RangeError at instantiation).
    it.each(['anyfunc', 'externref'])('a %s table grown from JS links with its new length and elements', (element) => {
      const type = element === 'anyfunc' ? 'funcref' : 'externref';
      const table = new W.Table({ element, initial: 2, maximum: 16 });
      const value = element === 'anyfunc' ? null : 'grown';
      expect(table.grow(3, value)).toBe(2);
      const { exports } = instantiate(`(module (import "m" "t" (table 2 16 ${type})) (func (export "size") (result i32) (table.size 0)))`, { m: { t: table } });
      expect([exports.size(), table.length, table.get(4), table.get(2)]).toEqual([5, 5, value, value]);
    });

    it('grow past the maximum is a RangeError', () => {
      const table = new W.Table({ element: 'externref', initial: 1, maximum: 2 });
      expectThrow(() => table.grow(2), RangeError);
      expect(table.length).toBe(1);
    });
  });

  describe('Global', () => {
    it.each([
      ['i32', 2 ** 32 + 5, 5],
      ['i64', 2n ** 64n - 1n, -1n],
      ['f32', 0.1, Math.fround(0.1)],
      ['f64', 0.1, 0.1],
    ])('%s: value and valueOf after ToWebAssemblyValue', (type, v, expected) => {
      const g = new W.Global({ value: type, mutable: true }, v);
      expect(g.value).toBe(expected);
      expect(g.valueOf()).toBe(expected);
    });

    it('setting an immutable global is a TypeError', () => {
      const g = new W.Global({ value: 'i32' }, 1);
      expectThrow(() => {
        g.value = 2;
      }, TypeError);
      expect(g.value).toBe(1);
    });

    it('a mutable global is shared with wasm both ways', () => {
      const g = new W.Global({ value: 'i32', mutable: true }, 1);
      const { exports } = instantiate(
        `(module (import "m" "g" (global (mut i32)))
          (func (export "bump") (global.set 0 (i32.add (global.get 0) (i32.const 10)))))`,
        { m: { g } },
      );
      exports.bump();
      expect(g.value).toBe(11);
      g.value = 100;
      exports.bump();
      expect(g.value).toBe(110);
    });

    it('an exported global is the same object every time', () => {
      const a = instantiate('(module (global (export "g") (mut i32) (i32.const 3)))').exports;
      const b = instantiate('(module (import "m" "g" (global (mut i32))) (export "g" (global 0)))', { m: { g: a.g } }).exports;
      expect(b.g).toBe(a.g);
      expect(a.g.value).toBe(3);
    });

    // JS API §5.5 (current draft): DefaultValue(externref) is ToWebAssemblyValue(undefined).
    specDeviation('v8', 'V8 11.3 defaults an externref Global to null', { v8: '<12.4' })(engine, 'an externref global with no value holds undefined', () => {
      expect(new W.Global({ value: 'externref' }).value).toBe(undefined);
    });

    it('v128 globals cannot be made from JS', () => {
      expectThrow(() => new W.Global({ value: 'v128' }), TypeError);
    });
  });

  describe('Tag and Exception', () => {
    it('Exception holds converted payload; getArg and is check the tag', () => {
      const tag = new W.Tag({ parameters: ['i32', 'f64'] });
      const other = new W.Tag({ parameters: ['i32', 'f64'] });
      const e = new W.Exception(tag, [2 ** 32 + 1, '0.5']);
      expect(e.getArg(tag, 0)).toBe(1);
      expect(e.getArg(tag, 1)).toBe(0.5);
      expect(e.is(tag)).toBe(true);
      expect(e.is(other)).toBe(false);
      expectThrow(() => e.getArg(other, 0), TypeError);
      expectThrow(() => e.getArg(tag, 2), RangeError);
    });

    // Exception-handling JS API: a payload whose length differs from the tag's parameters is a TypeError.
    specDeviation('v8', 'V8 11.3 accepts a payload of the wrong length', { v8: '<12.4' })(engine, 'Exception with a payload of the wrong length -> TypeError', () => {
      const tag = new W.Tag({ parameters: ['i32', 'f64'] });
      expectThrow(() => new W.Exception(tag, [1]), TypeError);
    });

    it('a wasm exception that escapes to JS is a WebAssembly.Exception with its tag', () => {
      const { exports } = instantiate('(module (tag (export "t") (param i32)) (func (export "f") (throw 0 (i32.const 42))))');
      let caught;
      try {
        exports.f();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(W.Exception);
      expect(caught.is(exports.t)).toBe(true);
      expect(caught.getArg(exports.t, 0)).toBe(42);
    });

    // Exception-handling JS API: a JS exception thrown by an import is a wasm exception (JSTag
    // for any value, the Exception's own tag for a WebAssembly.Exception) that try_table's catch
    // clauses see, and the same value reaches JS when nothing catches it. V8 in Node 20 has only
    // the legacy try/catch instructions, not try_table.
    const modernEH = specDeviation('v8', 'V8 11.3 lacks try_table and exnref', { v8: '<12.4' });

    modernEH(engine, 'a JS Exception thrown by an import is caught by wasm with its tag', () => {
      const tag = new W.Tag({ parameters: ['i32'] });
      const { exports } = instantiate(
        `(module (import "m" "t" (tag (param i32))) (import "m" "f" (func))
          (func (export "run") (result i32)
            (block $h (result i32) (try_table (catch 0 $h) (call 0)) (i32.const 0))))`,
        { m: { t: tag, f: () => { throw new W.Exception(tag, [17]); } } },
      );
      expect(exports.run()).toBe(17);
    });

    modernEH(engine, 'a JS exception passes through wasm catch_all and rethrow unchanged', () => {
      const thrown = { reason: 'js' };
      const { exports } = instantiate(
        `(module (import "m" "f" (func)) (global $n (mut i32) (i32.const 0))
          (func (export "run") (local $e exnref)
            (local.set $e (block $h (result exnref) (try_table (catch_all_ref $h) (call 0)) (return)))
            (global.set $n (i32.const 1))
            (throw_ref (local.get $e)))
          (func (export "seen") (result i32) (global.get $n)))`,
        { m: { f: () => { throw thrown; } } },
      );
      let caught;
      try {
        exports.run();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBe(thrown);
      expect(exports.seen()).toBe(1);
    });

    modernEH(engine, 'a JS value thrown by an import is caught under JSTag with the value itself', () => {
      const thrown = { reason: 'js' };
      const { exports } = instantiate(
        `(module (import "m" "JSTag" (tag $js (param externref))) (import "m" "f" (func (param externref)))
          (func (export "run") (param externref) (result externref)
            (block $h (result externref) (try_table (catch $js $h) (call 0 (local.get 0))) (ref.null extern))))`,
        { m: { JSTag: W.JSTag, f: (v) => { throw v; } } },
      );
      expect(exports.run(thrown)).toBe(thrown);
      expect(exports.run(42)).toBe(42);
      expect(exports.run(null)).toBe(null);
    });

    modernEH(engine, 'a WebAssembly.Exception thrown by an import keeps its tag, payload and identity', () => {
      const tag = new W.Tag({ parameters: ['i32'] });
      const exn = new W.Exception(tag, [17]);
      const { exports } = instantiate(
        `(module (import "m" "t" (tag $t (param i32))) (import "m" "JSTag" (tag $js (param externref))) (import "m" "f" (func))
          (func (export "payload") (result i32) (block $h (result i32) (try_table (catch $t $h) (call 0)) (i32.const -1)))
          (func (export "asJs") (result i32) (block $h (result externref) (try_table (catch $js $h) (call 0)) (return (i32.const 0))) drop (i32.const 1))
          (func (export "rethrow") (throw_ref (block $h (result exnref) (try_table (catch_all_ref $h) (call 0)) (return)))))`,
        { m: { t: tag, JSTag: W.JSTag, f: () => { throw exn; } } },
      );
      expect(exports.payload()).toBe(17);
      // A WebAssembly.Exception is not a JS value under JSTag: the clause does not catch it.
      expect(thrown(() => exports.asJs())).toBe(exn);
      expect(thrown(() => exports.rethrow())).toBe(exn);
    });

    // Found by `wasm-rt fuzz` on Node 26: once an import of a module with a tag had thrown, every
    // later call through that import trapped ("dereferencing a null pointer") on wasm-rt.
    it.each(['a WebAssembly.Exception', 'an Error', 'a primitive'])('an import that threw %s through a module with a tag works again after', (kind) => {
      const tag = new W.Tag({ parameters: ['i32'] });
      const value = { 'a WebAssembly.Exception': new W.Exception(tag, [3]), 'an Error': new TypeError('once'), 'a primitive': 7 }[kind];
      let calls = 0;
      const { exports } = instantiate(
        `(module (import "m" "t" (tag (param i32))) (import "m" "f" (func $f (param f64) (result f64)))
          (func (export "g") (param f64) (result f64) (call $f (local.get 0))))`,
        { m: { t: tag, f: (x) => { if (calls++ === 0) throw value; return x + 1; } } },
      );
      expect(thrown(() => exports.g(1))).toBe(value);
      expect([exports.g(2), exports.g(3), calls]).toEqual([3, 4, 3]);
    });

    // V8 marks the errors of traps uncatchable by wasm; so does wasm-rt, also when one crosses an import.
    modernEH(engine, 'a trap inside an import stays a trap: catch_all does not see it', () => {
      const inner = instantiate('(module (func (export "boom") unreachable))').exports;
      const { exports } = instantiate(
        `(module (import "m" "f" (func)) (tag)
          (func (export "run") (result i32) (block $h (try_table (catch_all $h) (call 0)) (return (i32.const 0))) (i32.const 1)))`,
        { m: { f: () => inner.boom() } },
      );
      expectThrow(() => exports.run(), W.RuntimeError);
    });
  });
});
