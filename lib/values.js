'use strict';
// ToWebAssemblyValue's JS-visible part and DefaultValue (JS API §5.6), by value type name.
const native = require('./native');

const incompatible = () => new TypeError('type incompatibility when transforming from/to JS');

function toWasmValue(type, v) {
  switch (type) {
    case 'i32':
      return v | 0;
    case 'i64':
      return BigInt.asIntN(64, v);
    case 'f32':
      return Math.fround(+v);
    case 'f64':
      return +v;
    case 'externref':
      return v;
    case 'funcref':
    case 'anyfunc':
      if (v === null || native.isWasmFunction(v)) return v;
      throw incompatible();
    default:
      throw incompatible();
  }
}

function defaultValue(type) {
  switch (type) {
    case 'i64':
      return 0n;
    case 'externref':
      return undefined;
    case 'funcref':
    case 'anyfunc':
      return null;
    default:
      return 0;
  }
}

/** WebIDL [EnforceRange] unsigned long. */
function enforceU32(v, context, what) {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new TypeError(`${context}: ${what} must be convertible to a valid number`);
  const x = Math.trunc(n);
  if (x < 0 || x > 0xffffffff) throw new TypeError(`${context}: ${what} is outside the range of unsigned long`);
  return x;
}

/** WebIDL [EnforceRange] unsigned long long from a BigInt-typed address value (memory64/table64). */
function enforceU64(v, context, what) {
  // asIntN performs ToBigInt (TypeError for a Number), exact for every value in a 128-bit range.
  const b = BigInt.asIntN(128, v);
  if (b < 0n || b > 0xffffffffffffffffn) throw new TypeError(`${context}: ${what} is outside the range of an i64 address`);
  return b;
}

/** An AddressValue for the given address type. */
function addressValue(v, address, context, what) {
  return address === 'i64' ? enforceU64(v, context, what) : enforceU32(v, context, what);
}

/**
 * The members a memory and a table descriptor share, read and converted in the order the spec's
 * tests observe: `address`, then `initial` (required), then `maximum`.
 */
function readLimits(descriptor, context) {
  const a = descriptor.address;
  const address = a === undefined ? 'i32' : `${a}`;
  if (address !== 'i32' && address !== 'i64') throw new TypeError(`${context}: address must be 'i32' or 'i64'`);
  const rawInitial = descriptor.initial;
  if (rawInitial === undefined) throw new TypeError(`${context}: Property 'initial' is required`);
  const initial = addressValue(rawInitial, address, context, "Property 'initial'");
  const rawMaximum = descriptor.maximum;
  const maximum = rawMaximum === undefined ? undefined : addressValue(rawMaximum, address, context, "Property 'maximum'");
  return { address, initial, maximum };
}

// Value types as the native layer's signature letters.
const typeLetters = { i32: 'i', i64: 'I', f32: 'f', f64: 'F', v128: 'v', externref: 'e', funcref: 'r', anyfunc: 'r', exnref: 'x' };
const letterTypes = { i: 'i32', I: 'i64', f: 'f32', F: 'f64', v: 'v128', e: 'externref', r: 'funcref', x: 'exnref' };

module.exports = { toWasmValue, defaultValue, enforceU32, addressValue, readLimits, typeLetters, letterTypes, incompatible };
