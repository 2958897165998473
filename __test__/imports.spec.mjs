// Host functions: JS functions imported by WebAssembly.
//
// JS API §5.6 "run a host function" (from "create a host function"):
//   1. If any param/result type is v128 (or exnref), throw a TypeError.
//   2. jsArguments = ToJSValue of each argument.
//   3. ret = ? Call(func, undefined, jsArguments).
//   4. 0 results: return « »; 1 result: « ? ToWebAssemblyValue(ret, type) »;
//      otherwise: method = ? GetMethod(ret, @@iterator), undefined -> TypeError;
//      values = ? IteratorToList(...); size mismatch -> TypeError; convert each.
// "create a host function": a JS exception v thrown by the call is wrapped in
// a WebAssembly exception with the JS tag and payload v; when it leaves
// WebAssembly for JS, "call an Exported Function" throws ToJSValue(payload),
// i.e. the very same JS value.
import { describe, expect, it } from 'vitest';
import { engines, knownGap } from './helpers/engines.mjs';
import { expectThrow, thrown } from './helpers/assert.mjs';
import { wat } from './helpers/wat.mjs';

describe.each(engines)('$name', ({ name: engine, WebAssembly }) => {
  const instantiate = (text, imports) => new WebAssembly.Instance(new WebAssembly.Module(wat(text)), imports).exports;

  // A module that imports `f` of type (param T) (result T) and exports
  // `call(x)`, which calls f(x) and returns its result.
  const through = (type, f) =>
    instantiate(
      `(module (import "m" "f" (func $f (param ${type}) (result ${type})))
        (func (export "call") (param ${type}) (result ${type}) (call $f (local.get 0))))`,
      { m: { f } },
    );

  // A module whose import returns a constant of type T to the caller.
  const returning = (type, value) =>
    instantiate(
      `(module (import "m" "f" (func $f (result ${type})))
        (func (export "call") (result ${type}) (call $f)))`,
      { m: { f: () => value } },
    );

  describe('arguments passed to the JS function', () => {
    it('i32 arguments arrive as signed Numbers', () => {
      const seen = [];
      const e = instantiate(
        `(module (import "m" "f" (func $f (param i32 i32 i32)))
          (func (export "go") (call $f (i32.const -1) (i32.const 0x80000000) (i32.const 7))))`,
        { m: { f: (...args) => seen.push(args) } },
      );
      e.go();
      expect(seen).toEqual([[-1, -2147483648, 7]]);
    });

    it('i64 arguments arrive as signed BigInts', () => {
      const seen = [];
      const e = instantiate(
        `(module (import "m" "f" (func $f (param i64 i64 i64)))
          (func (export "go") (call $f (i64.const -1) (i64.const 0x8000000000000000) (i64.const 1234567890123))))`,
        { m: { f: (...args) => seen.push(args) } },
      );
      e.go();
      expect(seen).toEqual([[-1n, -(2n ** 63n), 1234567890123n]]);
    });

    it('f32 and f64 arguments arrive as Numbers (f32 widened exactly)', () => {
      const seen = [];
      const e = instantiate(
        `(module (import "m" "f" (func $f (param f32 f64 f32 f64)))
          (func (export "go") (call $f (f32.const 1.1) (f64.const 1.1) (f32.const -inf) (f64.const nan))))`,
        { m: { f: (...args) => seen.push(args) } },
      );
      e.go();
      expect(seen).toHaveLength(1);
      const [a, b, c, d] = seen[0];
      expect(a).toBe(Math.fround(1.1));
      expect(b).toBe(1.1);
      expect(c).toBe(-Infinity);
      expect(d).toBeNaN();
    });

    it('the JS function receives exactly the declared number of arguments', () => {
      const counts = [];
      const e = instantiate(
        `(module (import "m" "zero" (func $z)) (import "m" "two" (func $t (param i32 i32)))
          (func (export "go") (call $z) (call $t (i32.const 1) (i32.const 2))))`,
        {
          m: {
            zero(...a) {
              counts.push(a.length);
            },
            two(...a) {
              counts.push(a.length);
            },
          },
        },
      );
      e.go();
      expect(counts).toEqual([0, 2]);
    });

    it('this is undefined: a strict function sees undefined, a sloppy one the global object', () => {
      let strictThis = 'unset';
      const sloppy = new Function('globalThis.__wasmRtSloppyThis = this;');
      const e = instantiate(
        `(module (import "m" "strict" (func $s)) (import "m" "sloppy" (func $l))
          (func (export "go") (call $s) (call $l)))`,
        {
          m: {
            strict: function () {
              'use strict';
              strictThis = this;
            },
            sloppy,
          },
        },
      );
      try {
        e.go();
        expect(strictThis).toBe(undefined);
        // OrdinaryCallBindThis: a sloppy function called with undefined gets globalThis
        expect(globalThis.__wasmRtSloppyThis).toBe(globalThis);
      } finally {
        delete globalThis.__wasmRtSloppyThis;
      }
    });

    it('the import object is not the this value (the function is called detached)', () => {
      let seenThis = 'unset';
      const ns = {
        f() {
          seenThis = this;
        },
      };
      instantiate('(module (import "m" "f" (func $f)) (func (export "go") (call $f)))', { m: ns }).go();
      expect(seenThis).toBe(undefined);
    });
  });

  describe('return values converted by ToWebAssemblyValue', () => {
    it('i32: ToInt32 of the returned value', () => {
      expect(returning('i32', 42).call()).toBe(42);
      expect(returning('i32', '12').call()).toBe(12);
      expect(returning('i32', 2 ** 32 + 3).call()).toBe(3);
      expect(returning('i32', 3.99).call()).toBe(3);
      expect(returning('i32', undefined).call()).toBe(0);
      expect(returning('i32', null).call()).toBe(0);
      expect(returning('i32', true).call()).toBe(1);
      expect(returning('i32', { valueOf: () => 4 }).call()).toBe(4);
      expect(returning('i32', NaN).call()).toBe(0);
    });

    it('i32: a BigInt or Symbol return value is a TypeError', () => {
      expectThrow(() => returning('i32', 1n).call(), TypeError);
      expectThrow(() => returning('i32', Symbol()).call(), TypeError);
    });

    it('i64: a BigInt is wrapped to 64 bits; strings and booleans convert with ToBigInt', () => {
      expect(returning('i64', 5n).call()).toBe(5n);
      expect(returning('i64', -1n).call()).toBe(-1n);
      expect(returning('i64', 2n ** 64n + 9n).call()).toBe(9n);
      expect(returning('i64', 2n ** 63n).call()).toBe(-(2n ** 63n));
      expect(returning('i64', '77').call()).toBe(77n);
      expect(returning('i64', true).call()).toBe(1n);
    });

    it('i64: returning a Number (or undefined) is a TypeError', () => {
      expectThrow(() => returning('i64', 5).call(), TypeError);
      expectThrow(() => returning('i64', 0).call(), TypeError);
      expectThrow(() => returning('i64', undefined).call(), TypeError);
      expectThrow(() => returning('i64', null).call(), TypeError);
      expectThrow(() => returning('i64', Symbol()).call(), TypeError);
    });

    it('f32: the returned Number is rounded to f32', () => {
      expect(returning('f32', 1.1).call()).toBe(Math.fround(1.1));
      expect(returning('f32', 1e40).call()).toBe(Infinity);
      expect(returning('f32', '0.5').call()).toBe(0.5);
      expect(returning('f32', undefined).call()).toBeNaN();
      expect(Object.is(returning('f32', -0).call(), -0)).toBe(true);
      expectThrow(() => returning('f32', 1n).call(), TypeError);
    });

    it('f64: ToNumber of the returned value', () => {
      expect(returning('f64', 1.1).call()).toBe(1.1);
      expect(returning('f64', '2.5').call()).toBe(2.5);
      expect(returning('f64', undefined).call()).toBeNaN();
      expect(returning('f64', [7]).call()).toBe(7);
      expectThrow(() => returning('f64', 1n).call(), TypeError);
    });

    it('a returned value is ignored for an import without results', () => {
      const e = instantiate('(module (import "m" "f" (func $f)) (func (export "go") (result i32) (call $f) (i32.const 3)))', {
        m: { f: () => Symbol('ignored, not converted') },
      });
      expect(e.go()).toBe(3);
    });

    it('the conversion of the return value happens inside the call (valueOf runs once, before wasm continues)', () => {
      const log = [];
      const e = instantiate(
        `(module (import "m" "f" (func $f (result i32))) (import "m" "after" (func $a (param i32)))
          (func (export "go") (call $a (call $f))))`,
        {
          m: {
            f: () => ({ valueOf: () => (log.push('valueOf'), 8) }),
            after: (x) => log.push(`after ${x}`),
          },
        },
      );
      e.go();
      expect(log).toEqual(['valueOf', 'after 8']);
    });
  });

  // wasm-rt links an import of up to three number parameters, or up to eight i32 ones, and at
  // most one number result as a typed wasmer function (one per signature, src/api/bridge/host.rs);
  // other signatures as a dynamic one. Every such signature, and the dynamic ones beside them,
  // must pass the same values either way.
  describe('every number signature (typed and dynamic host functions on wasm-rt)', () => {
    const TYPES = ['i32', 'i64', 'f32', 'f64'];
    // A distinct argument per type and position, exact in its type.
    const arg = (t, i) => ({ i32: -5 - i * 1000003, i64: -(2n ** 62n) + BigInt(i), f32: Math.fround(1.1 + i), f64: -0.1 - i })[t];
    const constant = (t, v) => `(${t}.const ${typeof v === 'bigint' ? v : Number.isInteger(v) ? v : t === 'f32' ? v.toPrecision(9) : v.toString()})`;
    // The import returns an object whose valueOf gives the result: ToWebAssemblyValue runs.
    const result = (t) => ({ i32: 2 ** 31 + 6, i64: 2n ** 64n - 3n, f32: 1e40, f64: 2.5 })[t];
    const expected = (t) => ({ i32: -(2 ** 31) + 6, i64: -3n, f32: Infinity, f64: 2.5 })[t];

    const signatures = [];
    for (const r of [null, ...TYPES]) {
      signatures.push([[], r]);
      for (const a of TYPES) {
        signatures.push([[a], r]);
        for (const b of TYPES) signatures.push([[a, b], r]);
      }
      for (let n = 4; n <= 9; n++) signatures.push([Array(n).fill('i32'), r]);
      signatures.push([['i32', 'i32', 'i32', 'f64'], r]);
    }
    for (const a of TYPES) for (const b of TYPES) for (const c of TYPES) signatures.push([[a, b, c], 'i32']);

    it(`${signatures.length} signatures: the JS function receives each argument and its result is converted`, () => {
      for (const [params, r] of signatures) {
        const sig = `(${params.join(' ')}) -> ${r ?? '()'}`;
        const args = params.map(arg);
        const seen = [];
        const e = instantiate(
          `(module (import "m" "f" (func $f (param ${params.join(' ')}) ${r ? `(result ${r})` : ''}))
            (func (export "go") ${r ? `(result ${r})` : ''} (call $f ${params.map((t, i) => constant(t, args[i])).join(' ')})))`,
          { m: { f: (...a) => (seen.push(a), { valueOf: () => result(r) }) } },
        );
        const got = e.go();
        expect(seen, sig).toEqual([args]);
        expect(got, sig).toBe(r ? expected(r) : undefined);
      }
    });

    it('a JS exception, and one thrown by valueOf, reach the caller as the same value', () => {
      for (const [params, r] of [[['i32'], 'i32'], [['f64', 'i64'], 'f32'], [Array(8).fill('i32'), null], [['i64', 'i64', 'i64', 'f64'], 'i64']]) {
        const text = `(module (import "m" "f" (func $f (param ${params.join(' ')}) ${r ? `(result ${r})` : ''}))
          (func (export "go") ${r ? `(result ${r})` : ''} (call $f ${params.map((t) => `(${t}.const 1)`).join(' ')})))`;
        const error = new Error('from the import');
        expect(thrown(() => instantiate(text, { m: { f: () => { throw error; } } }).go())).toBe(error);
        if (r) {
          const fromValueOf = { name: 'not an Error' };
          expect(thrown(() => instantiate(text, { m: { f: () => ({ valueOf() { throw fromValueOf; } }) } }).go())).toBe(fromValueOf);
        }
      }
    });
  });

  describe('reference types', () => {
    it('externref: any JS value passes through wasm to the import and back unchanged', () => {
      const received = [];
      const e = through('externref', (x) => {
        received.push(x);
        return x;
      });
      const values = [{}, [], () => {}, Symbol('s'), undefined, null, 0, -0, NaN, 'str', 1n, true];
      for (const v of values) expect(Object.is(e.call(v), v)).toBe(true);
      expect(received).toHaveLength(values.length);
      values.forEach((v, i) => expect(Object.is(received[i], v)).toBe(true));
    });

    it('externref: an import may return a different value than it received', () => {
      const other = { other: true };
      const e = through('externref', () => other);
      expect(e.call({})).toBe(other);
    });

    knownGap('a function of another, unlinked instance reaches wasm as a host-function proxy, and wasmer cannot use host functions as funcref values')(engine, 'funcref: the import receives Exported Functions / null and may return them', () => {
      const target = instantiate('(module (func (export "f") (result i32) (i32.const 9)))');
      let received;
      const e = through('funcref', (f) => {
        received = f;
        return f;
      });
      expect(e.call(target.f)).toBe(target.f);
      expect(received).toBe(target.f);
      expect(e.call(null)).toBe(null);
      expect(received).toBe(null);
    });

    // V8 accepts every JS import re-exported as a funcref value; wasm-rt those it links as typed
    // functions (wasmer panics on a dynamic one, so wasm-rt refuses it with a TypeError).
    it('an imported JS function of a number signature, re-exported, is a funcref value: tables, globals, call_indirect', () => {
      const e = instantiate(
        `(module (import "m" "f" (func $f (param i32) (result i32)))
          (type $t (func (param i32) (result i32)))
          (table (export "t") 2 funcref)
          (elem declare func $f)
          (func (export "ci") (param i32 i32) (result i32) (call_indirect (type $t) (local.get 1) (local.get 0)))
          (func (export "ref") (result funcref) (ref.func $f))
          (export "f" (func $f)))`,
        { m: { f: (x) => x * 3 } },
      );
      expect(e.ref()).toBe(e.f);
      e.t.set(0, e.f);
      expect(e.t.get(0)).toBe(e.f);
      expect(e.ci(0, 5)).toBe(15);
      expect(e.t.get(0)(6)).toBe(18);
      const g = new WebAssembly.Global({ value: 'anyfunc', mutable: true }, null);
      g.value = e.f;
      expect(g.value).toBe(e.f);
      const table = new WebAssembly.Table({ element: 'anyfunc', initial: 1 }, e.f);
      const other = instantiate(
        `(module (import "m" "t" (table 1 funcref)) (type $t (func (param i32) (result i32)))
          (func (export "ci") (param i32) (result i32) (call_indirect (type $t) (local.get 0) (i32.const 0))))`,
        { m: { t: table } },
      );
      expect(other.ci(7)).toBe(21);
    });

    knownGap('wasmer cannot hold a dynamic host function (an import of reference or v128 types, several results, more than three parameters not all i32, or floats on singlepass) as a funcref value')(
      engine,
      'an imported JS function of any other signature, re-exported, is a funcref value',
      () => {
        const e = instantiate(
          `(module (import "m" "f" (func $f (param i32 i32 i32 f64) (result f64)))
            (table (export "t") 1 funcref) (export "f" (func $f)))`,
          { m: { f: (a, b, c, d) => a + b + c + d } },
        );
        e.t.set(0, e.f);
        expect(e.t.get(0)).toBe(e.f);
      },
    );

    it('funcref: an import returning a plain JS function, undefined or a number is a TypeError', () => {
      expectThrow(() => returning('funcref', () => 1).call(), TypeError);
      expectThrow(() => returning('funcref', undefined).call(), TypeError);
      expectThrow(() => returning('funcref', 0).call(), TypeError);
      expect(returning('funcref', null).call()).toBe(null);
    });

    knownGap('a function of another, unlinked instance reaches wasm as a host-function proxy, and wasmer cannot use host functions as funcref values')(engine, 'funcref: a function returned by an import can be called from wasm', () => {
      const target = instantiate('(module (func (export "f") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 10))))');
      const e = instantiate(
        `(module
          (type $t (func (param i32) (result i32)))
          (import "m" "get" (func $get (result funcref)))
          (table 1 funcref)
          (func (export "go") (param i32) (result i32)
            (table.set (i32.const 0) (call $get))
            (call_indirect (type $t) (local.get 0) (i32.const 0))))`,
        { m: { get: () => target.f } },
      );
      expect(e.go(4)).toBe(40);
    });
  });

  describe('v128 in an import signature', () => {
    it('calling an import with a v128 parameter is a TypeError and the JS function is not called', () => {
      let calls = 0;
      const e = instantiate(
        `(module (import "m" "f" (func $f (param v128)))
          (func (export "go") (call $f (v128.const i32x4 0 0 0 0))))`,
        { m: { f: () => calls++ } },
      );
      expectThrow(() => e.go(), TypeError);
      expect(calls).toBe(0);
    });

    it('calling an import with a v128 result is a TypeError and the JS function is not called', () => {
      let calls = 0;
      const e = instantiate(
        `(module (import "m" "f" (func $f (result v128)))
          (func (export "go") (drop (call $f))))`,
        { m: { f: () => calls++ } },
      );
      expectThrow(() => e.go(), TypeError);
      expect(calls).toBe(0);
    });
  });

  describe('multi-value results from an import', () => {
    const multi = (ret) =>
      instantiate(
        `(module (import "m" "f" (func $f (result i32 i64 f64)))
          (func (export "call") (result i32 i64 f64) (call $f)))`,
        { m: { f: () => (typeof ret === 'function' ? ret() : ret) } },
      );

    it('accepts an array', () => {
      expect(multi([1, 2n, 3.5]).call()).toEqual([1, 2n, 3.5]);
    });

    it('converts each value (ToInt32, ToBigInt64, ToNumber)', () => {
      expect(multi(['7', '8', '0.25']).call()).toEqual([7, 8n, 0.25]);
      expect(multi([2 ** 32 + 1, 2n ** 64n - 1n, undefined]).call()).toEqual([1, -1n, NaN]);
    });

    it('accepts a generator', () => {
      expect(
        multi(function* () {
          yield 4;
          yield 5n;
          yield 6;
        }).call(),
      ).toEqual([4, 5n, 6]);
    });

    it('accepts a Set and any object with Symbol.iterator', () => {
      expect(multi(() => new Set([1, 2n, 3])).call()).toEqual([1, 2n, 3]);
      const iterable = {
        [Symbol.iterator]() {
          let i = 0;
          return { next: () => (i < 3 ? { value: [9, 10n, 11][i++], done: false } : { done: true }) };
        },
      };
      expect(multi(iterable).call()).toEqual([9, 10n, 11]);
    });

    it('iterates the whole iterable before converting any value', () => {
      const log = [];
      const values = [{ valueOf: () => (log.push('convert 0'), 1) }, 2n, { valueOf: () => (log.push('convert 2'), 3) }];
      const iterable = {
        [Symbol.iterator]() {
          let i = 0;
          return {
            next() {
              log.push(`next ${i}`);
              return i < 3 ? { value: values[i++], done: false } : { done: true };
            },
          };
        },
      };
      expect(multi(iterable).call()).toEqual([1, 2n, 3]);
      expect(log).toEqual(['next 0', 'next 1', 'next 2', 'next 3', 'convert 0', 'convert 2']);
    });

    it.each([
      ['a number', 5],
      ['undefined', undefined],
      ['null', null],
      ['a plain object', {}],
      ['an array-like without Symbol.iterator', { length: 3, 0: 1, 1: 2n, 2: 3 }],
    ])('returning %s (not iterable) is a TypeError', (_, v) => {
      expectThrow(() => multi(v).call(), TypeError);
    });

    it.each([
      ['too few values', [1, 2n]],
      ['too many values', [1, 2n, 3, 4]],
      ['no values', []],
    ])('returning %s is a TypeError', (_, v) => {
      expectThrow(() => multi(v).call(), TypeError);
    });

    it('a value of the wrong type is a TypeError (a Number for i64)', () => {
      expectThrow(() => multi([1, 2, 3]).call(), TypeError);
    });

    it('a string is iterable: its characters are the values', () => {
      const e = instantiate(
        `(module (import "m" "f" (func $f (result i32 i32)))
          (func (export "call") (result i32 i32) (call $f)))`,
        { m: { f: () => '42' } },
      );
      expect(e.call()).toEqual([4, 2]);
    });

    it('an exception thrown by the iterator propagates unchanged', () => {
      const boom = new URIError('iterator');
      const iterable = {
        [Symbol.iterator]() {
          return {
            next() {
              throw boom;
            },
          };
        },
      };
      expect(thrown(() => multi(iterable).call())).toBe(boom);
    });
  });

  describe('exceptions thrown by imports', () => {
    const thrower = () => {
      let toThrow;
      const e = instantiate(
        `(module (import "m" "f" (func $f))
          (global $after (mut i32) (i32.const 0))
          (func (export "go") (call $f) (global.set $after (i32.const 1)))
          (func (export "after") (result i32) (global.get $after))
          (func (export "ok") (result i32) (i32.const 1)))`,
        {
          m: {
            f() {
              throw toThrow;
            },
          },
        },
      );
      return { e, set: (v) => (toThrow = v) };
    };

    it.each([
      ['an Error object', () => new Error('boom')],
      ['a TypeError', () => new TypeError('t')],
      ['the engine\'s own RuntimeError', (W) => new W.RuntimeError('not a trap')],
      ['a number', () => 42],
      ['undefined', () => undefined],
      ['null', () => null],
      ['a string', () => 'str'],
      ['a symbol', () => Symbol('sym')],
      ['a BigInt', () => 10n],
      ['a plain object', () => ({ plain: true })],
      ['a function', () => function thrownFn() {}],
    ])('%s reaches the JS caller as the same value', (_, make) => {
      const { e, set } = thrower();
      const v = make(WebAssembly);
      set(v);
      const caught = thrown(() => e.go());
      expect(Object.is(caught, v)).toBe(true);
      // the rest of the wasm function did not run
      expect(e.after()).toBe(0);
      // the instance stays usable
      expect(e.ok()).toBe(1);
    });

    it('an exception passes unchanged through several wasm and JS frames', () => {
      const err = new Error('deep');
      let e;
      e = instantiate(
        `(module (import "m" "f" (func $f (param i32)))
          (func (export "go") (param i32) (call $f (local.get 0))))`,
        {
          m: {
            f(n) {
              if (n === 0) throw err;
              e.go(n - 1);
            },
          },
        },
      );
      expect(thrown(() => e.go(10))).toBe(err);
      expect(e.go.length).toBe(1);
    });

    it('a JS exception is not converted into a RuntimeError', () => {
      const { e, set } = thrower();
      set(new Error('plain'));
      const caught = thrown(() => e.go());
      expect(caught).not.toBeInstanceOf(WebAssembly.RuntimeError);
      expect(Object.getPrototypeOf(caught)).toBe(Error.prototype);
    });
  });

  describe('reentrancy', () => {
    it('wasm -> JS -> the same instance -> JS ... (recursive Fibonacci through JS)', () => {
      let exports;
      let jsCalls = 0;
      exports = instantiate(
        `(module (import "js" "fib" (func $jsfib (param i32) (result i32)))
          (func (export "fib") (param $n i32) (result i32)
            (if (result i32) (i32.lt_s (local.get $n) (i32.const 2))
              (then (local.get $n))
              (else (i32.add
                (call $jsfib (i32.sub (local.get $n) (i32.const 1)))
                (call $jsfib (i32.sub (local.get $n) (i32.const 2))))))))`,
        {
          js: {
            fib(n) {
              jsCalls++;
              return exports.fib(n);
            },
          },
        },
      );
      expect(exports.fib(15)).toBe(610);
      expect(exports.fib(20)).toBe(6765);
      expect(jsCalls).toBeGreaterThan(0);
    });

    it('a depth counter through JS, 100 levels deep, keeps per-level state', () => {
      let exports;
      const depths = [];
      exports = instantiate(
        `(module (import "js" "down" (func $down (param i32) (result i32)))
          (memory 1)
          (func (export "level") (param $d i32) (result i32) (local $r i32)
            ;; store d at address d*4, recurse, then check our slot is intact
            (i32.store (i32.mul (local.get $d) (i32.const 4)) (local.get $d))
            (if (i32.lt_u (local.get $d) (i32.const 100))
              (then (local.set $r (call $down (i32.add (local.get $d) (i32.const 1)))))
              (else (local.set $r (local.get $d))))
            (if (i32.ne (i32.load (i32.mul (local.get $d) (i32.const 4))) (local.get $d))
              (then unreachable))
            (i32.add (local.get $r) (i32.const 1))))`,
        {
          js: {
            down(d) {
              depths.push(d);
              return exports.level(d);
            },
          },
        },
      );
      // level(0) -> ... -> level(100) returns 100, each of the 101 levels adds 1
      expect(exports.level(0)).toBe(201);
      expect(depths).toHaveLength(100);
      expect(depths[0]).toBe(1);
      expect(depths[99]).toBe(100);
    });

    it('wasm A -> JS -> instance B -> JS -> instance A', () => {
      let a;
      let b;
      const log = [];
      a = instantiate(
        `(module (import "js" "toB" (func $toB (param i32) (result i32)))
          (import "js" "twice" (func $twice (param i32) (result i32)))
          (func (export "start") (param i32) (result i32) (i32.add (call $toB (local.get 0)) (i32.const 1000)))
          (func (export "again") (param i32) (result i32) (call $twice (local.get 0))))`,
        {
          js: {
            toB(x) {
              log.push(`toB ${x}`);
              return b.mid(x);
            },
            twice: (x) => x * 2,
          },
        },
      );
      b = instantiate(
        `(module (import "js" "toA" (func $toA (param i32) (result i32)))
          (func (export "mid") (param i32) (result i32) (i32.add (call $toA (local.get 0)) (i32.const 100))))`,
        {
          js: {
            toA(x) {
              log.push(`toA ${x}`);
              return a.again(x);
            },
          },
        },
      );
      expect(a.start(5)).toBe(5 * 2 + 100 + 1000);
      expect(log).toEqual(['toB 5', 'toA 5']);
    });

    // Each level keeps a value in its own instance's memory across the calls below it, and the
    // two instances take turns, through typed imports (i32) and dynamic ones (an externref too).
    const pingPong = (dynamic) => {
      const peers = {};
      const make = (name, other) =>
        instantiate(
          `(module (import "js" "next" (func $next (param i32 ${dynamic ? 'externref' : ''}) (result i32)))
            (memory 1)
            (func (export "level") (param $d i32) (result i32) (local $r i32)
              (i32.store (i32.mul (local.get $d) (i32.const 4)) (i32.add (local.get $d) (i32.const 7)))
              (local.set $r (if (result i32) (i32.eqz (local.get $d)) (then (i32.const 0))
                (else (call $next (i32.sub (local.get $d) (i32.const 1)) ${dynamic ? '(ref.null extern)' : ''}))))
              (if (i32.ne (i32.load (i32.mul (local.get $d) (i32.const 4))) (i32.add (local.get $d) (i32.const 7)))
                (then unreachable))
              (i32.add (local.get $r) (local.get $d))))`,
          { js: { next: (d) => peers[other].level(d) } },
        );
      peers.a = make('a', 'b');
      peers.b = make('b', 'a');
      return peers;
    };

    for (const dynamic of [false, true]) {
      it(`two instances call each other through JS, 60 levels deep${dynamic ? ' (a dynamic import)' : ''}`, () => {
        const { a, b } = pingPong(dynamic);
        expect(a.level(60)).toBe((60 * 61) / 2);
        expect(b.level(59)).toBe((59 * 60) / 2);
        expect(a.level(0)).toBe(0);
      });
    }

    it('two instances call each other through JS where exports and imports take an externref (the dynamic paths)', () => {
      const peers = {};
      const make = (other) =>
        instantiate(
          `(module (import "js" "next" (func $next (param i32 externref) (result externref)))
            (func (export "level") (param $d i32) (param $x externref) (result externref)
              (if (result externref) (i32.eqz (local.get $d)) (then (local.get $x))
                (else (call $next (i32.sub (local.get $d) (i32.const 1)) (local.get $x))))))`,
          { js: { next: (d, x) => peers[other].level(d, { d, x }) } },
        );
      peers.a = make('b');
      peers.b = make('a');
      // Each level wraps what it was given, so the result holds one wrapper per level, in order.
      let r = peers.a.level(30, 'end');
      const depths = [];
      while (typeof r === 'object') {
        depths.push(r.d);
        r = r.x;
      }
      expect(r).toBe('end');
      expect(depths).toEqual(Array.from({ length: 30 }, (_, i) => i));
    });

    it('a JS exception deep in the alternation unwinds every level; both instances serve calls after', () => {
      let a;
      let b;
      let throwAt = 4;
      const caughtAt = [];
      const make = (next) =>
        instantiate(
          `(module (import "js" "next" (func $next (param i32) (result i32)))
            (func (export "level") (param $d i32) (result i32)
              (i32.add (call $next (local.get $d)) (i32.const 1))))`,
          { js: { next } },
        );
      a = make((d) => {
        if (d === throwAt) throw new RangeError(`at ${d}`);
        if (d === 0) return 0;
        return b.level(d - 1);
      });
      b = make((d) => {
        if (d === 5) {
          // Catches what the levels below threw, then calls down again.
          try {
            a.level(d - 1);
          } catch (e) {
            caughtAt.push(e.message);
          }
          throwAt = -1;
          return a.level(d - 1);
        }
        return a.level(d - 1);
      });
      // level(d) = level(d - 1) + 1 and level(0) = 1, whichever instance runs each level.
      expect(a.level(8)).toBe(9);
      expect(caughtAt).toEqual(['at 4']);
      throwAt = 2;
      const escaped = thrown(() => a.level(4));
      expect(escaped).toBeInstanceOf(RangeError);
      expect(escaped.message).toBe('at 2');
      throwAt = -1;
      expect(b.level(5)).toBe(6);
      expect(a.level(4)).toBe(5);
    });

    it('a trap in a nested call can be caught by the JS in between; the outer call completes', () => {
      let e;
      let caught;
      e = instantiate(
        `(module (import "js" "mid" (func $mid (result i32)))
          (func (export "outer") (result i32) (i32.add (call $mid) (i32.const 1)))
          (func (export "inner") (result i32) unreachable))`,
        {
          js: {
            mid() {
              try {
                e.inner();
              } catch (err) {
                caught = err;
              }
              return 41;
            },
          },
        },
      );
      expect(e.outer()).toBe(42);
      expect(caught).toBeInstanceOf(WebAssembly.RuntimeError);
      expect(caught.message).toContain('unreachable');
    });

    it('an uncaught nested trap propagates to the outermost caller as the same RuntimeError', () => {
      let e;
      let seen;
      e = instantiate(
        `(module (import "js" "mid" (func $mid))
          (func (export "outer") (call $mid))
          (func (export "inner") (drop (i32.div_u (i32.const 1) (i32.const 0)))))`,
        {
          js: {
            mid() {
              try {
                e.inner();
              } catch (err) {
                seen = err;
                throw err;
              }
            },
          },
        },
      );
      const outer = thrown(() => e.outer());
      expect(outer).toBe(seen);
      expect(outer).toBeInstanceOf(WebAssembly.RuntimeError);
      expect(outer.message).toContain('divide by zero');
    });

    it('an import may call back into exports that write and grow the caller\'s memory', () => {
      let e;
      e = instantiate(
        `(module (import "js" "poke" (func $poke))
          (memory 1)
          (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
          (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
          (func (export "go") (result i32)
            (call $poke)
            (i32.add (i32.load (i32.const 16)) (memory.size))))`,
        {
          js: {
            poke() {
              e.store(16, 1000);
              expect(e.grow(1)).toBe(1);
            },
          },
        },
      );
      expect(e.go()).toBe(1002);
    });
  });

  // Each call of an import makes JS values (its arguments, the callable, the result), handles in
  // the scope of the JS call that entered wasm. Without a scope per import call they pile up
  // until that call returns: 10 handles a call, 3 million calls, ~240 MB.
  describe('handle scopes: one wasm call that calls an import millions of times', () => {
    const CALLS = 3_000_000;
    // MB the process grew by between the 100,000th call and the last, read inside the import
    // (memory an earlier test released may go back to the system before that).
    const growth = (params, arg) => {
      let calls = 0;
      let mid = 0;
      let end = 0;
      const f = (a, b, c, d, e, g, h, i) => {
        calls++;
        if (calls === 100_000) mid = process.memoryUsage.rss();
        if (calls === CALLS) end = process.memoryUsage.rss();
        return typeof a === 'number' ? a + i : 1;
      };
      const { loop } = instantiate(
        `(module (import "m" "f" (func $f (param ${params}) (result i32)))
          (func (export "loop") (param $n i32) (param $r externref) (local $s i32)
            (loop $l
              (local.set $s (i32.add (local.get $s) (call $f ${arg.repeat(8)})))
              (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))`,
        { m: { f } },
      );
      loop(CALLS, {});
      expect(calls).toBe(CALLS);
      return (end - mid) / 2 ** 20;
    };

    it('an import of eight i32 (a typed host function on wasm-rt) leaves nothing behind', () => {
      expect(growth('i32 i32 i32 i32 i32 i32 i32 i32', '(local.get $n)')).toBeLessThan(40);
    });

    it('an import of eight externref (a dynamic host function on wasm-rt) leaves nothing behind', () => {
      expect(growth(Array(8).fill('externref').join(' '), '(local.get $r)')).toBeLessThan(40);
    });

    // 1,000 arguments and 1,000 results take more handles than a block holds (1,022), so V8
    // adds a block inside the import's scope, which closing the scope must free.
    it('an import of 1,000 parameters and 1,000 results, whose scope outgrows its handle block, leaves nothing behind', () => {
      const RESULTS = 1000;
      const values = Array.from({ length: RESULTS }, (_, i) => i * 3);
      let calls = 0;
      let mid = 0;
      let end = 0;
      const CALLS_1000 = 20_000;
      const f = (...args) => {
        calls++;
        if (args.length !== RESULTS || args[RESULTS - 1] !== args[0]) throw new Error(`arguments: ${args.length}`);
        if (calls === 1000) mid = process.memoryUsage.rss();
        if (calls === CALLS_1000) end = process.memoryUsage.rss();
        return values;
      };
      const { loop } = instantiate(
        `(module (import "m" "f" (func $f (param ${'i32 '.repeat(RESULTS)}) (result ${'i32 '.repeat(RESULTS)})))
          (func (export "loop") (param $n i32) (result i32) (local $s i32)
            (loop $l
              (local.set $s (i32.add (local.get $s) (call $f ${'(local.get $n) '.repeat(RESULTS)}) ${'(i32.add) '.repeat(RESULTS - 1)}))
              (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
            (local.get $s)))`,
        { m: { f } },
      );
      const sum = values.reduce((a, b) => a + b, 0);
      expect(loop(CALLS_1000)).toBe((sum * CALLS_1000) | 0);
      expect(calls).toBe(CALLS_1000);
      expect((end - mid) / 2 ** 20).toBeLessThan(40);
    });
  });
});
