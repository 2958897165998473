// Wasm features where the engines differ, as the README's compatibility table states them.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { v8Within } from './helpers/engines.mjs';
import { WABT_FEATURES } from './helpers/wat.mjs';

const require = createRequire(import.meta.url);
const wabt = await require('wabt')();
const rt = require('../index.js');

function bytes(text, features = {}) {
  const m = wabt.parseWat('t.wat', text, { ...WABT_FEATURES, ...features });
  try {
    return m.toBinary({}).buffer;
  } finally {
    m.destroy();
  }
}

const compiles = (W, b) => {
  try {
    new W.Module(b);
    return true;
  } catch (e) {
    if (!(e instanceof W.CompileError)) throw e;
    return false;
  }
};

describe('features that differ between the running Node’s V8 and wasm-rt', () => {
  it(`multi-memory: ${v8Within('<12.4') ? 'wasm-rt only (V8 11.3 lacks it)' : 'both (V8 12.4 on)'}`, () => {
    const b = bytes('(module (memory 1) (memory $b 1) (func (export "f") (result i32) (i32.store $b (i32.const 0) (i32.const 9)) (i32.load $b (i32.const 0))))', { multi_memory: true });
    expect(compiles(WebAssembly, b)).toBe(!v8Within('<12.4'));
    expect(new rt.WebAssembly.Instance(new rt.WebAssembly.Module(b)).exports.f()).toBe(9);
  });

  it('tail calls: V8 only (wasmer 7.4.2’s cranelift lacks them)', () => {
    const b = bytes('(module (func $g (result i32) (i32.const 1)) (func (export "f") (result i32) (return_call $g)))');
    expect(new WebAssembly.Instance(new WebAssembly.Module(b)).exports.f()).toBe(1);
    expect(compiles(rt.WebAssembly, b)).toBe(false);
  });
});
