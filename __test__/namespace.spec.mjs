// The WebAssembly namespace object.
//
// JS API §5 "The WebAssembly Namespace" declares `namespace WebAssembly` with
// the operations validate/compile/instantiate; the Web API adds
// compileStreaming/instantiateStreaming; the interfaces Module, Instance,
// Memory, Table, Global, Tag, Exception are [LegacyNamespace=WebAssembly]; the
// error classes are added by JS API §5.10 "Error Objects".
//
// WebIDL "Namespaces": the namespace object's [[Prototype]] is
// %Object.prototype% and its class string is the identifier, i.e. it has an
// own @@toStringTag { value: "WebAssembly", writable: false,
// enumerable: false, configurable: true }.
// WebIDL "Operations" (define the regular operations): each operation is a
// data property { writable: true, enumerable: true, configurable: true }
// holding a built-in function (not a constructor) whose `length` is the
// shortest argument count of its overloads and whose `name` is the identifier.
// WebIDL "Interface object" / [LegacyNamespace]: the interface object is a
// data property { writable: true, enumerable: false, configurable: true }.
import { describe, expect, it } from 'vitest';
import { engines } from './helpers/engines.mjs';
import { expectDataProperty, expectFunctionNameAndLength, expectThrow } from './helpers/assert.mjs';
import { wat } from './helpers/wat.mjs';

const OPERATIONS = [
  ['validate', 1],
  ['compile', 1],
  ['instantiate', 1],
  ['compileStreaming', 1],
  ['instantiateStreaming', 1],
];

// Interfaces owned by this project's Module/Instance work, and the three
// NativeError-like classes: checked in full.
const CONSTRUCTORS = [
  ['Module', 1],
  ['Instance', 1],
  ['CompileError', 1],
  ['LinkError', 1],
  ['RuntimeError', 1],
];

// Owned by other work: only their presence on the namespace is checked here.
const OTHER_INTERFACES = ['Memory', 'Table', 'Global', 'Tag', 'Exception'];

describe.each(engines)('$name', ({ WebAssembly }) => {
  describe('the namespace object', () => {
    it('is an ordinary, non-callable object inheriting from Object.prototype', () => {
      expect(typeof WebAssembly).toBe('object');
      expect(WebAssembly).not.toBe(null);
      expect(Object.getPrototypeOf(WebAssembly)).toBe(Object.prototype);
      expect(Object.isExtensible(WebAssembly)).toBe(true);
      expect(() => WebAssembly()).toThrow(TypeError);
    });

    it('has Symbol.toStringTag "WebAssembly" (non-writable, non-enumerable, configurable)', () => {
      expectDataProperty(WebAssembly, Symbol.toStringTag, {
        value: 'WebAssembly',
        writable: false,
        enumerable: false,
        configurable: true,
      });
      expect(Object.prototype.toString.call(WebAssembly)).toBe('[object WebAssembly]');
      expect(String(WebAssembly)).toBe('[object WebAssembly]');
    });

    it('enumerates only operations and attributes (interfaces and errors are non-enumerable)', () => {
      // JSTag is a readonly attribute of the namespace in the current draft
      // (enumerable accessor); an engine without exception-handling's JSTag
      // simply lacks it.
      // `promising` is JS Promise Integration's operation, which V8 13.6 on have (wasm-rt does not).
      const allowed = new Set([...OPERATIONS.map(([n]) => n), 'JSTag', 'promising']);
      const enumerable = Object.keys(WebAssembly);
      for (const key of enumerable) expect(allowed.has(key), `unexpected enumerable ${key}`).toBe(true);
      for (const [name] of OPERATIONS) expect(enumerable).toContain(name);
    });
  });

  describe.each(OPERATIONS)('operation %s', (name, length) => {
    it('is a writable, enumerable, configurable data property holding a function', () => {
      const d = expectDataProperty(WebAssembly, name, { writable: true, enumerable: true, configurable: true });
      expect(typeof d.value).toBe('function');
    });

    it(`has name "${name}" and length ${length}`, () => {
      expectFunctionNameAndLength(WebAssembly[name], name, length);
    });

    it('is a plain built-in function: Function.prototype, no prototype property, not a constructor', () => {
      const f = WebAssembly[name];
      expect(Object.getPrototypeOf(f)).toBe(Function.prototype);
      expect(Object.hasOwn(f, 'prototype')).toBe(false);
      expectThrow(() => new f(wat('(module)')), TypeError);
      expectThrow(() => Reflect.construct(function () {}, [], f), TypeError);
    });
  });

  it('operations do not depend on their this value', async () => {
    const bytes = wat('(module (func (export "f") (result i32) (i32.const 11)))');
    const { validate, compile, instantiate } = WebAssembly;
    expect(validate(bytes)).toBe(true);
    expect(validate.call({}, bytes)).toBe(true);
    const module = await compile.call(undefined, bytes);
    expect(module).toBeInstanceOf(WebAssembly.Module);
    const instance = await instantiate.call(null, module);
    expect(instance.exports.f()).toBe(11);
  });

  describe.each(CONSTRUCTORS)('constructor %s', (name, length) => {
    it('is a writable, non-enumerable, configurable data property holding a function', () => {
      const d = expectDataProperty(WebAssembly, name, { writable: true, enumerable: false, configurable: true });
      expect(typeof d.value).toBe('function');
    });

    it(`has name "${name}" and length ${length}`, () => {
      expectFunctionNameAndLength(WebAssembly[name], name, length);
    });

    it('has a non-writable, non-enumerable, non-configurable prototype whose constructor points back', () => {
      const C = WebAssembly[name];
      const proto = expectDataProperty(C, 'prototype', { writable: false, enumerable: false, configurable: false }).value;
      expect(typeof proto).toBe('object');
      expectDataProperty(proto, 'constructor', { value: C, writable: true, enumerable: false, configurable: true });
    });
  });

  describe('Module and Instance interface objects', () => {
    // Module has %AbstractModuleSource% between where the running V8 has source phase imports
    // (13.6 on; module.spec.mjs checks it).
    it.each(['Module', 'Instance'])('%s inherits from Function.prototype and its prototype from Object.prototype (or %%AbstractModuleSource%%)', (name) => {
      const C = WebAssembly[name];
      const base = name === 'Module' ? Object.getPrototypeOf(globalThis.WebAssembly.Module) : Function.prototype;
      expect(Object.getPrototypeOf(C)).toBe(base);
      expect(Object.getPrototypeOf(C.prototype)).toBe(base === Function.prototype ? Object.prototype : base.prototype);
    });

    it.each(['Module', 'Instance'])('%s.prototype has Symbol.toStringTag "WebAssembly.%s"', (name) => {
      expectDataProperty(WebAssembly[name].prototype, Symbol.toStringTag, {
        value: `WebAssembly.${name}`,
        writable: false,
        enumerable: false,
        configurable: true,
      });
    });
  });

  describe('error classes', () => {
    it.each(['CompileError', 'LinkError', 'RuntimeError'])('%s is a distinct Error subclass', (name) => {
      const C = WebAssembly[name];
      expect(Object.getPrototypeOf(C)).toBe(Error);
      expect(Object.getPrototypeOf(C.prototype)).toBe(Error.prototype);
      const others = ['CompileError', 'LinkError', 'RuntimeError'].filter((n) => n !== name);
      for (const other of others) expect(C).not.toBe(WebAssembly[other]);
    });
  });

  describe.each(OTHER_INTERFACES)('interface %s (presence only)', (name) => {
    it('is present as a non-enumerable function-valued property', () => {
      const d = Object.getOwnPropertyDescriptor(WebAssembly, name);
      expect(d).toBeDefined();
      expect(typeof d.value).toBe('function');
      expect(d.enumerable).toBe(false);
    });
  });
});

// Not a spec behaviour: a sanity check that the wasm-rt rows really exercise
// wasm-rt, i.e. that require('wasm-rt').WebAssembly is its own implementation
// rather than Node's built-in namespace (or pieces of it) handed through.
describe.each(engines.filter((e) => e.name === 'wasm-rt'))('$name is its own implementation', ({ WebAssembly }) => {
  it('is not Node\'s built-in namespace and shares none of its functions', () => {
    expect(WebAssembly).not.toBe(globalThis.WebAssembly);
    for (const key of [...OPERATIONS.map(([n]) => n), ...CONSTRUCTORS.map(([n]) => n)]) {
      expect(WebAssembly[key], key).not.toBe(globalThis.WebAssembly[key]);
    }
  });

  it('its Modules are not V8 Modules', () => {
    const m = new WebAssembly.Module(wat('(module)'));
    expect(m).not.toBeInstanceOf(globalThis.WebAssembly.Module);
    expect(() => globalThis.WebAssembly.Module.exports(m)).toThrow(TypeError);
  });
});
