// Exported Functions
//
// JS API §5.6 "Exported Functions":
// - "a new Exported Function" from funcaddr: cached per funcaddr (the
//   Exported Function cache), created with
//   CreateBuiltinFunction(steps, arity = number of params, name = "the name of
//   the WebAssembly function" = ToString(function index, counting imported
//   functions first)). Exported Functions are built-in functions that are not
//   constructors.
// - "call an Exported Function": if any param/result type is v128 (or exnref)
//   throw a TypeError (before converting any argument); convert each param
//   with ToWebAssemblyValue (missing arguments are undefined, extra ones are
//   ignored); a trap throws a RuntimeError; 0 results -> undefined, 1 ->
//   ToJSValue, more -> CreateArrayFromList.
// - ToWebAssemblyValue: i32 ToInt32, i64 ToBigInt64, f32 ToNumber then round
//   to nearest f32, f64 ToNumber; externref any value (null -> ref.null);
//   funcref null or an Exported Function, anything else a TypeError.
// - ToJSValue: i32 signed Number, i64 signed BigInt, floats Numbers, null refs
//   null, funcref -> the Exported Function, externref -> the original value.
// JS API §7.1 "Stack Overflow": same exception class as for JS stack overflow
// (RangeError in V8).
import { describe, expect, it } from 'vitest';
import { engines, specDeviation, knownGap } from './helpers/engines.mjs';
import { expectErrorOf, expectFunctionNameAndLength, expectThrow, thrown } from './helpers/assert.mjs';
import { wat } from './helpers/wat.mjs';
import { customSection, str } from './helpers/binary.mjs';

const IDENTITY = wat(`(module
  (func (export "i32") (param i32) (result i32) (local.get 0))
  (func (export "i64") (param i64) (result i64) (local.get 0))
  (func (export "f32") (param f32) (result f32) (local.get 0))
  (func (export "f64") (param f64) (result f64) (local.get 0))
  (func (export "externref") (param externref) (result externref) (local.get 0))
  (func (export "funcref") (param funcref) (result funcref) (local.get 0)))`);

describe.each(engines)('$name', ({ name: engine, WebAssembly }) => {
  const instantiate = (text, imports) => new WebAssembly.Instance(new WebAssembly.Module(wat(text)), imports).exports;
  const identity = () => new WebAssembly.Instance(new WebAssembly.Module(IDENTITY)).exports;

  describe('function object', () => {
    it('name is the function index as a string, counting imported functions first', () => {
      const e = instantiate(
        `(module
          (import "m" "a" (func)) (import "m" "b" (func (param i32)))
          (func $first (export "first") (param i32 i64 f32))
          (func $second (export "second") (result i32) (i32.const 0))
          (export "importedB" (func 1))
          (export "importedA" (func 0)))`,
        { m: { a() {}, b() {} } },
      );
      expectFunctionNameAndLength(e.first, '2', 3);
      expectFunctionNameAndLength(e.second, '3', 0);
      // imported JS functions become host functions named by their index
      expectFunctionNameAndLength(e.importedA, '0', 0);
      expectFunctionNameAndLength(e.importedB, '1', 1);
    });

    it('name does not come from the export name or the name section', () => {
      // Append a "name" custom section whose function-names subsection (id 1)
      // names function 0 "pretty".
      const base = wat('(module (func (export "exportName") (param f64 f64)))');
      const names = [1, 0, ...str('pretty')]; // vec of one (index 0, "pretty")
      const nameSec = customSection('name', [1, names.length, ...names]);
      const bytes = new Uint8Array([...base, ...nameSec]);
      const m = new WebAssembly.Module(bytes);
      expect(WebAssembly.Module.customSections(m, 'name')).toHaveLength(1);
      const e = new WebAssembly.Instance(m).exports;
      expect(e.exportName.name).toBe('0');
      expect(e.exportName.length).toBe(2);
    });

    it('length is the number of parameters', () => {
      const e = instantiate(`(module
        (func (export "p0"))
        (func (export "p1") (param externref))
        (func (export "p5") (param i32 i64 f32 f64 funcref) (result i32 i32) (i32.const 0) (i32.const 0)))`);
      expect(e.p0.length).toBe(0);
      expect(e.p1.length).toBe(1);
      expect(e.p5.length).toBe(5);
    });

    it('is an extensible ordinary function inheriting from Function.prototype, with no prototype property', () => {
      const { i32 } = identity();
      expect(typeof i32).toBe('function');
      expect(Object.getPrototypeOf(i32)).toBe(Function.prototype);
      expect(Object.isExtensible(i32)).toBe(true);
      expect(Object.hasOwn(i32, 'prototype')).toBe(false);
      i32.custom = 1;
      expect(i32.custom).toBe(1);
    });

    // ECMA-262 §10.3 (Built-in Function Objects): CreateBuiltinFunction gives
    // a function whose only own properties are "length" and "name"; §17.1
    // (Forbidden Extensions): built-in functions "must not be created with own
    // properties named caller or arguments". JS API §5.6 creates Exported
    // Functions with CreateBuiltinFunction. V8 gives them own "arguments" and
    // "caller" (null), up to V8 13.6.
    specDeviation('v8', 'exported functions have own arguments/caller properties', { v8: '<14.6' })(
      engine,
      'has exactly the own properties length and name',
      () => {
        const { i32 } = identity();
        expect(Reflect.ownKeys(i32).sort()).toEqual(['length', 'name']);
      },
    );

    it('is not a constructor', () => {
      const { i32 } = identity();
      expectThrow(() => new i32(1), TypeError);
      expectThrow(() => Reflect.construct(i32, [1]), TypeError);
      expectThrow(() => Reflect.construct(function () {}, [], i32), TypeError);
      expectThrow(() => {
        class Sub extends i32 {}
        return Sub;
      }, TypeError);
    });

    it('ignores its this value', () => {
      const { i32 } = identity();
      expect(i32.call({}, 4)).toBe(4);
      expect(i32.apply(null, [5])).toBe(5);
      expect(Reflect.apply(i32, 'str', [6])).toBe(6);
      expect(i32.bind(Symbol())(7)).toBe(7);
    });

    it('toString looks like a native function', () => {
      const { i32 } = identity();
      // ECMA-262 Function.prototype.toString: a built-in function gives a NativeFunction
      expect(Function.prototype.toString.call(i32)).toMatch(/^function [^(]*\([^)]*\) \{\s*\[native code\]\s*\}$/);
    });
  });

  describe('identity (Exported Function cache)', () => {
    it('the same function exported twice is the same JS function', () => {
      const e = instantiate('(module (func $f (export "a") (export "b") (result i32) (i32.const 1)) (export "c" (func $f)))');
      expect(e.a).toBe(e.b);
      expect(e.b).toBe(e.c);
    });

    it('a function re-exported by another instance is the same JS function', () => {
      const a = instantiate('(module (func (export "f") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))');
      const b = instantiate('(module (import "a" "f" (func (param i32) (result i32))) (export "g" (func 0)))', { a });
      const c = instantiate('(module (import "b" "g" (func (param i32) (result i32))) (export "h" (func 0)))', { b });
      expect(b.g).toBe(a.f);
      expect(c.h).toBe(a.f);
      expect(b.g(1)).toBe(2);
    });

    it('ref.func of an exported function returns that same function', () => {
      const e = instantiate(`(module
        (func $f (export "f") (result i32) (i32.const 8))
        (elem declare func $f)
        (func (export "get") (result funcref) (ref.func $f)))`);
      expect(e.get()).toBe(e.f);
    });

    knownGap('a function that was never exported has no known index in wasmer, so its wrapper has an empty name')(engine, 'a non-exported function reached through ref.func gets a stable wrapper named by its index', () => {
      const e = instantiate(`(module
        (import "m" "x" (func))
        (func $hidden (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
        (elem declare func $hidden)
        (func (export "get") (result funcref) (ref.func $hidden)))`, { m: { x() {} } });
      const h = e.get();
      expect(typeof h).toBe('function');
      expect(e.get()).toBe(h);
      expectFunctionNameAndLength(h, '1', 1);
      expect(h(5)).toBe(15);
    });

    it('a function stored in a table and read back is the same JS function', () => {
      const e = instantiate(`(module
        (table $t 2 funcref)
        (func $f (export "f"))
        (elem (table $t) (i32.const 0) func $f)
        (func (export "get") (param i32) (result funcref) (table.get $t (local.get 0))))`);
      expect(e.get(0)).toBe(e.f);
      expect(e.get(1)).toBe(null);
    });

    it('different instances of one module have different functions', () => {
      const m = new WebAssembly.Module(wat('(module (func (export "f")))'));
      const a = new WebAssembly.Instance(m).exports;
      const b = new WebAssembly.Instance(m).exports;
      expect(a.f).not.toBe(b.f);
    });
  });

  describe('arguments', () => {
    it('missing arguments are undefined (i32 0, floats NaN, externref undefined)', () => {
      const e = instantiate(`(module
        (func (export "i32") (param i32 i32) (result i32) (local.get 1))
        (func (export "f32") (param f32) (result f32) (local.get 0))
        (func (export "f64") (param f64) (result f64) (local.get 0))
        (func (export "ext") (param externref) (result externref) (local.get 0)))`);
      expect(e.i32()).toBe(0);
      expect(e.i32(5)).toBe(0);
      expect(e.f32()).toBeNaN();
      expect(e.f64()).toBeNaN();
      expect(e.ext()).toBe(undefined);
    });

    it('a missing i64 argument is a TypeError (ToBigInt(undefined)); a missing funcref too', () => {
      const { i64, funcref } = identity();
      expectThrow(() => i64(), TypeError);
      expectThrow(() => funcref(), TypeError);
    });

    it('extra arguments are ignored and not converted', () => {
      const e = instantiate('(module (func (export "sub") (param i32 i32) (result i32) (i32.sub (local.get 0) (local.get 1))))');
      const seen = [];
      const spy = (name, value) => ({
        valueOf() {
          seen.push(name);
          return value;
        },
      });
      expect(e.sub(spy('a', 10), spy('b', 3), spy('c', 100), Symbol('not converted'))).toBe(7);
      expect(seen).toEqual(['a', 'b']);
    });

    it('arguments are converted left to right, and a throwing conversion stops the call', () => {
      let calls = 0;
      const e = instantiate('(module (import "m" "f" (func)) (func (export "g") (param i32 f64 i32) (call 0)))', {
        m: { f: () => calls++ },
      });
      const seen = [];
      const boom = new EvalError('conversion');
      const args = [
        { valueOf: () => (seen.push(0), 1) },
        {
          valueOf: () => {
            seen.push(1);
            throw boom;
          },
        },
        { valueOf: () => (seen.push(2), 1) },
      ];
      expect(thrown(() => e.g(...args))).toBe(boom);
      expect(seen).toEqual([0, 1]);
      expect(calls).toBe(0);
      e.g(1, 2, 3);
      expect(calls).toBe(1);
    });
  });

  // wasm-rt passes the arguments and result of numeric signatures through one buffer per thread
  // (src/api/bridge/raw_call.rs): these try to make one call overwrite another's.
  describe('calls that interleave', () => {
    const NESTED = `(module
      (import "m" "f" (func $f (param i32) (result i32)))
      (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
      (func (export "outer") (param i32 f64) (result f64)
        (f64.add (f64.convert_i32_s (i32.add (local.get 0) (call $f (local.get 0)))) (local.get 1)))
      (func (export "wide") (param i64 f32 i32 i64) (result i64)
        (i64.add (i64.add (local.get 0) (i64.trunc_f32_s (local.get 1)))
                 (i64.add (i64.extend_i32_s (local.get 2)) (local.get 3)))))`;

    it('a conversion that calls another function does not change the arguments already converted', () => {
      const e = instantiate(NESTED, { m: { f: (x) => x } });
      expect(e.add({ valueOf: () => e.add(1, 2) }, 10)).toBe(13);
      expect(e.add(10, { valueOf: () => e.add(100, 200) })).toBe(310);
      expect(e.add({ valueOf: () => e.add(e.add(1, 1), { valueOf: () => e.add(3, 4) }) }, { valueOf: () => e.add(5, 6) })).toBe(20);
      const wide = e.wide({ valueOf: () => (e.wide(1n, 1, 1, 1n), 7n) }, { valueOf: () => e.outer(1, 0.5) }, 3, { valueOf: () => (e.add(-1, -1), 11n) });
      expect(wide).toBe(7n + 2n + 3n + 11n);
    });

    it('an import that calls other exported functions leaves the outer call its arguments and result', () => {
      let e;
      e = instantiate(NESTED, { m: { f: (x) => e.add(x, 1000) + Number(e.wide(1n, 2.5, 3, 4n)) } });
      // f(5) = 1005 + 10; outer = 5 + 1015 + 0.25
      expect(e.outer(5, 0.25)).toBe(1020.25);
      expect(e.outer(e.add(2, 3), e.outer(0, 0.5))).toBe(1020 + 1010.5);
    });

    it('a throwing import in a nested call does not disturb the outer result', () => {
      let e;
      let depth = 0;
      e = instantiate(NESTED, {
        m: {
          f: (x) => {
            if (depth++ === 0) expect(() => e.outer(-1, 0)).toThrow(RangeError);
            else throw new RangeError('inner');
            return x * 2;
          },
        },
      });
      expect(e.outer(4, 0.5)).toBe(12.5);
    });
  });

  // wasm-rt skips wasmer's store context on calls into a store without host functions
  // (src/sys/vm.rs raw_call): a host function that arrives later must still find it.
  describe('a store that gains a host function', () => {
    it('after calls into an instance without imports, a JS function put into its table is called', () => {
      const a = instantiate(`(module (table (export "t") 1 funcref) (type $r (func (result i32)))
        (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
        (func (export "callT") (result i32) (call_indirect (type $r) (i32.const 0))))`);
      expect(a.add(2, 3)).toBe(5);
      expect(() => a.callT()).toThrow(WebAssembly.RuntimeError);
      instantiate(
        `(module (import "a" "t" (table 1 funcref)) (import "m" "f" (func $f (result i32)))
          (elem (i32.const 0) $f))`,
        { a: { t: a.t }, m: { f: () => 41 } },
      );
      expect(a.callT()).toBe(41);
      expect(a.add(a.callT(), 1)).toBe(42);
    });

    it('a JS-created table, then a JS import written into it, in a store first called without one', () => {
      const table = new WebAssembly.Table({ initial: 2, element: 'anyfunc' });
      const a = instantiate(`(module (import "m" "t" (table 2 funcref)) (type $r (func (param i32) (result i32)))
        (func (export "sq") (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
        (func (export "at") (param i32 i32) (result i32) (call_indirect (type $r) (local.get 1) (local.get 0))))`, { m: { t: table } });
      expect(a.sq(7)).toBe(49);
      table.set(0, a.sq);
      expect(a.at(0, 5)).toBe(25);
      instantiate(`(module (import "m" "t" (table 2 funcref)) (import "m" "f" (func $f (param i32) (result i32)))
        (elem (i32.const 1) $f))`, { m: { t: table, f: (x) => x + 100 } });
      expect(a.at(1, 5)).toBe(105);
      expect(a.sq(a.at(0, 3))).toBe(81);
    });
  });

  // On wasm-rt an exported function whose body calls nothing runs without wasmer's store
  // context, which only a host function reads; every other function must still reach JS.
  describe('exported functions that call nothing, beside ones that call JS', () => {
    const text = `(module (import "m" "f" (func $f (param i32) (result i32)))
      (type $t (func (param i32) (result i32)))
      (table (export "table") 2 funcref) (elem (i32.const 0) $f $leaf)
      (func $leaf (export "leaf") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
      (func (export "direct") (param i32) (result i32) (call $f (local.get 0)))
      (func (export "indirect") (param i32 i32) (result i32) (call_indirect (type $t) (local.get 1) (local.get 0)))
      (func $viaLeaf (param i32) (result i32) (call $f (local.get 0)))
      (func (export "calls") (param i32) (result i32) (call $viaLeaf (local.get 0)))
      (export "reexported" (func $f)))`;

    it('each reaches the import, or calls nothing, in any order and from inside the import', () => {
      let e;
      const seen = [];
      e = instantiate(text, {
        m: {
          f: (x) => {
            seen.push(x);
            return x > 100 ? x : e.leaf(x) + e.direct(x + 100);
          },
        },
      });
      expect(e.leaf(21)).toBe(42);
      expect(e.direct(1)).toBe(2 + 101);
      expect(e.leaf(5)).toBe(10);
      expect(e.indirect(0, 2)).toBe(4 + 102);
      expect(e.indirect(1, 7)).toBe(14);
      expect(e.calls(4)).toBe(8 + 104);
      expect(e.reexported(200)).toBe(200);
      expect(e.table.get(1)(8)).toBe(16);
      expect(e.table.get(0)(300)).toBe(300);
      expect(seen).toEqual([1, 101, 2, 102, 4, 104, 200, 300]);
    });

    it('a function that calls nothing, called in a loop inside an import, leaves the import working', () => {
      let e;
      e = instantiate(text, {
        m: {
          f: (x) => {
            let s = 0;
            for (let i = 0; i < 1000; i++) s += e.leaf(i);
            return s + x;
          },
        },
      });
      expect(e.direct(1)).toBe(999 * 1000 + 1);
      expect(e.leaf(e.direct(0))).toBe(2 * 999 * 1000);
    });
  });

  describe('i32', () => {
    it.each([
      [5, 5],
      [-5, -5],
      [2 ** 32 + 5, 5],
      [2 ** 31, -(2 ** 31)],
      [2 ** 32 - 1, -1],
      [-(2 ** 31) - 1, 2 ** 31 - 1],
      [1.9, 1],
      [-1.9, -1],
      [NaN, 0],
      [Infinity, 0],
      [-Infinity, 0],
      [1e21, -559939584],
      ['7', 7],
      ['0x10', 16],
      ['  12  ', 12],
      ['abc', 0],
      ['', 0],
      [true, 1],
      [false, 0],
      [null, 0],
      [undefined, 0],
      [[], 0],
      [[9], 9],
      [{}, 0],
    ])('ToInt32(%o) = %o', (input, expected) => {
      expect(identity().i32(input)).toBe(expected);
    });

    it('-0 becomes +0', () => {
      expect(Object.is(identity().i32(-0), 0)).toBe(true);
    });

    it('uses valueOf / toString / Symbol.toPrimitive of objects', () => {
      const { i32 } = identity();
      expect(i32({ valueOf: () => 9 })).toBe(9);
      expect(i32({ toString: () => '10' })).toBe(10);
      expect(i32({ [Symbol.toPrimitive]: (hint) => (hint === 'number' ? 11 : 0) })).toBe(11);
      expect(i32(new Number(12))).toBe(12);
    });

    it('a Symbol is a TypeError', () => {
      expectThrow(() => identity().i32(Symbol('x')), TypeError);
    });

    it('a BigInt is a TypeError (ToNumber)', () => {
      expectThrow(() => identity().i32(1n), TypeError);
      expectThrow(() => identity().i32(Object(1n)), TypeError);
    });

    it('results are signed Numbers', () => {
      const e = instantiate(`(module
        (func (export "max") (result i32) (i32.const 0xffffffff))
        (func (export "min") (result i32) (i32.const 0x80000000)))`);
      expect(e.max()).toBe(-1);
      expect(e.min()).toBe(-2147483648);
      expect(typeof e.max()).toBe('number');
    });
  });

  describe('f32', () => {
    it('rounds to the nearest f32 (1.1 -> Math.fround(1.1))', () => {
      const { f32 } = identity();
      expect(f32(1.1)).toBe(Math.fround(1.1));
      expect(f32(1.1)).not.toBe(1.1);
      expect(f32(0.1)).toBe(Math.fround(0.1));
      expect(f32(16777217)).toBe(16777216); // 2^24 + 1: ties to even
      expect(f32(1e40)).toBe(Infinity);
      expect(f32(-1e40)).toBe(-Infinity);
      expect(f32(1e-50)).toBe(0);
      expect(f32(3.4028234663852886e38)).toBe(3.4028234663852886e38);
    });

    it('passes NaN, infinities and -0', () => {
      const { f32 } = identity();
      expect(f32(NaN)).toBeNaN();
      expect(f32(Infinity)).toBe(Infinity);
      expect(f32(-Infinity)).toBe(-Infinity);
      expect(Object.is(f32(-0), -0)).toBe(true);
    });

    it('converts with ToNumber; BigInt and Symbol are TypeErrors', () => {
      const { f32 } = identity();
      expect(f32('2.5')).toBe(2.5);
      expect(f32(undefined)).toBeNaN();
      expect(f32(null)).toBe(0);
      expect(f32({ valueOf: () => 0.5 })).toBe(0.5);
      expectThrow(() => f32(1n), TypeError);
      expectThrow(() => f32(Symbol()), TypeError);
    });
  });

  describe('f64', () => {
    it('passes doubles exactly', () => {
      const { f64 } = identity();
      for (const v of [1.1, Math.PI, Number.MAX_VALUE, Number.MIN_VALUE, -1e-300, 2 ** 53 + 2, Infinity, -Infinity]) {
        expect(f64(v)).toBe(v);
      }
      expect(f64(NaN)).toBeNaN();
      expect(Object.is(f64(-0), -0)).toBe(true);
    });

    it('converts with ToNumber; BigInt and Symbol are TypeErrors', () => {
      const { f64 } = identity();
      expect(f64('1.5')).toBe(1.5);
      expect(f64('')).toBe(0);
      expect(f64('x')).toBeNaN();
      expect(f64(true)).toBe(1);
      expect(f64([2])).toBe(2);
      expect(f64({ valueOf: () => 2.25 })).toBe(2.25);
      expectThrow(() => f64(1n), TypeError);
      expectThrow(() => f64(Symbol()), TypeError);
    });
  });

  describe('i64 <-> BigInt', () => {
    it.each([
      [0n, 0n],
      [1n, 1n],
      [-1n, -1n],
      [2n ** 63n - 1n, 2n ** 63n - 1n],
      [-(2n ** 63n), -(2n ** 63n)],
      [2n ** 63n, -(2n ** 63n)],
      [2n ** 64n - 1n, -1n],
      [2n ** 64n + 3n, 3n],
      [-(2n ** 64n) - 2n, -2n],
      [2n ** 100n + 7n, 7n],
    ])('ToBigInt64(%o) = %o', (input, expected) => {
      expect(identity().i64(input)).toBe(expected);
    });

    it('converts strings, booleans and BigInt objects with ToBigInt', () => {
      const { i64 } = identity();
      expect(i64('5')).toBe(5n);
      expect(i64('-12')).toBe(-12n);
      expect(i64('0x10')).toBe(16n);
      expect(i64('')).toBe(0n);
      expect(i64(true)).toBe(1n);
      expect(i64(false)).toBe(0n);
      expect(i64(Object(9n))).toBe(9n);
      expect(i64({ valueOf: () => 4n })).toBe(4n);
    });

    it.each([
      ['a Number', 5],
      ['a fractional Number', 1.5],
      ['undefined', undefined],
      ['null', null],
      ['a Symbol', Symbol('s')],
      ['an object returning a Number', { valueOf: () => 1 }],
    ])('%s is a TypeError', (_, v) => {
      expectThrow(() => identity().i64(v), TypeError);
    });

    it('a string that is not an integer is a SyntaxError (StringToBigInt)', () => {
      expectThrow(() => identity().i64('1.5'), SyntaxError);
      expectThrow(() => identity().i64('x'), SyntaxError);
    });

    it('results are signed BigInts', () => {
      const e = instantiate(`(module
        (func (export "neg") (result i64) (i64.const -1))
        (func (export "max") (result i64) (i64.const 0x7fffffffffffffff))
        (func (export "min") (result i64) (i64.const 0x8000000000000000)))`);
      expect(e.neg()).toBe(-1n);
      expect(typeof e.neg()).toBe('bigint');
      expect(e.max()).toBe(2n ** 63n - 1n);
      expect(e.min()).toBe(-(2n ** 63n));
    });
  });

  describe('v128', () => {
    it('a v128 parameter is a TypeError on every call, before any argument is converted', () => {
      const e = instantiate('(module (func (export "f") (param i32 v128 i32)))');
      const seen = [];
      const spy = { valueOf: () => (seen.push('converted'), 1) };
      expectThrow(() => e.f(spy, spy, spy), TypeError);
      expectThrow(() => e.f(), TypeError);
      expect(seen).toEqual([]);
      expect(e.f.length).toBe(3);
    });

    it('a v128 result is a TypeError on every call, and the function body does not run', () => {
      let calls = 0;
      const e = instantiate(
        `(module (import "m" "f" (func))
          (func (export "r") (result v128) (call 0) (v128.const i32x4 1 2 3 4))
          (func (export "ok") (result i32) (call 0) (i32.const 1)))`,
        { m: { f: () => calls++ } },
      );
      expectThrow(() => e.r(), TypeError);
      expectThrow(() => e.r(), TypeError);
      expect(calls).toBe(0);
      expect(e.ok()).toBe(1);
      expect(calls).toBe(1);
    });

    it('v128 used only inside a function is fine', () => {
      const e = instantiate(`(module (func (export "lane") (param i32) (result i32)
        (i32x4.extract_lane 2 (i32x4.splat (local.get 0)))))`);
      expect(e.lane(21)).toBe(21);
    });
  });

  describe('externref', () => {
    it('round-trips any value unchanged', () => {
      const { externref } = identity();
      const obj = {};
      const fn = () => {};
      const sym = Symbol('s');
      for (const v of [obj, fn, sym, Symbol.iterator, undefined, null, 0, 1.5, NaN, Infinity, '', 'str', true, false, 10n, [1], new Map()]) {
        const r = externref(v);
        expect(Object.is(r, v), String(typeof v)).toBe(true);
      }
      expect(Object.is(externref(-0), -0)).toBe(true);
      expect(externref(obj)).toBe(obj);
    });

    it('keeps identity when stored in wasm and read back later', () => {
      const e = instantiate(`(module
        (global $g (mut externref) (ref.null extern))
        (table $t 4 externref)
        (func (export "set") (param externref) (global.set $g (local.get 0)))
        (func (export "get") (result externref) (global.get $g))
        (func (export "put") (param i32 externref) (table.set $t (local.get 0) (local.get 1)))
        (func (export "take") (param i32) (result externref) (table.get $t (local.get 0)))
        (func (export "isNull") (param externref) (result i32) (ref.is_null (local.get 0))))`);
      expect(e.get()).toBe(null);
      const o = { a: 1 };
      e.set(o);
      expect(e.get()).toBe(o);
      const values = [o, 'x', undefined, Symbol('t')];
      values.forEach((v, i) => e.put(i, v));
      values.forEach((v, i) => expect(e.take(i)).toBe(v));
      expect(e.isNull(null)).toBe(1);
      expect(e.isNull(undefined)).toBe(0);
      expect(e.isNull(0)).toBe(0);
      expect(e.isNull({})).toBe(0);
    });
  });

  describe('funcref', () => {
    it('null round-trips', () => {
      expect(identity().funcref(null)).toBe(null);
    });

    knownGap('a function of another, unlinked instance reaches wasm as a host-function proxy, and wasmer cannot use host functions as funcref values')(engine, 'an Exported Function round-trips identically (also from another instance)', () => {
      const e = identity();
      expect(e.funcref(e.i32)).toBe(e.i32);
      const other = instantiate('(module (func (export "x") (result i32) (i32.const 2)))');
      expect(e.funcref(other.x)).toBe(other.x);
      expect(e.funcref(other.x)()).toBe(2);
    });

    it.each([
      ['a plain JS function', () => 1],
      ['a bound Exported Function', null],
      ['undefined', undefined],
      ['a number', 0],
      ['a string', 'f'],
      ['an object', {}],
    ])('%s is a TypeError', (label, v) => {
      const e = identity();
      const value = label === 'a bound Exported Function' ? e.i32.bind(null) : v;
      expectThrow(() => e.funcref(value), TypeError);
    });

    it('a funcref result can be called', () => {
      const e = instantiate(`(module
        (func $double (param i32) (result i32) (i32.shl (local.get 0) (i32.const 1)))
        (elem declare func $double)
        (func (export "get") (result funcref) (ref.func $double))
        (func (export "null") (result funcref) (ref.null func)))`);
      expect(e.get()(21)).toBe(42);
      expect(e.null()).toBe(null);
    });
  });

  describe('results', () => {
    it('a function without results returns undefined', () => {
      const e = instantiate('(module (func (export "v")) (func (export "w") (param i32)))');
      expect(e.v()).toBe(undefined);
      expect(e.w(1)).toBe(undefined);
    });

    it('multiple results are returned as a fresh array of converted values', () => {
      const e = instantiate(`(module
        (func (export "mv") (result i32 i64 f32 f64 externref funcref)
          (i32.const -1) (i64.const -2) (f32.const 1.5) (f64.const 0.1) (ref.null extern) (ref.null func))
        (func (export "pair") (param i32 i32) (result i32 i32) (local.get 1) (local.get 0)))`);
      const r = e.mv();
      expect(Array.isArray(r)).toBe(true);
      expect(Object.getPrototypeOf(r)).toBe(Array.prototype);
      expect(r).toEqual([-1, -2n, 1.5, 0.1, null, null]);
      expect(r).toHaveLength(6);
      expect(e.mv()).not.toBe(r);
      expect(e.pair(1, 2)).toEqual([2, 1]);
    });

    // wasm-rt passes every numeric signature of up to 8 parameters through one 64-bit slot per
    // value (src/api/bridge/raw_call.rs), and longer ones through wasmer's generic call: both must
    // give each type its own conversion.
    it('mixed numeric signatures of 0 to 10 parameters convert every argument and the result', () => {
      const types = ['i32', 'i64', 'f32', 'f64'];
      const sample = { i32: -7, i64: -(2n ** 40n) - 3n, f32: 1.1, f64: 0.1 };
      const expected = { i32: -7, i64: -(2n ** 40n) - 3n, f32: Math.fround(1.1), f64: 0.1 };
      for (let arity = 0; arity <= 10; arity++) {
        const params = Array.from({ length: arity }, (_, i) => types[i % 4]);
        for (let pick = 0; pick < arity; pick++) {
          const result = params[pick];
          const e = instantiate(`(module (func (export "f") (param ${params.join(' ')}) (result ${result}) (local.get ${pick})))`);
          expect(e.f(...params.map((t) => sample[t]))).toBe(expected[result]);
        }
      }
    });

    it('narrow results are exact when wider arguments came before them', () => {
      const e = instantiate(`(module
        (func (export "wrap") (param i64 i64) (result i32) (i32.wrap_i64 (i64.add (local.get 0) (local.get 1))))
        (func (export "demote") (param f64 f64) (result f32) (f32.demote_f64 (f64.mul (local.get 0) (local.get 1)))))`);
      expect(e.wrap(0x7fffffff00000000n, 0x80000005n)).toBe(-2147483643);
      expect(e.wrap(-1n, 0n)).toBe(-1);
      expect(e.demote(3, 1e39)).toBe(Infinity);
      expect(e.demote(-0.1, 3)).toBe(Math.fround(-0.1 * 3));
    });

    it('a single result is not wrapped in an array', () => {
      const e = instantiate('(module (func (export "one") (result i32) (i32.const 4)))');
      expect(e.one()).toBe(4);
    });
  });

  describe('traps', () => {
    const traps = () =>
      instantiate(`(module
        (type $v (func)) (type $i (func (result i32)))
        (memory 1)
        (table 2 funcref)
        (func $void)
        (elem (i32.const 1) $void)
        (func (export "unreachable") unreachable)
        (func (export "divByZero") (result i32) (i32.div_s (i32.const 1) (i32.const 0)))
        (func (export "divByZero64") (result i64) (i64.div_u (i64.const 1) (i64.const 0)))
        (func (export "remByZero") (result i32) (i32.rem_s (i32.const 1) (i32.const 0)))
        (func (export "overflow") (result i32) (i32.div_s (i32.const 0x80000000) (i32.const -1)))
        (func (export "truncNaN") (result i32) (i32.trunc_f32_s (f32.const nan)))
        (func (export "truncBig") (result i64) (i64.trunc_f64_u (f64.const 1e30)))
        (func (export "load") (result i32) (i32.load (i32.const 65535)))
        (func (export "store") (i64.store (i32.const -4) (i64.const 0)))
        (func (export "fill") (memory.fill (i32.const 65000) (i32.const 0) (i32.const 1000)))
        (func (export "callNull") (call_indirect (type $v) (i32.const 0)))
        (func (export "callMismatch") (result i32) (call_indirect (type $i) (i32.const 1)))
        (func (export "callOutOfTable") (call_indirect (type $v) (i32.const 2)))
        (func (export "tableGet") (result funcref) (table.get (i32.const 10)))
        (func (export "ok") (result i32) (i32.const 1)))`);

    it.each([
      ['unreachable', 'unreachable'],
      ['divByZero', 'divide by zero'],
      ['divByZero64', 'divide by zero'],
      ['remByZero', 'remainder by zero'],
      ['overflow', 'divide result unrepresentable'],
      ['truncNaN', 'float unrepresentable in integer range'],
      ['truncBig', 'float unrepresentable in integer range'],
      ['load', 'memory access out of bounds'],
      ['store', 'memory access out of bounds'],
      ['fill', 'memory access out of bounds'],
      // V8 11.3 to 13.6 say "null function or function signature mismatch", 14.6 the end of it.
      ['callNull', 'function signature mismatch'],
      ['callMismatch', 'function signature mismatch'],
      ['callOutOfTable', 'table index is out of bounds'],
      ['tableGet', 'table index is out of bounds'],
    ])('%s -> the engine\'s RuntimeError mentioning "%s"', (name, message) => {
      const e = traps();
      const err = expectThrow(() => e[name](), WebAssembly.RuntimeError, message);
      expect(err).toBeInstanceOf(Error);
      expect(err.name).toBe('RuntimeError');
      expect(err).not.toBeInstanceOf(WebAssembly.CompileError);
      expect(err).not.toBeInstanceOf(WebAssembly.LinkError);
      // the instance stays usable
      expect(e.ok()).toBe(1);
    });

    it('each trap is a new error object', () => {
      const e = traps();
      const a = thrown(() => e.unreachable());
      const b = thrown(() => e.unreachable());
      expect(a).not.toBe(b);
      expectErrorOf(a, WebAssembly.RuntimeError);
      expectErrorOf(b, WebAssembly.RuntimeError);
    });

    it('state written before a trap persists', () => {
      const e = instantiate(`(module
        (global $g (mut i32) (i32.const 0))
        (func (export "bump") (global.set $g (i32.add (global.get $g) (i32.const 1))) unreachable)
        (func (export "get") (result i32) (global.get $g)))`);
      expectThrow(() => e.bump(), WebAssembly.RuntimeError, 'unreachable');
      expectThrow(() => e.bump(), WebAssembly.RuntimeError, 'unreachable');
      expect(e.get()).toBe(2);
    });
  });

  describe('stack overflow', () => {
    it('infinite wasm recursion throws RangeError, and the instance works right after (3 times)', () => {
      const e = instantiate(`(module
        (func $rec (export "rec") (param i32) (result i32)
          (i32.add (call $rec (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
        (func $fact (export "fact") (param i64) (result i64)
          (if (result i64) (i64.eqz (local.get 0))
            (then (i64.const 1))
            (else (i64.mul (local.get 0) (call $fact (i64.sub (local.get 0) (i64.const 1))))))))`);
      for (let round = 0; round < 3; round++) {
        const err = thrown(() => e.rec(0));
        expect(err).toBeInstanceOf(RangeError);
        expect(Object.getPrototypeOf(err)).toBe(RangeError.prototype);
        expect(err).not.toBeInstanceOf(WebAssembly.RuntimeError);
        expect(e.fact(20n)).toBe(2432902008176640000n);
      }
    });

    it('infinite recursion through a JS import throws RangeError, and calls work right after', () => {
      let e;
      e = instantiate(
        `(module (import "m" "back" (func $back (param i32) (result i32)))
          (func (export "down") (param i32) (result i32) (call $back (i32.add (local.get 0) (i32.const 1))))
          (func (export "ok") (result i32) (i32.const 5)))`,
        { m: { back: (n) => e.down(n) } },
      );
      for (let round = 0; round < 3; round++) {
        const err = thrown(() => e.down(0));
        expect(err).toBeInstanceOf(RangeError);
        expect(e.ok()).toBe(5);
      }
    });
  });
});
