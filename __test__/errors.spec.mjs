// CompileError, LinkError, RuntimeError
//
// JS API §5.10 "Error Objects": for each of « "CompileError", "LinkError",
// "RuntimeError" », "let constructor be a new object, implementing the
// NativeError Object Structure, with NativeError set to error", defined on the
// namespace with DefineMethodProperty(namespace, error, constructor, false)
// (writable, non-enumerable, configurable).
//
// ECMA-262 §20.5.6 NativeError Object Structure:
// - NativeError(message [, options]) is callable as a function (creates a new
//   object like `new` does); with message not undefined it defines an own
//   "message" {writable, non-enumerable, configurable}; InstallErrorCause adds
//   an own "cause" when options is an object that has "cause".
// - NativeError.length is 1, NativeError.name is the error name,
//   [[Prototype]] is %Error%; NativeError.prototype is
//   {writable: false, enumerable: false, configurable: false}.
// - NativeError.prototype is an ordinary object (not an Error instance) whose
//   [[Prototype]] is %Error.prototype%, with own constructor, message ("")
//   and name; it has no @@toStringTag.
import { describe, expect, it } from 'vitest';
import { engines } from './helpers/engines.mjs';
import { expectDataProperty, expectFunctionNameAndLength, expectThrow, thrown } from './helpers/assert.mjs';
import { wat } from './helpers/wat.mjs';

const NAMES = ['CompileError', 'LinkError', 'RuntimeError'];

describe.each(engines)('$name', ({ WebAssembly }) => {
  describe.each(NAMES)('%s', (name) => {
    const C = () => WebAssembly[name];

    it('new X("m") creates an error with that message', () => {
      const e = new (C())('m');
      expect(e).toBeInstanceOf(C());
      expect(e).toBeInstanceOf(Error);
      expect(Object.getPrototypeOf(e)).toBe(C().prototype);
      expect(e.message).toBe('m');
      expect(e.name).toBe(name);
    });

    it('X("m") without new also creates an error', () => {
      const e = C()('m');
      expect(e).toBeInstanceOf(C());
      expect(Object.getPrototypeOf(e)).toBe(C().prototype);
      expect(e.message).toBe('m');
      const e2 = C().call({ unrelated: true }, 'n');
      expect(Object.getPrototypeOf(e2)).toBe(C().prototype);
      expect(e2.message).toBe('n');
    });

    it('is an Error subclass: X.__proto__ === Error, X.prototype.__proto__ === Error.prototype', () => {
      expect(Object.getPrototypeOf(C())).toBe(Error);
      expect(Object.getPrototypeOf(C().prototype)).toBe(Error.prototype);
      expect(C().prototype).not.toBe(Error.prototype);
    });

    it('has name and length 1', () => {
      expectFunctionNameAndLength(C(), name, 1);
    });

    it('X.prototype is non-writable, non-enumerable, non-configurable', () => {
      expectDataProperty(C(), 'prototype', { writable: false, enumerable: false, configurable: false });
    });

    it('X.prototype has exactly constructor, name and message, with the standard attributes', () => {
      const proto = C().prototype;
      expect(Reflect.ownKeys(proto).sort()).toEqual(['constructor', 'message', 'name']);
      expectDataProperty(proto, 'constructor', { value: C(), writable: true, enumerable: false, configurable: true });
      expectDataProperty(proto, 'name', { value: name, writable: true, enumerable: false, configurable: true });
      expectDataProperty(proto, 'message', { value: '', writable: true, enumerable: false, configurable: true });
    });

    it('X.prototype has no Symbol.toStringTag and is not itself an Error instance', () => {
      const proto = C().prototype;
      expect(Object.getOwnPropertySymbols(proto)).toEqual([]);
      expect(Object.hasOwn(proto, Symbol.toStringTag)).toBe(false);
      expect(proto[Symbol.toStringTag]).toBe(undefined);
      expect(Object.prototype.toString.call(proto)).toBe('[object Object]');
    });

    it('instances are real Error objects ([object Error])', () => {
      expect(Object.prototype.toString.call(new (C())('x'))).toBe('[object Error]');
    });

    it('message is an own non-enumerable property, converted with ToString, absent when undefined', () => {
      const e = new (C())(42);
      expectDataProperty(e, 'message', { value: '42', writable: true, enumerable: false, configurable: true });
      expect(new (C())({ toString: () => 'obj' }).message).toBe('obj');
      const noMessage = new (C())();
      expect(Object.hasOwn(noMessage, 'message')).toBe(false);
      expect(noMessage.message).toBe('');
      expect(Object.hasOwn(new (C())(undefined), 'message')).toBe(false);
      expect(new (C())('').message).toBe('');
      expect(Object.hasOwn(new (C())(''), 'message')).toBe(true);
      expectThrow(() => new (C())(Symbol('m')), TypeError);
    });

    it('own enumerable properties: none', () => {
      expect(Object.keys(new (C())('m', { cause: 1 }))).toEqual([]);
    });

    it('supports the cause option', () => {
      const cause = { reason: 'x' };
      const e = new (C())('m', { cause });
      expect(e.cause).toBe(cause);
      expectDataProperty(e, 'cause', { value: cause, writable: true, enumerable: false, configurable: true });
      expect(C()('m', { cause: 5 }).cause).toBe(5);
      const undef = new (C())('m', { cause: undefined });
      expect(Object.hasOwn(undef, 'cause')).toBe(true);
      expect(undef.cause).toBe(undefined);
    });

    it('has no cause without the option, or when options is not an object or lacks cause', () => {
      expect(Object.hasOwn(new (C())('m'), 'cause')).toBe(false);
      expect(Object.hasOwn(new (C())('m', {}), 'cause')).toBe(false);
      expect(Object.hasOwn(new (C())('m', 'cause'), 'cause')).toBe(false);
      expect(Object.hasOwn(new (C())('m', null), 'cause')).toBe(false);
      expect(Object.hasOwn(new (C())('m', Object.create({ cause: 1 })), 'cause')).toBe(true);
    });

    it('toString gives "Name: message" via Error.prototype.toString', () => {
      expect(String(new (C())('m'))).toBe(`${name}: m`);
      expect(new (C())().toString()).toBe(name);
      expect(C().prototype.toString).toBe(Error.prototype.toString);
    });

    it('can be subclassed', () => {
      class Mine extends C() {
        constructor(message) {
          super(message, { cause: 'sub' });
        }
      }
      const e = new Mine('m');
      expect(e).toBeInstanceOf(Mine);
      expect(e).toBeInstanceOf(C());
      expect(e.message).toBe('m');
      expect(e.cause).toBe('sub');
      expect(e.name).toBe(name);
    });

    it('uses new.target\'s prototype', () => {
      function Other() {}
      Other.prototype = Object.create(Error.prototype);
      const e = Reflect.construct(C(), ['m'], Other);
      expect(Object.getPrototypeOf(e)).toBe(Other.prototype);
      expect(e.message).toBe('m');
    });

    it('is distinct from the other two classes and from the built-in errors', () => {
      const e = new (C())('m');
      for (const other of NAMES.filter((n) => n !== name)) {
        expect(e).not.toBeInstanceOf(WebAssembly[other]);
      }
      expect(e).not.toBeInstanceOf(TypeError);
      expect(e).not.toBeInstanceOf(RangeError);
    });
  });

  describe('errors thrown by the API are instances of these classes', () => {
    it('CompileError from new Module, with the standard shape', () => {
      const e = thrown(() => new WebAssembly.Module(new Uint8Array([0, 1, 2, 3])));
      expect(Object.getPrototypeOf(e)).toBe(WebAssembly.CompileError.prototype);
      expect(e.name).toBe('CompileError');
      expect(typeof e.message).toBe('string');
      expect(e.message.length).toBeGreaterThan(0);
      expect(Object.prototype.toString.call(e)).toBe('[object Error]');
    });

    it('LinkError from new Instance', () => {
      const m = new WebAssembly.Module(wat('(module (import "m" "f" (func)))'));
      const e = thrown(() => new WebAssembly.Instance(m, { m: { f: 1 } }));
      expect(Object.getPrototypeOf(e)).toBe(WebAssembly.LinkError.prototype);
      expect(e.name).toBe('LinkError');
      expect(e.message.length).toBeGreaterThan(0);
    });

    it('RuntimeError from a trap', () => {
      const { f } = new WebAssembly.Instance(new WebAssembly.Module(wat('(module (func (export "f") unreachable))'))).exports;
      const e = thrown(() => f());
      expect(Object.getPrototypeOf(e)).toBe(WebAssembly.RuntimeError.prototype);
      expect(e.name).toBe('RuntimeError');
      expect(String(e)).toBe(`RuntimeError: ${e.message}`);
      expect(Object.prototype.toString.call(e)).toBe('[object Error]');
    });
  });
});
