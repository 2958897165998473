'use strict';
// JS → wasm calls of four signatures, and wasm → JS import calls.
const { median, nowNs, V8, wasmRt, rt: wasmRtPackage, quick } = require('../measure');
const { addModule, callsModule } = require('../modules');

const N = quick ? 100_000 : 1_000_000;
const REPEATS = 15;

// Small operands keep every result a small integer on both engines (no heap numbers).
const addLoop = 'let s = 0; for (let i = 0; i < n; i++) s = f(i & 1023, s & 1023); return s;';
// A fresh loop function per engine and case, so that each call site sees one callee.
const loops = {
  'add(i32,i32)': addLoop,
  'add(i32,i32) through a call inside': addLoop,
  'nop()': 'for (let i = 0; i < n; i++) f(); return 0;',
  'sum4(f64×4)': 'let s = 0; for (let i = 0; i < n; i++) s = f(s, 1.5, i, 0.25); return s;',
  'add64(i64,i64) BigInt': 'let s = 0n; for (let i = 0; i < n; i++) s = f(s, 3n); return s;',
  'JS→wasm→JS callImport()': 'for (let i = 0; i < n; i++) f(); return 0;',
};
const exportOf = {
  'add(i32,i32)': 'add',
  'add(i32,i32) through a call inside': 'addVia',
  'nop()': 'nop',
  'sum4(f64×4)': 'sum4',
  'add64(i64,i64) BigInt': 'add64',
  'JS→wasm→JS callImport()': 'callImport',
};

/** ns per call of `label` on each engine, the engines taking turns for each of the repeats. */
function nsPerCall(engines, label, bytes = callsModule()) {
  const runs = engines.map((engine) => {
    const { exports } = new engine.WebAssembly.Instance(engine.compile(bytes), { env: { f() {} } });
    const loop = new Function('f', 'n', loops[label]);
    const f = exports[exportOf[label]];
    loop(f, 10_000);
    return { run: () => loop(f, N), samples: [] };
  });
  return timeInTurns(runs);
}

/** wasm's `loop(n)` calls the JS import `f` n times: the cost of one wasm → JS call. */
function nsPerImport(engines, bytes = callsModule(), f = () => {}) {
  const runs = engines.map((engine) => {
    const { exports } = new engine.WebAssembly.Instance(engine.compile(bytes), { env: { f } });
    exports.loop(10_000);
    return { run: () => exports.loop(N), samples: [] };
  });
  return timeInTurns(runs);
}

/** An import of type (i32) → i32, which `loop(n)` calls with n and sums the results of. */
const i32ImportModule = () =>
  wasmRtPackage.wat(`(module (import "env" "f" (func $f (param i32) (result i32)))
    (func (export "loop") (param $n i32) (result i32) (local $sum i32)
      (loop $l (local.set $sum (i32.add (local.get $sum) (call $f (local.get $n))))
        (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
      (local.get $sum)))`);

/**
 * wasm's `run(n)` asks "wasm:js-string" `length` of a string n times: on wasm-rt the builtin
 * (JS String Builtins), on V8 (which lacks them in Node 20) a plain JS import doing the same.
 */
function nsPerStringBuiltin() {
  const bytes = wasmRtPackage.wat(`(module (import "wasm:js-string" "length" (func $len (param externref) (result i32)))
    (func (export "run") (param $s externref) (param $n i32) (result i32) (local $sum i32)
      (loop $l (local.set $sum (i32.add (local.get $sum) (call $len (local.get $s))))
        (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
      (local.get $sum)))`);
  const length = (s) => {
    if (typeof s !== 'string') throw new WebAssembly.RuntimeError('illegal cast');
    return s.length;
  };
  const v8 = new WebAssembly.Instance(new WebAssembly.Module(bytes), { 'wasm:js-string': { length } }).exports;
  const ours = new wasmRtPackage.WebAssembly.Instance(new wasmRtPackage.WebAssembly.Module(bytes, { builtins: ['js-string'] })).exports;
  const runs = [v8, ours].map((e) => {
    e.run('abc', 10_000);
    return { run: () => e.run('abc', N), samples: [] };
  });
  return timeInTurns(runs);
}

function timeInTurns(runs) {
  for (let r = 0; r < REPEATS; r++) {
    for (const run of runs) {
      const t = nowNs();
      run.run();
      run.samples.push((nowNs() - t) / N);
    }
  }
  const medians = runs.map((run) => median(run.samples));
  medians.fastest = fastest(runs);
  return medians;
}

/** The fastest of the repeats beside the median: on a VM whose neighbours steal time, the least disturbed run. */
const fastest = (runs) => runs.map((run) => Math.min(...run.samples));

module.exports = function run() {
  const rows = [];
  const engines = [V8, wasmRt('cranelift')];
  for (const label of Object.keys(loops)) {
    const times = nsPerCall(engines, label);
    rows.push({ case: `call ${label}`, unit: 'ns/call', v8: times[0], 'wasm-rt': times[1] });
    if (label === 'add(i32,i32)') {
      rows.push({ case: `call ${label}, fastest run`, unit: 'ns/call', v8: times.fastest[0], 'wasm-rt': times.fastest[1] });
      // wasm-rt installs wasmer's store context only for a function that calls something, in a
      // store that holds a host function: `add` calls nothing, `addVia` (the next row) calls add.
      const alone = nsPerCall(engines, label, addModule());
      rows.push({ case: `call ${label}, module without imports`, unit: 'ns/call', v8: alone[0], 'wasm-rt': alone[1] });
    }
  }
  const imports = nsPerImport(engines);
  rows.push({ case: 'wasm→JS import, loop in wasm', unit: 'ns/call', v8: imports[0], 'wasm-rt': imports[1] });
  rows.push({ case: 'wasm→JS import, fastest run', unit: 'ns/call', v8: imports.fastest[0], 'wasm-rt': imports.fastest[1] });
  const i32 = nsPerImport(engines, i32ImportModule(), (x) => x & 1);
  rows.push({ case: 'wasm→JS import (i32)→i32, loop in wasm', unit: 'ns/call', v8: i32[0], 'wasm-rt': i32[1] });
  rows.push({ case: 'wasm→JS import (i32)→i32, fastest run', unit: 'ns/call', v8: i32.fastest[0], 'wasm-rt': i32.fastest[1] });
  const [v8Length, rtLength] = nsPerStringBuiltin();
  rows.push({ case: 'wasm→"wasm:js-string" length (V8: a JS import)', unit: 'ns/call', v8: v8Length, 'wasm-rt': rtLength });
  return rows;
};
