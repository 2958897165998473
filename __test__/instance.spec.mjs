// WebAssembly.Instance
//
// JS API §5.2 "Instances":
//   [LegacyNamespace=WebAssembly, Exposed=*]
//   interface Instance {
//     constructor(Module module, optional object importObject);
//     readonly attribute object exports;
//   };
// The constructor "reads the imports" (JS API §5, read the imports):
//   1. If module.imports is not empty and importObject is undefined, throw a TypeError.
//   For each (moduleName, componentName, externtype) of module_imports(module), in order:
//     o = ? Get(importObject, moduleName); if o is not an Object, throw a TypeError;
//     v = ? Get(o, componentName);
//     func: IsCallable(v) false -> LinkError; global: a Global, or a Number
//     (i32/f32/f64) / BigInt (i64) / any value for reference types, else
//     LinkError; memory/table/tag: must implement Memory/Table/Tag, else LinkError.
// then "instantiate the core" (LinkError for link-time type mismatches;
// RuntimeError for a trap in the start function, or the exception thrown by
// JS code it called), then "create an exports object": a null-prototype
// object with one data property per export, in export order, then frozen.
import { beforeEach, describe, expect, it } from 'vitest';
import { engines, specDeviation } from './helpers/engines.mjs';
import { expectDataProperty, expectFunctionNameAndLength, expectThrow, thrown } from './helpers/assert.mjs';
import { wat } from './helpers/wat.mjs';

describe.each(engines)('$name', ({ name: engine, WebAssembly }) => {
  // Looked up per test (not at collection time), so that an engine that fails
  // to load fails each test instead of the whole file.
  let Module;
  let Instance;
  beforeEach(() => {
    ({ Module, Instance } = WebAssembly);
  });
  const compile = (text) => new Module(wat(text));

  describe('constructor basics', () => {
    it('creates an Instance of a module without imports', () => {
      const i = new Instance(compile('(module (func (export "f") (result i32) (i32.const 5)))'));
      expect(i).toBeInstanceOf(Instance);
      expect(Object.getPrototypeOf(i)).toBe(Instance.prototype);
      expect(Reflect.ownKeys(i)).toEqual([]);
      expect(Object.isExtensible(i)).toBe(true);
      expect(i.exports.f()).toBe(5);
    });

    // wasmer never frees an engine's code, so this loop ran out of memory after 32,681 modules
    // until modules of the same bytes shared their compiled code.
    it('a loop of 40,000 new Instance(new Module(bytes)) with a function import finishes', () => {
      const bytes = wat('(module (import "env" "f" (func $f (param i32) (result i32))) (func (export "run") (param i32) (result i32) (call $f (local.get 0))))');
      let sum = 0;
      for (let i = 0; i < 40000; i++) {
        sum += new Instance(new Module(bytes), { env: { f: (x) => x + 1 } }).exports.run(1);
      }
      expect(sum).toBe(80000);
    }, 120_000);

    it('requires new (TypeError when called)', () => {
      const m = compile('(module)');
      expectThrow(() => Instance(m), TypeError);
      expectThrow(() => Instance.call({}, m, {}), TypeError);
    });

    it('has name "Instance", length 1 and the WebIDL interface shape', () => {
      expectFunctionNameAndLength(Instance, 'Instance', 1);
      expect(Object.getPrototypeOf(Instance)).toBe(Function.prototype);
      expectDataProperty(Instance, 'prototype', { writable: false, enumerable: false, configurable: false });
      expect(Object.getPrototypeOf(Instance.prototype)).toBe(Object.prototype);
      expectDataProperty(Instance.prototype, 'constructor', { value: Instance, writable: true, enumerable: false, configurable: true });
      expect(Reflect.ownKeys(Instance.prototype).map(String).sort()).toEqual([
        'Symbol(Symbol.toStringTag)',
        'constructor',
        'exports',
      ]);
      const i = new Instance(compile('(module)'));
      expect(Object.prototype.toString.call(i)).toBe('[object WebAssembly.Instance]');
    });

    it.each([
      ['no argument', []],
      ['undefined', [undefined]],
      ['a plain object', [{}]],
      ['module bytes', [wat('(module)')]],
      ['null', [null]],
    ])('throws TypeError when the module is %s', (_, args) => {
      expectThrow(() => new Instance(...args), TypeError);
    });

    it('throws TypeError for Object.create(Module.prototype) and for an Instance', () => {
      expectThrow(() => new Instance(Object.create(Module.prototype)), TypeError);
      const other = new Instance(compile('(module)'));
      expectThrow(() => new Instance(other), TypeError);
    });

    it('supports subclassing', () => {
      class MyInstance extends Instance {}
      const i = new MyInstance(compile('(module (func (export "f") (result i32) (i32.const 1)))'));
      expect(i).toBeInstanceOf(MyInstance);
      expect(i.exports.f()).toBe(1);
    });

    it('instantiating a module twice gives independent instances', () => {
      const m = compile(`(module
        (global $n (mut i32) (i32.const 0))
        (func (export "inc") (result i32)
          (global.set $n (i32.add (global.get $n) (i32.const 1)))
          (global.get $n)))`);
      const a = new Instance(m);
      const b = new Instance(m);
      expect(a.exports).not.toBe(b.exports);
      expect(a.exports.inc).not.toBe(b.exports.inc);
      expect(a.exports.inc()).toBe(1);
      expect(a.exports.inc()).toBe(2);
      expect(b.exports.inc()).toBe(1);
    });
  });

  describe('the import object', () => {
    const withImport = () => compile('(module (import "m" "f" (func)))');

    it('two imports of the same name are linked one by one, each with its own type', () => {
      const m = compile(`(module
        (import "m" "f" (func $a (param i32) (result i32)))
        (import "m" "f" (func $b (result f64)))
        (func (export "a") (result i32) (call $a (i32.const 1)))
        (func (export "b") (result f64) (call $b)))`);
      const { exports } = new Instance(m, { m: { f: (x) => (x === undefined ? 2.5 : x + 1) } });
      expect(exports.a()).toBe(2);
      expect(exports.b()).toBe(2.5);
    });

    it('TypeError when the module has imports and the import object is missing or undefined', () => {
      expectThrow(() => new Instance(withImport()), TypeError);
      expectThrow(() => new Instance(withImport(), undefined), TypeError);
    });

    it.each([
      ['null', null],
      ['a number', 1],
      ['a string', 'imports'],
      ['a boolean', true],
      ['a symbol', Symbol('i')],
    ])('TypeError when the import object is %s (WebIDL `optional object`), even without imports', (_, io) => {
      expectThrow(() => new Instance(withImport(), io), TypeError);
      expectThrow(() => new Instance(compile('(module)'), io), TypeError);
    });

    it('may be omitted, undefined or any object when the module has no imports', () => {
      const m = compile('(module)');
      expect(new Instance(m)).toBeInstanceOf(Instance);
      expect(new Instance(m, undefined)).toBeInstanceOf(Instance);
      expect(new Instance(m, {})).toBeInstanceOf(Instance);
      expect(new Instance(m, () => {})).toBeInstanceOf(Instance);
      expect(new Instance(m, [])).toBeInstanceOf(Instance);
    });

    it.each([
      ['missing', {}],
      ['undefined', { m: undefined }],
      ['null', { m: null }],
      ['a number', { m: 1 }],
      ['a string', { m: 'str' }],
      ['a BigInt', { m: 1n }],
    ])('TypeError when importObject[module] is %s', (_, io) => {
      expectThrow(() => new Instance(withImport(), io), TypeError);
    });

    it('accepts a function as importObject[module], and looks imports up with [[Get]] (prototype chain)', () => {
      const m = compile('(module (import "m" "f" (func (result i32))) (export "f" (func 0)))');
      const ns = function () {};
      ns.f = () => 3;
      expect(new Instance(m, { m: ns }).exports.f()).toBe(3);
      const io = Object.create({ m: Object.create({ f: () => 4 }) });
      expect(new Instance(m, io).exports.f()).toBe(4);
      const withGetters = {
        get m() {
          return {
            get f() {
              return () => 5;
            },
          };
        },
      };
      expect(new Instance(m, withGetters).exports.f()).toBe(5);
    });

    it('propagates an exception thrown by an import-object getter unchanged', () => {
      const m = withImport();
      const outer = new RangeError('outer getter');
      const inner = { tag: 'inner' };
      expect(
        thrown(
          () =>
            new Instance(m, {
              get m() {
                throw outer;
              },
            }),
        ),
      ).toBe(outer);
      expect(
        thrown(
          () =>
            new Instance(m, {
              m: {
                get f() {
                  throw inner;
                },
              },
            }),
        ),
      ).toBe(inner);
    });

    it('reads the imports with Get in module order: each import\'s module, then its name', () => {
      const m = compile(`(module
        (import "a" "f" (func))
        (import "b" "g" (global i32))
        (import "a" "h" (func))
        (import "c" "mem" (memory 1))
        (import "a" "t" (table 1 funcref))
        (import "b" "tag" (tag))
        (import "a" "f" (func)))`);
      // Values that satisfy the imports come from an instance of a helper module.
      const provider = new Instance(
        compile('(module (memory (export "mem") 1) (table (export "t") 1 funcref) (tag (export "tag")))'),
      ).exports;
      const log = [];
      const record = (label, target) =>
        new Proxy(target, {
          get(t, key, receiver) {
            log.push(`get ${label}.${String(key)}`);
            return Reflect.get(t, key, receiver);
          },
          has(t, key) {
            log.push(`has ${label}.${String(key)}`);
            return Reflect.has(t, key);
          },
          getOwnPropertyDescriptor(t, key) {
            log.push(`getOwnPropertyDescriptor ${label}.${String(key)}`);
            return Reflect.getOwnPropertyDescriptor(t, key);
          },
          ownKeys(t) {
            log.push(`ownKeys ${label}`);
            return Reflect.ownKeys(t);
          },
        });
      const io = record('io', {
        a: record('a', { f() {}, h() {}, t: provider.t }),
        b: record('b', { g: 1, tag: provider.tag }),
        c: record('c', { mem: provider.mem }),
      });
      new Instance(m, io);
      expect(log).toEqual([
        'get io.a', 'get a.f',
        'get io.b', 'get b.g',
        'get io.a', 'get a.h',
        'get io.c', 'get c.mem',
        'get io.a', 'get a.t',
        'get io.b', 'get b.tag',
        'get io.a', 'get a.f',
      ]);
    });

    it('a non-object module namespace in the first import is a TypeError before later imports are read', () => {
      const m = compile('(module (import "b" "g" (func)) (import "a" "f" (func)))');
      const log = [];
      const io = {
        get a() {
          log.push('a');
          return {};
        },
        get b() {
          log.push('b');
          return 1;
        },
      };
      expectThrow(() => new Instance(m, io), TypeError);
      expect(log).toEqual(['b']);
    });

    // JS API §5 "read the imports": imports are processed one by one, and for
    // a func import "If IsCallable(v) is false, throw a LinkError" happens
    // before the next import is read. So the first import's LinkError wins
    // over a later import's TypeError, and later imports are never read.
    // V8 11.3 first reads (Get module, Get name) every import, throwing
    // TypeError for a non-object module namespace, and checks kinds afterwards.
    specDeviation('v8', 'reads all imports before checking their kinds')(
      engine,
      'a LinkError on an import stops the reading: later imports are not read',
      () => {
        const m = compile('(module (import "a" "f" (func)) (import "b" "g" (func)))');
        const log = [];
        const io = {
          get a() {
            log.push('a');
            return {
              get f() {
                log.push('a.f');
                return 1;
              },
            };
          },
          get b() {
            log.push('b');
            return 1;
          },
        };
        expectThrow(() => new Instance(m, io), WebAssembly.LinkError);
        expect(log).toEqual(['a', 'a.f']);
      },
    );
  });

  describe('link errors', () => {
    const LinkError = () => WebAssembly.LinkError;

    it('missing function import -> LinkError', () => {
      const m = compile('(module (import "m" "f" (func)))');
      const e = expectThrow(() => new Instance(m, { m: {} }), LinkError());
      expect(e).toBeInstanceOf(Error);
      expect(e.name).toBe('LinkError');
    });

    it.each([
      ['a number', 1],
      ['a string', 'f'],
      ['null', null],
      ['a plain object', {}],
      ['a BigInt', 1n],
      ['a symbol', Symbol.iterator],
    ])('function import given %s -> LinkError', (_, v) => {
      const m = compile('(module (import "m" "f" (func)))');
      expectThrow(() => new Instance(m, { m: { f: v } }), LinkError());
    });

    it('function import given the right kind of callable objects links', () => {
      const m = compile('(module (import "m" "f" (func (result i32))) (export "f" (func 0)))');
      expect(new Instance(m, { m: { f: new Proxy(() => 6, {}) } }).exports.f()).toBe(6);
      expect(new Instance(m, { m: { f: function () { return this.v; }.bind({ v: 7 }) } }).exports.f()).toBe(7);
      expect(new Instance(m, { m: { f: Math.max } }).exports.f()).toBe(0); // ToInt32(-Infinity)
      // A class is callable as far as IsCallable goes; calling it throws later.
      const i = new Instance(m, { m: { f: class {} } });
      expectThrow(() => i.exports.f(), TypeError);
    });

    it.each([
      ['memory', '(memory 1)', [1, {}, new ArrayBuffer(65536), () => {}]],
      ['table', '(table 1 funcref)', [1, {}, [], () => {}]],
      ['tag', '(tag)', [1, {}, () => {}]],
    ])('%s import given a non-%s value -> LinkError', (_, desc, values) => {
      const m = compile(`(module (import "m" "x" ${desc}))`);
      for (const v of values) expectThrow(() => new Instance(m, { m: { x: v } }), LinkError());
      expectThrow(() => new Instance(m, { m: {} }), LinkError());
    });

    it.each([
      ['i32', 'a string', '1'],
      ['i32', 'a BigInt', 1n],
      ['i32', 'undefined', undefined],
      ['f32', 'a BigInt', 1n],
      ['f64', 'an object', { valueOf: () => 1 }],
      ['i64', 'a Number', 1],
      ['i64', 'a string', '1'],
      ['funcref', 'a plain JS function', () => {}],
      ['(mut i32)', 'a Number (mutable globals need a Global)', 1],
    ])('global %s import given %s -> LinkError', (type, _, v) => {
      const m = compile(`(module (import "m" "g" (global ${type})))`);
      expectThrow(() => new Instance(m, { m: { g: v } }), LinkError());
    });

    it('global imports given matching primitive values link', () => {
      const m = compile(`(module
        (import "m" "a" (global i32)) (import "m" "b" (global i64))
        (import "m" "c" (global f64)) (import "m" "d" (global externref))
        (func (export "a") (result i32) (global.get 0))
        (func (export "b") (result i64) (global.get 1))
        (func (export "c") (result f64) (global.get 2))
        (func (export "d") (result externref) (global.get 3)))`);
      const obj = {};
      const e = new Instance(m, { m: { a: 2 ** 32 + 9, b: -5n, c: 0.5, d: obj } }).exports;
      expect(e.a()).toBe(9);
      expect(e.b()).toBe(-5n);
      expect(e.c()).toBe(0.5);
      expect(e.d()).toBe(obj);
    });

    it('function signature mismatch with another instance\'s export -> LinkError', () => {
      const a = new Instance(compile('(module (func (export "f") (param i32) (result i32) (local.get 0)))'));
      for (const sig of ['(param i64) (result i32)', '(param i32)', '(param i32) (result i32 i32)', '', '(param i32 i32) (result i32)']) {
        const m = compile(`(module (import "m" "f" (func ${sig})))`);
        expectThrow(() => new Instance(m, { m: { f: a.exports.f } }), LinkError());
      }
      const ok = compile('(module (import "m" "f" (func (param i32) (result i32))))');
      expect(new Instance(ok, { m: { f: a.exports.f } })).toBeInstanceOf(Instance);
    });

    it('memory, global and tag type mismatches with another instance\'s exports -> LinkError', () => {
      const a = new Instance(
        compile('(module (memory (export "mem") 1 2) (global (export "g") (mut i32) (i32.const 0)) (tag (export "t") (param i32)))'),
      ).exports;
      const cases = [
        ['(memory 2)', 'mem'], // initial larger than provided
        ['(memory 1 1)', 'mem'], // maximum smaller than provided
        ['(global i32)', 'g'], // mutability
        ['(global (mut i64))', 'g'], // type
        ['(tag (param i64))', 't'], // tag type
        ['(tag)', 't'],
      ];
      for (const [desc, name] of cases) {
        const m = compile(`(module (import "m" "x" ${desc}))`);
        expectThrow(() => new Instance(m, { m: { x: a[name] } }), LinkError());
      }
    });

    it('the link error comes from the engine, not a TypeError or a RuntimeError', () => {
      const m = compile('(module (import "m" "f" (func)))');
      const e = thrown(() => new Instance(m, { m: { f: 0 } }));
      expect(e).toBeInstanceOf(WebAssembly.LinkError);
      expect(e).not.toBeInstanceOf(TypeError);
      expect(e).not.toBeInstanceOf(WebAssembly.RuntimeError);
      expect(e).not.toBeInstanceOf(WebAssembly.CompileError);
    });
  });

  describe('the exports object', () => {
    const m = () =>
      compile(`(module
        (func $f (export "zeta") (result i32) (i32.const 1))
        (memory (export "alpha") 1)
        (table (export "beta") 1 funcref)
        (global (export "gamma") i32 (i32.const 7))
        (tag (export "delta"))
        (export "epsilon" (func $f)))`);

    it('is the same object on every access', () => {
      const i = new Instance(m());
      expect(i.exports).toBe(i.exports);
    });

    it('has a null prototype and is frozen', () => {
      const { exports } = new Instance(m());
      expect(Object.getPrototypeOf(exports)).toBe(null);
      expect(Object.isFrozen(exports)).toBe(true);
      expect(Object.isExtensible(exports)).toBe(false);
      expectThrow(() => {
        'use strict';
        exports.zeta = 1;
      }, TypeError);
      expectThrow(() => {
        'use strict';
        exports.added = 1;
      }, TypeError);
      expectThrow(() => {
        'use strict';
        delete exports.zeta;
      }, TypeError);
      expect(Reflect.setPrototypeOf(exports, {})).toBe(false);
      expect(Object.getPrototypeOf(exports)).toBe(null);
    });

    it('has its keys in export order', () => {
      const { exports } = new Instance(m());
      expect(Reflect.ownKeys(exports)).toEqual(['zeta', 'alpha', 'beta', 'gamma', 'delta', 'epsilon']);
    });

    it('orders array-index-like export names first, ascending (ordinary object key order)', () => {
      const { exports } = new Instance(compile('(module (func (export "b")) (func (export "10")) (func (export "a")) (func (export "2")))'));
      expect(Reflect.ownKeys(exports)).toEqual(['2', '10', 'b', 'a']);
    });

    it('has non-writable, enumerable, non-configurable data properties', () => {
      const { exports } = new Instance(m());
      for (const key of Reflect.ownKeys(exports)) {
        expectDataProperty(exports, key, { writable: false, enumerable: true, configurable: false });
      }
    });

    it('holds a value of the right kind for each export', () => {
      const { exports } = new Instance(m());
      expect(typeof exports.zeta).toBe('function');
      expect(exports.zeta()).toBe(1);
      expect(exports.epsilon).toBe(exports.zeta);
      expect(exports.alpha).toBeInstanceOf(WebAssembly.Memory);
      expect(exports.beta).toBeInstanceOf(WebAssembly.Table);
      expect(exports.gamma).toBeInstanceOf(WebAssembly.Global);
      expect(exports.delta).toBeInstanceOf(WebAssembly.Tag);
    });

    it('is an empty frozen null-prototype object for a module without exports', () => {
      const { exports } = new Instance(compile('(module (func))'));
      expect(Reflect.ownKeys(exports)).toEqual([]);
      expect(Object.getPrototypeOf(exports)).toBe(null);
      expect(Object.isFrozen(exports)).toBe(true);
    });

    it('re-exported imports are the same objects (object caches)', () => {
      const a = new Instance(m()).exports;
      const b = new Instance(
        compile(`(module
          (import "a" "zeta" (func (result i32)))
          (import "a" "alpha" (memory 1))
          (import "a" "beta" (table 1 funcref))
          (import "a" "gamma" (global i32))
          (import "a" "delta" (tag))
          (export "f" (func 0)) (export "m" (memory 0)) (export "t" (table 0))
          (export "g" (global 0)) (export "e" (tag 0)))`),
        { a },
      ).exports;
      expect(b.f).toBe(a.zeta);
      expect(b.m).toBe(a.alpha);
      expect(b.t).toBe(a.beta);
      expect(b.g).toBe(a.gamma);
      expect(b.e).toBe(a.delta);
    });
  });

  describe('Instance.prototype.exports accessor', () => {
    const descriptor = () => Object.getOwnPropertyDescriptor(Instance.prototype, 'exports');

    it('is an enumerable, configurable getter without a setter', () => {
      const d = descriptor();
      expect(d).toBeDefined();
      expect(typeof d.get).toBe('function');
      expect(d.set).toBe(undefined);
      expect(d.enumerable).toBe(true);
      expect(d.configurable).toBe(true);
      expect('value' in d).toBe(false);
    });

    it('getter is named "get exports" with length 0 and is not a constructor', () => {
      const { get } = descriptor();
      expectFunctionNameAndLength(get, 'get exports', 0);
      expectThrow(() => new get(), TypeError);
    });

    it('getter returns the exports of its receiver', () => {
      const i = new Instance(compile('(module (func (export "f")))'));
      expect(descriptor().get.call(i)).toBe(i.exports);
    });

    it('assignment does not change exports (no setter: TypeError in strict code)', () => {
      const i = new Instance(compile('(module (func (export "f")))'));
      const before = i.exports;
      expectThrow(() => {
        'use strict';
        i.exports = {};
      }, TypeError);
      expect(i.exports).toBe(before);
    });

    it.each([
      ['a plain object', () => ({})],
      ['Instance.prototype', () => Instance.prototype],
      ['an object inheriting from Instance.prototype', () => Object.create(Instance.prototype)],
      ['a Module', () => compile('(module)')],
      ['undefined', () => undefined],
      ['null', () => null],
      ['a number', () => 1],
    ])('getter brand check: TypeError for %s', (_, receiver) => {
      expectThrow(() => descriptor().get.call(receiver()), TypeError);
    });

    it('reading Instance.prototype.exports throws TypeError', () => {
      expectThrow(() => Instance.prototype.exports, TypeError);
    });
  });

  describe('start function', () => {
    it('runs during construction, with its imports, before the constructor returns', () => {
      const m = compile(`(module
        (import "m" "log" (func $log (param i32)))
        (global $g (mut i32) (i32.const 0))
        (func $start (call $log (i32.const 17)) (global.set $g (i32.const 99)))
        (start $start)
        (func (export "g") (result i32) (global.get $g)))`);
      const log = [];
      const i = new Instance(m, { m: { log: (x) => log.push(x) } });
      log.push('returned');
      expect(log).toEqual([17, 'returned']);
      expect(i.exports.g()).toBe(99);
    });

    it('runs once per instantiation', () => {
      const m = compile('(module (import "m" "f" (func)) (start 0))');
      let calls = 0;
      const io = { m: { f: () => calls++ } };
      new Instance(m, io);
      new Instance(m, io);
      expect(calls).toBe(2);
    });

    it('a trap in the start function -> the engine\'s RuntimeError from the constructor', () => {
      const m = compile('(module (func $s unreachable) (start $s))');
      expectThrow(() => new Instance(m), WebAssembly.RuntimeError, 'unreachable');
    });

    it('a memory trap in the start function -> RuntimeError naming it', () => {
      const m = compile('(module (memory 1) (func $s (drop (i32.load (i32.const 65536)))) (start $s))');
      expectThrow(() => new Instance(m), WebAssembly.RuntimeError, 'memory access out of bounds');
    });

    it('an exception thrown by JS called from the start function propagates unchanged', () => {
      const m = compile('(module (import "m" "f" (func)) (start 0))');
      const err = new SyntaxError('from start');
      expect(
        thrown(
          () =>
            new Instance(m, {
              m: {
                f() {
                  throw err;
                },
              },
            }),
        ),
      ).toBe(err);
      expect(
        thrown(
          () =>
            new Instance(m, {
              m: {
                f() {
                  throw 'plain string';
                },
              },
            }),
        ),
      ).toBe('plain string');
    });

    it('the module stays instantiable after a failed start', () => {
      const m = compile(`(module (import "m" "ok" (global i32))
        (func $s (if (i32.eqz (global.get 0)) (then unreachable))) (start $s)
        (func (export "f") (result i32) (i32.const 3)))`);
      expectThrow(() => new Instance(m, { m: { ok: 0 } }), WebAssembly.RuntimeError, 'unreachable');
      expect(new Instance(m, { m: { ok: 1 } }).exports.f()).toBe(3);
    });
  });

  // The spec's elem.wast; wasmer cannot compile such a segment, wasm-rt rewrites it (src/compile/elem_init.rs).
  describe('element segments initialised with global.get', () => {
    const exporter = wat('(module (func (result i32) (i32.const 42)) (global (export "f") funcref (ref.func 0)))');
    const user = wat(`(module
      (import "m" "f" (global funcref))
      (type $t (func (result i32)))
      (table 10 funcref)
      (global $n (mut i32) (i32.const 0))
      (elem (i32.const 2) funcref (ref.null func) (global.get 0) (ref.func $seven))
      (func $seven (result i32) (i32.const 7))
      (func $start (global.set $n (i32.const 5)))
      (start $start)
      (func (export "call") (param i32) (result i32) (call_indirect (type $t) (local.get 0)))
      (func (export "n") (result i32) (global.get $n)))`);

    it('hold the global’s function, beside the other items; the module’s start still runs', () => {
      const f = new Instance(new Module(exporter)).exports.f;
      const { exports } = new Instance(new Module(user), { m: { f } });
      expect(exports.call(3)).toBe(42);
      expect(exports.call(4)).toBe(7);
      expectThrow(() => exports.call(2), WebAssembly.RuntimeError);
      expect(exports.n()).toBe(5);
      expect(WebAssembly.Module.exports(new Module(user)).map((e) => e.name)).toEqual(['call', 'n']);
    });
  });
});
