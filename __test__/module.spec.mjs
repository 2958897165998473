// WebAssembly.Module
//
// JS API §5.1 "Modules":
//   [LegacyNamespace=WebAssembly, Exposed=*]
//   interface Module {
//     constructor([AllowResizable] AllowSharedBufferSource bytes, optional WebAssemblyCompileOptions options = {});
//     static sequence<ModuleExportDescriptor> exports(Module moduleObject);
//     static sequence<ModuleImportDescriptor> imports(Module moduleObject);
//     static sequence<ArrayBuffer> customSections(Module moduleObject, DOMString sectionName);
//   };
// The constructor copies the bytes, compiles them (CompileError on failure)
// and stores the copy in [[Bytes]]. exports/imports list module_exports /
// module_imports in module order with the "string value of the extern type"
// as kind. customSections returns a new ArrayBuffer with a copy of the
// contents of every custom section whose (UTF-8 decoded) name equals
// sectionName, in order.
// WebIDL: constructors throw a TypeError when called without new; the
// `Module moduleObject` arguments are brand-checked (TypeError); static
// operations are { writable, enumerable, configurable } built-in functions;
// the class string is "WebAssembly.Module".
import { beforeEach, describe, expect, it } from 'vitest';
import { engines, specDeviation } from './helpers/engines.mjs';
import { expectDataProperty, expectFunctionNameAndLength, expectThrow } from './helpers/assert.mjs';
import { wat } from './helpers/wat.mjs';
import { HEADER, customSection, str } from './helpers/binary.mjs';

const bytesOf = (buf) => [...new Uint8Array(buf)];
const textOf = (buf) => new TextDecoder().decode(buf);

const ALL_KINDS = wat(`(module
  (import "env" "f" (func (param i32)))
  (import "env" "t" (table 1 funcref))
  (import "mem" "m" (memory 1))
  (import "env" "g" (global i32))
  (import "other" "e" (tag (param i32)))
  (import "env" "f2" (func))
  (func $own)
  (table $tab 1 funcref)
  (global $glob i32 (i32.const 0))
  (tag $tag)
  (export "tag" (tag $tag))
  (export "glob" (global $glob))
  (export "own" (func $own))
  (export "mem" (memory 0))
  (export "tab" (table $tab))
  (export "reexported" (func 0))
  (export "f-again" (func $own)))`);

// Source phase imports (TC39): V8 13.6 (Node 24) on makes WebAssembly.Module a subclass of the
// realm's %AbstractModuleSource%, whose toStringTag getter names the class of a module source.
// Node 20 and 22 have no such intrinsic: Module inherits from Function.prototype there.
const V8_BASE = Object.getPrototypeOf(globalThis.WebAssembly.Module);
const HAS_SOURCE_PHASE = V8_BASE !== Function.prototype;

describe.each(engines)('$name', ({ name: engine, WebAssembly }) => {
  // Looked up per test (not at collection time), so that an engine that fails
  // to load fails each test instead of the whole file.
  let Module;
  beforeEach(() => {
    Module = WebAssembly.Module;
  });

  describe('constructor', () => {
    it('returns a Module for valid bytes', () => {
      const m = new Module(wat('(module)'));
      expect(m).toBeInstanceOf(Module);
      expect(Object.getPrototypeOf(m)).toBe(Module.prototype);
      expect(Object.isExtensible(m)).toBe(true);
      expect(Reflect.ownKeys(m)).toEqual([]);
    });

    it('requires new (TypeError when called)', () => {
      expectThrow(() => Module(wat('(module)')), TypeError);
      expectThrow(() => Module.call({}, wat('(module)')), TypeError);
      expectThrow(() => Module(), TypeError);
    });

    it.each([
      ['an empty buffer', []],
      ['a bad magic number', [0x00, 0x61, 0x73, 0x6e, 0x01, 0x00, 0x00, 0x00]],
      ['a bad version', [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x00, 0x00]],
      ['a truncated section', [...HEADER, 0x01, 0x05, 0x01]],
      ['a type error in a body', [...wat('(module (func (result i32) (i32.const 1)))').slice(0, -3), 0x42, 0x01, 0x0b]],
    ])('throws the engine\'s CompileError for %s', (_, bytes) => {
      const e = expectThrow(() => new Module(new Uint8Array(bytes)), WebAssembly.CompileError);
      expect(e).toBeInstanceOf(Error);
      expect(e.name).toBe('CompileError');
      expect(typeof e.message).toBe('string');
    });

    it.each([
      ['no argument', []],
      ['undefined', [undefined]],
      ['null', [null]],
      ['a number', [0]],
      ['a string', ['(module)']],
      ['a plain object', [{}]],
      ['an array', [[...wat('(module)')]]],
    ])('throws TypeError for %s', (_, args) => {
      expectThrow(() => new Module(...args), TypeError);
    });

    it('accepts an ArrayBuffer, a TypedArray and a view at an offset', () => {
      const bytes = wat('(module (func (export "f")))');
      expect(Module.exports(new Module(bytes.buffer.slice(0)))).toEqual([{ name: 'f', kind: 'function' }]);
      const ab = new ArrayBuffer(bytes.length + 4);
      new Uint8Array(ab).set(bytes, 4);
      expect(Module.exports(new Module(new Uint8Array(ab, 4)))).toEqual([{ name: 'f', kind: 'function' }]);
    });

    it('copies the bytes: mutating the buffer afterwards changes nothing', () => {
      const bytes = wat('(module (func (export "answer") (result i32) (i32.const 42)) (@custom "meta" "v1"))');
      const m = new Module(bytes);
      bytes.fill(0xff);
      expect(Module.exports(m)).toEqual([{ name: 'answer', kind: 'function' }]);
      expect(textOf(Module.customSections(m, 'meta')[0])).toBe('v1');
      expect(new WebAssembly.Instance(m).exports.answer()).toBe(42);
    });

    // wasm-rt compiles such a module without its large custom sections (src/compile/pipeline.rs, compact).
    it('keeps a large custom section, and an error after it keeps its offset', () => {
      const big = new Uint8Array(200_000).map((_, i) => i & 0xff);
      const fn = wat('(module (func (export "answer") (result i32) (i32.const 42)))');
      const bytes = new Uint8Array([...HEADER, ...customSection('blob', [...big]), ...fn.subarray(8)]);
      const m = new Module(bytes);
      expect(bytesOf(Module.customSections(m, 'blob')[0])).toEqual([...big]);
      expect(new WebAssembly.Instance(m).exports.answer()).toBe(42);
      // The same module with its function body's opcode changed to an undefined one.
      const broken = bytes.slice();
      const at = broken.lastIndexOf(0x41); // i32.const
      broken[at] = 0xff;
      expect(WebAssembly.validate(broken)).toBe(false);
      let error;
      try {
        new Module(broken);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(WebAssembly.CompileError);
      // V8 writes the offset in decimal ("@+200045"), wasmer in hex ("at offset 0x30d6d").
      const v8 = /@\+(\d+)/.exec(error.message);
      const decimal = v8 ? Number(v8[1]) : parseInt(/at offset 0x([0-9a-f]+)/.exec(error.message)[1], 16);
      expect(decimal).toBe(at);
    });

    it('supports subclassing (prototype from new.target)', () => {
      class MyModule extends Module {
        extra() {
          return 'extra';
        }
      }
      const m = new MyModule(wat('(module (func (export "x")))'));
      expect(m).toBeInstanceOf(MyModule);
      expect(m).toBeInstanceOf(Module);
      expect(m.extra()).toBe('extra');
      expect(Module.exports(m)).toEqual([{ name: 'x', kind: 'function' }]);
      expect(new WebAssembly.Instance(m).exports.x()).toBe(undefined);

      function Fake() {}
      Fake.prototype = Object.create(null);
      const viaReflect = Reflect.construct(Module, [wat('(module)')], Fake);
      expect(Object.getPrototypeOf(viaReflect)).toBe(Fake.prototype);
      expect(Module.imports(viaReflect)).toEqual([]);
    });
  });

  describe('interface object and prototype', () => {
    // Where V8 has source phase imports, %AbstractModuleSource% stands between (see the end).
    it('Module has name "Module" and length 1, and inherits from Function.prototype or %AbstractModuleSource%', () => {
      expectFunctionNameAndLength(Module, 'Module', 1);
      expect(Object.getPrototypeOf(Module)).toBe(V8_BASE);
    });

    it('Module.prototype: non-writable, non-enumerable, non-configurable; inherits from Object.prototype or %AbstractModuleSource%.prototype', () => {
      expectDataProperty(Module, 'prototype', { writable: false, enumerable: false, configurable: false });
      expect(Object.getPrototypeOf(Module.prototype)).toBe(HAS_SOURCE_PHASE ? V8_BASE.prototype : Object.prototype);
      expectDataProperty(Module.prototype, 'constructor', { value: Module, writable: true, enumerable: false, configurable: true });
    });

    it('Module.prototype has only constructor and Symbol.toStringTag', () => {
      expect(Reflect.ownKeys(Module.prototype).map(String).sort()).toEqual(['Symbol(Symbol.toStringTag)', 'constructor']);
    });

    it('Object.prototype.toString of a module is "[object WebAssembly.Module]"', () => {
      const m = new Module(wat('(module)'));
      expect(Object.prototype.toString.call(m)).toBe('[object WebAssembly.Module]');
      expect(String(m)).toBe('[object WebAssembly.Module]');
      expectDataProperty(Module.prototype, Symbol.toStringTag, {
        value: 'WebAssembly.Module',
        writable: false,
        enumerable: false,
        configurable: true,
      });
      expect(Object.prototype.toString.call(Module.prototype)).toBe('[object WebAssembly.Module]');
    });

    it.each([
      ['exports', 1],
      ['imports', 1],
      ['customSections', 2],
    ])('static %s: writable, enumerable, configurable; length %i; not a constructor', (name, length) => {
      const d = expectDataProperty(Module, name, { writable: true, enumerable: true, configurable: true });
      expectFunctionNameAndLength(d.value, name, length);
      expect(Object.hasOwn(d.value, 'prototype')).toBe(false);
      expectThrow(() => new d.value(new Module(wat('(module)')), 'x'), TypeError);
    });

    it('static operations do not depend on their this value', () => {
      const m = new Module(wat('(module (func (export "f")) (@custom "c" "")) '));
      const { exports, imports, customSections } = Module;
      expect(exports(m)).toEqual([{ name: 'f', kind: 'function' }]);
      expect(imports.call(42, m)).toEqual([]);
      expect(customSections.call(undefined, m, 'c')).toHaveLength(1);
    });
  });

  describe('Module.exports', () => {
    it('lists every export in module order with its kind', () => {
      const m = new Module(ALL_KINDS);
      expect(Module.exports(m)).toEqual([
        { name: 'tag', kind: 'tag' },
        { name: 'glob', kind: 'global' },
        { name: 'own', kind: 'function' },
        { name: 'mem', kind: 'memory' },
        { name: 'tab', kind: 'table' },
        { name: 'reexported', kind: 'function' },
        { name: 'f-again', kind: 'function' },
      ]);
    });

    it('returns a fresh array of fresh plain data objects with exactly name and kind', () => {
      const m = new Module(ALL_KINDS);
      const a = Module.exports(m);
      const b = Module.exports(m);
      expect(Array.isArray(a)).toBe(true);
      expect(Object.getPrototypeOf(a)).toBe(Array.prototype);
      expect(a).not.toBe(b);
      expect(a[0]).not.toBe(b[0]);
      for (const d of a) {
        expect(Object.getPrototypeOf(d)).toBe(Object.prototype);
        expect(Object.keys(d).sort()).toEqual(['kind', 'name']);
        expectDataProperty(d, 'name', { writable: true, enumerable: true, configurable: true });
        expectDataProperty(d, 'kind', { writable: true, enumerable: true, configurable: true });
        expect(typeof d.name).toBe('string');
      }
      a[0].name = 'changed';
      a.push('junk');
      expect(Module.exports(m)[0].name).toBe('tag');
      expect(Module.exports(m)).toHaveLength(7);
    });

    it('is empty for a module without exports', () => {
      const a = Module.exports(new Module(wat('(module (func) (memory 1))')));
      expect(a).toEqual([]);
      expect(Array.isArray(a)).toBe(true);
    });

    it('decodes names as UTF-8 (including the empty name)', () => {
      const m = new Module(wat('(module (func (export "")) (func (export "caf\\c3\\a9 \\e2\\82\\ac \\f0\\9f\\98\\80")))'));
      expect(Module.exports(m)).toEqual([
        { name: '', kind: 'function' },
        { name: 'café € 😀', kind: 'function' },
      ]);
    });
  });

  describe('Module.imports', () => {
    it('lists every import in module order with module, name and kind', () => {
      const m = new Module(ALL_KINDS);
      expect(Module.imports(m)).toEqual([
        { module: 'env', name: 'f', kind: 'function' },
        { module: 'env', name: 't', kind: 'table' },
        { module: 'mem', name: 'm', kind: 'memory' },
        { module: 'env', name: 'g', kind: 'global' },
        { module: 'other', name: 'e', kind: 'tag' },
        { module: 'env', name: 'f2', kind: 'function' },
      ]);
    });

    it('returns a fresh array of plain data objects with exactly module, name and kind', () => {
      const m = new Module(ALL_KINDS);
      const a = Module.imports(m);
      expect(Array.isArray(a)).toBe(true);
      expect(a).not.toBe(Module.imports(m));
      for (const d of a) {
        expect(Object.getPrototypeOf(d)).toBe(Object.prototype);
        expect(Object.keys(d).sort()).toEqual(['kind', 'module', 'name']);
        for (const k of ['module', 'name', 'kind']) {
          expectDataProperty(d, k, { writable: true, enumerable: true, configurable: true });
        }
      }
    });

    it('keeps duplicate imports and non-ASCII names', () => {
      const m = new Module(wat(`(module
        (import "\\c3\\bc" "x" (func))
        (import "\\c3\\bc" "x" (func))
        (import "" "" (global i64)))`));
      expect(Module.imports(m)).toEqual([
        { module: 'ü', name: 'x', kind: 'function' },
        { module: 'ü', name: 'x', kind: 'function' },
        { module: '', name: '', kind: 'global' },
      ]);
    });

    it('is empty for a module without imports', () => {
      expect(Module.imports(new Module(wat('(module (func (export "f")))')))).toEqual([]);
    });
  });

  describe('brand checks of the statics', () => {
    const notModules = () => [
      ['undefined', undefined],
      ['null', null],
      ['a plain object', {}],
      ['an object inheriting from Module.prototype', Object.create(Module.prototype)],
      ['Module.prototype', Module.prototype],
      ['the module bytes', wat('(module)')],
      ['an Instance', new WebAssembly.Instance(new Module(wat('(module)')))],
      ['the Module constructor', Module],
    ];

    it.each(['exports', 'imports'])('Module.%s throws TypeError for non-Modules', (name) => {
      for (const [label, value] of notModules()) {
        const e = expectThrow(() => Module[name](value), TypeError);
        expect(e, label).toBeInstanceOf(TypeError);
      }
      expectThrow(() => Module[name](), TypeError);
    });

    it('Module.customSections throws TypeError for non-Modules', () => {
      for (const [, value] of notModules()) {
        expectThrow(() => Module.customSections(value, 'name'), TypeError);
      }
    });
  });

  describe('Module.customSections', () => {
    const SECTIONS = wat(`(module
      (@custom "a" "first")
      (func (export "f"))
      (@custom "b" "other")
      (@custom "a" "second")
      (@custom "A" "upper")
      (@custom "a " "space")
      (@custom " a" "lead")
      (@custom "aa" "double")
      (@custom "empty" "")
      (@custom "" "nameless")
      (@custom "\\c3\\a9t\\c3\\a9" "accent"))`);

    it('returns the payloads of all sections with exactly that name, in order', () => {
      const m = new Module(SECTIONS);
      const a = Module.customSections(m, 'a');
      expect(Array.isArray(a)).toBe(true);
      expect(a.map(textOf)).toEqual(['first', 'second']);
      expect(Module.customSections(m, 'b').map(textOf)).toEqual(['other']);
    });

    it('compares names exactly (case, spaces, prefixes, empty, non-ASCII)', () => {
      const m = new Module(SECTIONS);
      expect(Module.customSections(m, 'A').map(textOf)).toEqual(['upper']);
      expect(Module.customSections(m, 'a ').map(textOf)).toEqual(['space']);
      expect(Module.customSections(m, ' a').map(textOf)).toEqual(['lead']);
      expect(Module.customSections(m, 'aa').map(textOf)).toEqual(['double']);
      expect(Module.customSections(m, '').map(textOf)).toEqual(['nameless']);
      expect(Module.customSections(m, 'été').map(textOf)).toEqual(['accent']);
      expect(Module.customSections(m, 'e\u0301te\u0301')).toEqual([]); // no normalization
      expect(Module.customSections(m, 'c')).toEqual([]);
      expect(Module.customSections(m, 'ab')).toEqual([]);
    });

    it('returns ArrayBuffers holding exactly the payload bytes', () => {
      const m = new Module(SECTIONS);
      const [buf] = Module.customSections(m, 'b');
      expect(buf).toBeInstanceOf(ArrayBuffer);
      expect(Object.getPrototypeOf(buf)).toBe(ArrayBuffer.prototype);
      expect(bytesOf(buf)).toEqual([...new TextEncoder().encode('other')]);
      const [empty] = Module.customSections(m, 'empty');
      expect(empty).toBeInstanceOf(ArrayBuffer);
      expect(empty.byteLength).toBe(0);
    });

    it('returns fresh copies on every call', () => {
      const m = new Module(SECTIONS);
      const [x] = Module.customSections(m, 'b');
      const [y] = Module.customSections(m, 'b');
      expect(x).not.toBe(y);
      new Uint8Array(x).fill(0);
      expect(textOf(Module.customSections(m, 'b')[0])).toBe('other');
      expect(textOf(y)).toBe('other');
    });

    it('handles arbitrary binary payloads and the "name" section', () => {
      const payload = [0, 1, 2, 0xff, 0x80, 0x7f];
      // a well-formed name section: module-name subsection naming the module "m"
      const nameSec = [0x00, ...((s) => [s.length, ...s])(str('m'))];
      const bytes = new Uint8Array([
        ...HEADER,
        ...customSection('bin', payload),
        ...customSection('name', nameSec),
        ...customSection('bin', []),
      ]);
      const m = new Module(bytes);
      expect(Module.customSections(m, 'bin').map(bytesOf)).toEqual([payload, []]);
      expect(Module.customSections(m, 'name').map(bytesOf)).toEqual([nameSec]);
    });

    it('is empty when the module has no custom sections', () => {
      const a = Module.customSections(new Module(wat('(module)')), 'name');
      expect(Array.isArray(a)).toBe(true);
      expect(a).toEqual([]);
    });

    it('converts sectionName with ToString (DOMString)', () => {
      const m = new Module(wat('(module (@custom "42" "n") (@custom "null" "nul") (@custom "[object Object]" "o") (@custom "x" "y"))'));
      expect(Module.customSections(m, 42).map(textOf)).toEqual(['n']);
      expect(Module.customSections(m, null).map(textOf)).toEqual(['nul']);
      expect(Module.customSections(m, {}).map(textOf)).toEqual(['o']);
      expect(Module.customSections(m, { toString: () => 'x' }).map(textOf)).toEqual(['y']);
      expectThrow(() => Module.customSections(m, Symbol('x')), TypeError);
      const boom = new RangeError('from toString');
      try {
        Module.customSections(m, { toString() { throw boom; } });
        expect.unreachable();
      } catch (e) {
        expect(e).toBe(boom);
      }
    });

    it('requires the sectionName argument (TypeError when it is missing)', () => {
      // WebIDL overload resolution: fewer arguments than required -> TypeError.
      const m = new Module(wat('(module (@custom "undefined" "u"))'));
      expectThrow(() => Module.customSections(m), TypeError);
    });

    // WebIDL: argument-count checking counts the arguments actually passed, so
    // an explicit `undefined` is present and converts as DOMString to
    // "undefined" (ToString). JS API §5.1 customSections then matches the
    // section named "undefined". V8 11.3 throws "Argument 1 is required".
    specDeviation('v8', 'treats an explicit undefined sectionName as missing')(
      engine,
      'an explicit undefined sectionName is the string "undefined"',
      () => {
        const m = new Module(wat('(module (@custom "undefined" "u"))'));
        expect(Module.customSections(m, undefined).map(textOf)).toEqual(['u']);
      },
    );

    it('reads the copy of the bytes taken at construction', () => {
      const bytes = wat('(module (@custom "k" "original"))');
      const m = new Module(bytes);
      bytes.set(new TextEncoder().encode('mutated!'), bytes.length - 8);
      expect(textOf(Module.customSections(m, 'k')[0])).toBe('original');
    });
  });
});


describe.each(engines)('$name: WebAssembly.Module and %AbstractModuleSource%', ({ WebAssembly }) => {
  it(`inherits from ${HAS_SOURCE_PHASE ? 'the realm’s %AbstractModuleSource%' : 'Function.prototype (no source phase imports in this V8)'}`, () => {
    expect(Object.getPrototypeOf(WebAssembly.Module)).toBe(V8_BASE);
    const m = new WebAssembly.Module(new Uint8Array(HEADER));
    if (!HAS_SOURCE_PHASE) {
      expect(Object.getPrototypeOf(WebAssembly.Module.prototype)).toBe(Object.prototype);
      return;
    }
    expect(V8_BASE.name).toBe('AbstractModuleSource');
    expect(Object.getPrototypeOf(WebAssembly.Module.prototype)).toBe(V8_BASE.prototype);
    expect(m).toBeInstanceOf(V8_BASE);
    const getter = Object.getOwnPropertyDescriptor(V8_BASE.prototype, Symbol.toStringTag).get;
    expect(getter.call(m)).toBe('WebAssembly.Module');
    expect(getter.call({})).toBe(undefined);
    expect(Object.prototype.toString.call(m)).toBe('[object WebAssembly.Module]');
    expect(() => new V8_BASE()).toThrow(TypeError);
  });
});
