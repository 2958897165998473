// Non-nullable abstract reference types ((ref extern), (ref func)) of the typed function
// references proposal (Wasm 3.0). wasmer 7.4.2 refuses them; wasm-rt compiles a module that
// uses them (but not call_ref, br_on_null, ...) with nullable types after validating it, and
// keeps the JS API's TypeError where JS hands null to such a type (src/compile/non_null.rs). V8 in Node
// 20 needs a flag for them.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { engines, specDeviation, v8Within } from './helpers/engines.mjs';
import { expectThrow } from './helpers/assert.mjs';

const require = createRequire(import.meta.url);
const { wat } = require('../index.js');

const MODULE = wat(`(module
  (import "m" "g" (global $g (ref extern)))
  (import "m" "f" (func $f (result (ref extern))))
  (func (export "id") (param (ref extern)) (result (ref extern)) (local.get 0))
  (func (export "fromImport") (result (ref extern)) (call $f))
  (func (export "global") (result (ref extern)) (global.get $g)))`);

describe.each(engines)('$name', ({ name: engine, WebAssembly: W }) => {
  const v8NeedsFlag = specDeviation('v8', 'V8 11.3 needs --experimental-wasm-typed-funcref', { v8: '<12.4' });

  v8NeedsFlag(engine, 'a module with (ref extern) validates, compiles and runs', () => {
    expect(W.validate(MODULE)).toBe(true);
    let result = 'r';
    const { exports } = new W.Instance(new W.Module(MODULE), { m: { g: 'g', f: () => result } });
    expect([exports.id('a'), exports.global(), exports.fromImport()]).toEqual(['a', 'g', 'r']);
    // ToWebAssemblyValue: null is not a value of a non-nullable reference type.
    expectThrow(() => exports.id(null), TypeError);
    result = null;
    expectThrow(() => exports.fromImport(), TypeError);
    // For an imported global, "read the imports" makes ToWebAssemblyValue's TypeError a LinkError.
    expectThrow(() => new W.Instance(new W.Module(MODULE), { m: { g: null, f: () => 'r' } }), W.LinkError);
  });

  it('a non-nullable local read before it is set is still invalid', () => {
    const bytes = wat('(module (func (local (ref extern)) (drop (local.get 0))))');
    expect(W.validate(bytes)).toBe(false);
    expectThrow(() => new W.Module(bytes), W.CompileError);
  });

  // Typed function references: V8 has them from 12.4 (Node 22) on; wasmer 7.4.2 does not.
  it(`a module that also uses call_ref is ${engine === 'v8' && v8Within('>=12.4') ? 'compiled (V8 12.4 on)' : 'refused (wasmer cannot compile it; V8 11.3 without a flag)'}`, () => {
    const bytes = wat('(module (type $t (func)) (func (param (ref $t)) (call_ref $t (local.get 0))))');
    if (engine === 'v8' && v8Within('>=12.4')) {
      expect(W.validate(bytes)).toBe(true);
      return;
    }
    expect(W.validate(bytes)).toBe(false);
    expectThrow(() => new W.Module(bytes), W.CompileError);
  });
});
