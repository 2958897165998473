// Small assertion helpers shared by the spec tests.
import { expect } from 'vitest';

/** Runs fn, returns what it threw; fails the test if it returned normally. */
export function thrown(fn) {
  let result;
  try {
    result = fn();
  } catch (error) {
    return error;
  }
  throw new Error(`expected a throw, but it returned ${safeString(result)}`);
}

/** Awaits p, returns its rejection reason; fails the test if it fulfilled. */
export async function rejection(p) {
  let result;
  try {
    result = await p;
  } catch (error) {
    return error;
  }
  throw new Error(`expected a rejection, but it fulfilled with ${safeString(result)}`);
}

const REALM_ERRORS = new Set([Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError]);

/**
 * Asserts that `error` is an instance of `Ctor` - for the WebAssembly error
 * classes exactly (its prototype is Ctor.prototype), for the realm's
 * TypeError/RangeError/... an instance named like it - and optionally that
 * its message contains `messagePart`.
 */
export function expectErrorOf(error, Ctor, messagePart) {
  expect(error).toBeInstanceOf(Ctor);
  if (REALM_ERRORS.has(Ctor)) {
    // The realm's own error types: Node's internal errors (used e.g. by its
    // compileStreaming) are subclass instances of these with the same name,
    // so check the name rather than the exact prototype.
    expect(error.name).toBe(Ctor.name);
  } else {
    // The engine's WebAssembly error classes: exactly that class.
    expect(Object.getPrototypeOf(error)).toBe(Ctor.prototype);
  }
  if (messagePart !== undefined) {
    expect(typeof error.message).toBe('string');
    expect(error.message).toContain(messagePart);
  }
  return error;
}

/** fn() must throw exactly a `Ctor` (see expectErrorOf). */
export function expectThrow(fn, Ctor, messagePart) {
  return expectErrorOf(thrown(fn), Ctor, messagePart);
}

/**
 * `invoke()` must return a Promise (no synchronous throw) that rejects with
 * exactly a `Ctor`.
 */
export async function expectReject(invoke, Ctor, messagePart) {
  let p;
  try {
    p = invoke();
  } catch (error) {
    throw new Error(`expected a rejected promise, but it threw synchronously: ${safeString(error)}`);
  }
  expect(p).toBeInstanceOf(Promise);
  return expectErrorOf(await rejection(p), Ctor, messagePart);
}

/** Asserts an own data property with exactly these attributes. */
export function expectDataProperty(obj, key, { value, writable, enumerable, configurable }) {
  const d = Object.getOwnPropertyDescriptor(obj, key);
  expect(d, `own property ${String(key)}`).toBeDefined();
  expect('value' in d, `${String(key)} is a data property`).toBe(true);
  if (value !== undefined) expect(d.value).toBe(value);
  expect(d.writable, `${String(key)}.writable`).toBe(writable);
  expect(d.enumerable, `${String(key)}.enumerable`).toBe(enumerable);
  expect(d.configurable, `${String(key)}.configurable`).toBe(configurable);
  return d;
}

/** Asserts fn's `name` and `length` (non-writable, non-enumerable, configurable). */
export function expectFunctionNameAndLength(fn, name, length) {
  expect(typeof fn).toBe('function');
  expectDataProperty(fn, 'name', { value: name, writable: false, enumerable: false, configurable: true });
  expectDataProperty(fn, 'length', { value: length, writable: false, enumerable: false, configurable: true });
}

export function safeString(v) {
  try {
    if (typeof v === 'bigint') return `${v}n`;
    if (v instanceof Error) return `${v.name}: ${v.message}`;
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}
