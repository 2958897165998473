// WebAssembly.validate(bytes)
//
// JS API §5 "The WebAssembly Namespace":
//   boolean validate([AllowResizable] AllowSharedBufferSource bytes, optional WebAssemblyCompileOptions options = {});
//   1. Let stableBytes be a copy of the bytes held by the buffer bytes.
//   2. Compile stableBytes as a WebAssembly module and store the results as module.
//   3. If module is error, return false.  ...  Return true.
//
// WebIDL: AllowSharedBufferSource = ArrayBuffer, SharedArrayBuffer or any
// ArrayBufferView (every TypedArray kind and DataView); anything else is a
// TypeError from the IDL conversion. "Get a copy of the buffer source" honours
// a view's byteOffset/byteLength, and yields no bytes for a detached buffer.
import { describe, expect, it } from 'vitest';
import { engines, specDeviation } from './helpers/engines.mjs';
import { expectThrow } from './helpers/assert.mjs';
import { wat } from './helpers/wat.mjs';
import { HEADER, customSection } from './helpers/binary.mjs';

// A valid module padded (with a custom section) to a multiple of 8 bytes, so
// every TypedArray kind can view exactly its bytes.
function padded8(bytes) {
  for (let pad = 0; pad < 16; pad++) {
    const out = new Uint8Array([...bytes, ...customSection('p', new Array(pad).fill(0))]);
    if (out.length % 8 === 0) return out;
  }
  throw new Error('unreachable');
}

const VALID = padded8(
  wat(`(module
    (memory (export "mem") 1)
    (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))`),
);

const TYPED_ARRAYS = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  ...(typeof globalThis.Float16Array === 'function' ? [globalThis.Float16Array] : []),
];

function viewOf(Ctor, bytes) {
  const ab = new ArrayBuffer(bytes.length);
  new Uint8Array(ab).set(bytes);
  return new Ctor(ab);
}

function sharedCopy(bytes) {
  const sab = new SharedArrayBuffer(bytes.length);
  new Uint8Array(sab).set(bytes);
  return sab;
}

describe.each(engines)('$name', ({ name: engine, WebAssembly }) => {
  describe('result', () => {
    it('is true for valid modules', () => {
      expect(WebAssembly.validate(wat('(module)'))).toBe(true);
      expect(WebAssembly.validate(VALID)).toBe(true);
      expect(
        WebAssembly.validate(
          wat(`(module
            (import "m" "f" (func $f (param i64) (result f64)))
            (table 2 funcref) (global (mut i32) (i32.const 0))
            (tag $t (param i32))
            (func (export "g") (param v128) (result i32 i64) (i32.const 1) (i64.const 2))
            (func (export "h") (param externref) (result funcref) (ref.null func))
            (func (export "thrower") (throw $t (i32.const 3))))`),
        ),
      ).toBe(true);
    });

    it('returns a primitive boolean', () => {
      expect(typeof WebAssembly.validate(VALID)).toBe('boolean');
      expect(typeof WebAssembly.validate(new Uint8Array(0))).toBe('boolean');
    });

    it.each([
      ['an empty buffer', []],
      ['a truncated header', HEADER.slice(0, 6)],
      ['a wrong magic number', [0x00, 0x61, 0x73, 0x6e, 0x01, 0x00, 0x00, 0x00]],
      ['a wrong version', [0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00]],
      ['garbage after the header', [...HEADER, 0xff, 0xff]],
      ['a section whose size runs past the end', [...HEADER, 0x01, 0x10, 0x01, 0x60]],
      ['eight zero bytes', new Array(8).fill(0)],
    ])('is false for %s (decode error)', (_, bytes) => {
      expect(WebAssembly.validate(new Uint8Array(bytes))).toBe(false);
    });

    // wabt refuses to emit invalid modules, so patch a valid one: its only
    // function body is `i32.const 1; end` (0x41 0x01 0x0b) and must leave an i32.
    it.each([
      ['a type error in a function body (i64.const where i32 is expected)', 0x42],
      ['a stack underflow (nop where a value is expected)', 0x01],
      ['an unknown opcode', 0xff],
    ])('is false for %s (validation error)', (_, opcode) => {
      const good = wat('(module (func (result i32) (i32.const 1)))');
      expect(WebAssembly.validate(good)).toBe(true);
      const at = good.length - 3;
      expect(Array.from(good.slice(at))).toEqual([0x41, 0x01, 0x0b]);
      const bad = new Uint8Array(good);
      bad[at] = opcode;
      expect(WebAssembly.validate(bad)).toBe(false);
    });

    it('is false for duplicate export names', () => {
      const good = wat('(module (func (export "ab")) (func (export "ac")))');
      expect(WebAssembly.validate(good)).toBe(true);
      const bad = new Uint8Array(good);
      // rename "ac" to "ab"
      for (let i = bad.length - 1; i > 0; i--) {
        if (bad[i - 1] === 0x61 && bad[i] === 0x63) {
          bad[i] = 0x62;
          break;
        }
      }
      expect(WebAssembly.validate(bad)).toBe(false);
    });
  });

  describe('accepts every BufferSource', () => {
    it('ArrayBuffer', () => {
      const ab = VALID.buffer.slice(VALID.byteOffset, VALID.byteOffset + VALID.byteLength);
      expect(WebAssembly.validate(ab)).toBe(true);
      expect(WebAssembly.validate(new ArrayBuffer(8))).toBe(false);
    });

    it.each(TYPED_ARRAYS.map((C) => [C.name, C]))('%s', (_, Ctor) => {
      const view = viewOf(Ctor, VALID);
      expect(view.byteLength).toBe(VALID.length);
      expect(WebAssembly.validate(view)).toBe(true);
      // and it really reads the bytes: zero bytes of the same length are invalid
      expect(WebAssembly.validate(new Ctor(VALID.length / Ctor.BYTES_PER_ELEMENT))).toBe(false);
    });

    it('a Uint8Array at an offset into a larger buffer (only the viewed bytes count)', () => {
      const ab = new ArrayBuffer(VALID.length + 16);
      const all = new Uint8Array(ab);
      all.fill(0xee);
      all.set(VALID, 8);
      expect(WebAssembly.validate(new Uint8Array(ab, 8, VALID.length))).toBe(true);
      // including one junk byte before or after makes it invalid
      expect(WebAssembly.validate(new Uint8Array(ab, 7, VALID.length + 1))).toBe(false);
      expect(WebAssembly.validate(new Uint8Array(ab, 8, VALID.length + 1))).toBe(false);
      expect(WebAssembly.validate(new Uint8Array(ab, 8, VALID.length - 1))).toBe(false);
    });

    it('a wider TypedArray at an offset', () => {
      const ab = new ArrayBuffer(VALID.length + 16);
      new Uint8Array(ab).fill(0xee);
      new Uint8Array(ab).set(VALID, 8);
      expect(WebAssembly.validate(new Int32Array(ab, 8, VALID.length / 4))).toBe(true);
      expect(WebAssembly.validate(new Float64Array(ab, 8, VALID.length / 8))).toBe(true);
      expect(WebAssembly.validate(new Float64Array(ab, 0, VALID.length / 8))).toBe(false);
    });

    // JS API §5: validate(AllowSharedBufferSource bytes); WebIDL: BufferSource
    // includes ArrayBufferView, of which DataView is one. V8 11.3 (Node 20)
    // rejects DataView with "Argument 0 must be a buffer source".
    specDeviation('v8', 'rejects DataView')(engine, 'DataView', () => {
      const ab = new ArrayBuffer(VALID.length);
      new Uint8Array(ab).set(VALID);
      expect(WebAssembly.validate(new DataView(ab))).toBe(true);
    });

    // Same spec reference as above.
    specDeviation('v8', 'rejects DataView')(engine, 'a DataView at an offset', () => {
      const ab = new ArrayBuffer(VALID.length + 5);
      new Uint8Array(ab).set(VALID, 3);
      expect(WebAssembly.validate(new DataView(ab, 3, VALID.length))).toBe(true);
      expect(WebAssembly.validate(new DataView(ab, 2, VALID.length))).toBe(false);
    });

    // JS API §5: validate(BufferSource bytes); a BufferSource is an ArrayBuffer or a view, and a
    // SharedArrayBuffer is neither (WebIDL): a TypeError, as V8 throws. The module constructor,
    // compile and instantiate take the same type.
    it('a SharedArrayBuffer itself (a TypeError)', async () => {
      expect(() => WebAssembly.validate(sharedCopy(VALID))).toThrow(TypeError);
      expect(() => new WebAssembly.Module(sharedCopy(VALID))).toThrow(TypeError);
      await expect(WebAssembly.compile(sharedCopy(VALID))).rejects.toThrow(TypeError);
      await expect(WebAssembly.instantiate(sharedCopy(VALID))).rejects.toThrow(TypeError);
    });

    it('a view on a SharedArrayBuffer', () => {
      const sab = sharedCopy(VALID);
      expect(WebAssembly.validate(new Uint8Array(sab))).toBe(true);
      expect(WebAssembly.validate(new Uint8Array(sab, 1))).toBe(false);
    });

    it('a resizable ArrayBuffer and a length-tracking view on it ([AllowResizable])', () => {
      const ab = new ArrayBuffer(VALID.length, { maxByteLength: VALID.length * 2 });
      new Uint8Array(ab).set(VALID);
      expect(WebAssembly.validate(ab)).toBe(true);
      const tracking = new Uint8Array(ab);
      expect(WebAssembly.validate(tracking)).toBe(true);
      ab.resize(VALID.length + 1); // one trailing zero byte: now invalid
      expect(tracking.length).toBe(VALID.length + 1);
      expect(WebAssembly.validate(tracking)).toBe(false);
      expect(WebAssembly.validate(ab)).toBe(false);
    });

    it('a detached ArrayBuffer holds no bytes (false, not an exception)', () => {
      const ab = new ArrayBuffer(VALID.length);
      new Uint8Array(ab).set(VALID);
      const view = new Uint8Array(ab);
      structuredClone(ab, { transfer: [ab] });
      expect(ab.byteLength).toBe(0);
      expect(WebAssembly.validate(ab)).toBe(false);
      expect(WebAssembly.validate(view)).toBe(false);
    });
  });

  describe('TypeError for anything that is not a BufferSource', () => {
    it.each([
      ['no argument', []],
      ['undefined', [undefined]],
      ['null', [null]],
      ['a number', [8]],
      ['a string', ['\0asm\x01\0\0\0']],
      ['a boolean', [true]],
      ['a BigInt', [1n]],
      ['a symbol', [Symbol('bytes')]],
      ['a plain object', [{}]],
      ['an array of bytes', [[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]]],
      ['an array-like object', [{ length: 8, 0: 0, 1: 0x61, 2: 0x73, 3: 0x6d, 4: 1, 5: 0, 6: 0, 7: 0 }]],
      ['an object with a byteLength', [{ byteLength: 8, buffer: new ArrayBuffer(8) }]],
      ['a function', [() => {}]],
    ])('%s', (_, args) => {
      expectThrow(() => WebAssembly.validate(...args), TypeError);
    });

    it('a WebAssembly.Module', () => {
      const m = new WebAssembly.Module(wat('(module)'));
      expectThrow(() => WebAssembly.validate(m), TypeError);
    });
  });

  describe('the bytes are read at call time', () => {
    it('mutating the buffer between calls changes the answer (no caching by buffer identity)', () => {
      const bytes = new Uint8Array(VALID);
      expect(WebAssembly.validate(bytes)).toBe(true);
      bytes[0] = 0x01; // break the magic number
      expect(WebAssembly.validate(bytes)).toBe(false);
      bytes[0] = 0x00;
      expect(WebAssembly.validate(bytes)).toBe(true);
      bytes.buffer.slice(0); // unrelated
      const ab = bytes.buffer;
      new Uint8Array(ab)[bytes.byteOffset + 4] = 0x02; // version 2
      expect(WebAssembly.validate(ab)).toBe(false);
    });

    it('a later mutation does not affect a Module compiled from the same buffer', () => {
      const bytes = wat('(module (func (export "f") (result i32) (i32.const 7)) (@custom "c" "abc"))');
      const m = new WebAssembly.Module(bytes);
      bytes.fill(0);
      expect(WebAssembly.validate(bytes)).toBe(false);
      expect(WebAssembly.Module.exports(m)).toEqual([{ name: 'f', kind: 'function' }]);
      expect([...new Uint8Array(WebAssembly.Module.customSections(m, 'c')[0])]).toEqual([0x61, 0x62, 0x63]);
      expect(new WebAssembly.Instance(m).exports.f()).toBe(7);
    });
  });

  it('ignores extra arguments and accepts an empty options dictionary', () => {
    expect(WebAssembly.validate(VALID, {})).toBe(true);
    expect(WebAssembly.validate(VALID, undefined, 'extra')).toBe(true);
    expect(WebAssembly.validate(new Uint8Array(4), {})).toBe(false);
  });
});
