// Non-nullable abstract reference types ((ref extern), (ref func)) of the typed function
// references proposal (Wasm 3.0). wasmer 7.4.2 refuses them; wasm-rt compiles a module that
// uses them (but not call_ref, br_on_null, ...) with nullable types after validating it, and
// keeps the JS API's TypeError where JS hands null to such a type (src/non_null.rs). V8 in Node
// 20 needs a flag for them.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { engines, specDeviation } from './helpers/engines.mjs';
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
  const v8NeedsFlag = specDeviation('v8', 'Node 20 V8 needs --experimental-wasm-typed-funcref');

  v8NeedsFlag(engine, 'a module with (ref extern) validates, compiles and runs', () => {
    expect(W.validate(MODULE)).toBe(true);
    let result = 'r';
    const { exports } = new W.Instance(new W.Module(MODULE), { m: { g: 'g', f: () => result } });
    expect([exports.id('a'), exports.global(), exports.fromImport()]).toEqual(['a', 'g', 'r']);
    // ToWebAssemblyValue: null is not a value of a non-nullable reference type.
    expectThrow(() => exports.id(null), TypeError);
    result = null;
    expectThrow(() => exports.fromImport(), TypeError);
    expectThrow(() => new W.Instance(new W.Module(MODULE), { m: { g: null, f: () => 'r' } }), TypeError);
  });

  it('a non-nullable local read before it is set is still invalid', () => {
    const bytes = wat('(module (func (local (ref extern)) (drop (local.get 0))))');
    expect(W.validate(bytes)).toBe(false);
    expectThrow(() => new W.Module(bytes), W.CompileError);
  });

  it('a module that also uses call_ref is refused (wasmer cannot compile it)', () => {
    const bytes = wat('(module (type $t (func)) (func (param (ref $t)) (call_ref $t (local.get 0))))');
    expect(W.validate(bytes)).toBe(false);
    expectThrow(() => new W.Module(bytes), W.CompileError);
  });
});
