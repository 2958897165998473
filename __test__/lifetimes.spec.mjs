// Native data outlives every call in progress. A wasm function that reaches JS by any path (an
// export, Table.get, a funcref result, a re-export of another instance) and is then reachable
// only from its own running call must survive a garbage collection inside an import of that
// call: its native data was freed there once, and the call read its result type through reused
// memory (an i32 result came back as 7n or 3.5e-323). Each case runs in a child process with
// --expose-gc and --allow-natives-syntax, so that the caller is optimised and keeps nothing.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { engines } from './helpers/engines.mjs';

const require = createRequire(import.meta.url);
const INDEX = require.resolve('../index.js');

// How the function under test reaches JS; `run` returns 7 after calling the import, which
// collects garbage and then makes many functions of another type (to reuse freed memory).
const PATHS = {
  export: 'new W.Instance(run, imports).exports.run',
  'Table.get': 'new W.Instance(run, imports).exports.tbl.get(0)',
  'a funcref result': 'new W.Instance(run, imports).exports.ref()',
  're-export by another instance': 'new W.Instance(reexport, { m: { run: new W.Instance(run, imports).exports.run } }).exports.run',
};

function script(ns, path) {
  return `
    const W = ${ns};
    const { wat } = require(${JSON.stringify(INDEX)});
    const run = new W.Module(wat(\`(module (import "e" "cb" (func $cb))
      (table (export "tbl") 1 funcref) (elem (i32.const 0) $run)
      (func $run (export "run") (result i32) call $cb i32.const 7)
      (func (export "ref") (result funcref) ref.func $run))\`));
    const reexport = new W.Module(wat('(module (import "m" "run" (func $f (result i32))) (export "run" (func $f)))'));
    const other = new W.Module(wat('(module (func (export "h") (result i64) i64.const 1))'));
    const keep = [];
    const q = [];
    const imports = { e: { cb() { gc(); for (let i = 0; i < 100; i++) keep.push(new W.Instance(other).exports.h); } } };
    const caller = new Function('q', 'return q.pop()();');
    %PrepareFunctionForOptimization(caller);
    const results = [];
    for (let i = 0; i < 10; i++) {
      q.push(${path});
      if (i === 5) %OptimizeFunctionOnNextCall(caller);
      results.push(String(caller(q)));
    }
    console.log(results.join(','));`;
}

describe.each(engines)('$name: a function freed by a GC during its own call', ({ name }) => {
  const ns = name === 'v8' ? 'WebAssembly' : `require(${JSON.stringify(INDEX)}).WebAssembly`;
  it.each(Object.keys(PATHS))('reached through %s, returns its own result', (path) => {
    const r = spawnSync(process.execPath, ['--expose-gc', '--allow-natives-syntax', '-e', script(ns, PATHS[path])], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(Array(10).fill('7').join(','));
  });
});

// An externref value a Global or Table holds lives as long as that object, although nothing
// else of its group (an instance, an exported function) is left: a garbage collection took such
// values once, and a later value took the freed slot (found by `wasm-rt fuzz --api`).
const HOLDERS = {
  'a Global made in JS': 'const g = new W.Global({ value: "externref", mutable: true }, v); return () => g.value;',
  'a Global set from JS': 'const g = new W.Global({ value: "externref", mutable: true }); g.value = v; return () => g.value;',
  'a Table made in JS': 'const t = new W.Table({ element: "externref", initial: 2 }, v); return () => t.get(1);',
  'a Table set from JS': 'const t = new W.Table({ element: "externref", initial: 2 }); t.set(1, v); return () => t.get(1);',
  'a Global an instance exports': 'const { g } = new W.Instance(exporting).exports; g.value = v; return () => g.value;',
  'a Table an instance exports': 'const { t } = new W.Instance(exporting).exports; t.grow(1, v); return () => t.get(2);',
  'a Global made in JS, linked by a collected instance':
    'const g = new W.Global({ value: "externref", mutable: true }, v); new W.Instance(importing, { m: { g, t: new W.Table({ element: "externref", initial: 1 }) } }); return () => g.value;',
  'a Table made in JS, linked by a collected instance':
    'const t = new W.Table({ element: "externref", initial: 1 }, v); new W.Instance(importing, { m: { t, g: new W.Global({ value: "externref", mutable: true }) } }); return () => t.get(0);',
};

describe.each(engines)('$name: externref values held by a Global or Table, then a GC', ({ name }) => {
  const ns = name === 'v8' ? 'WebAssembly' : `require(${JSON.stringify(INDEX)}).WebAssembly`;
  it.each(Object.keys(HOLDERS))('%s keeps its value', (holder) => {
    const code = `
      const W = ${ns};
      const { wat } = require(${JSON.stringify(INDEX)});
      const exporting = new W.Module(wat('(module (global (export "g") (mut externref) (ref.null extern)) (table (export "t") 2 externref))'));
      const importing = new W.Module(wat('(module (import "m" "g" (global (mut externref))) (import "m" "t" (table 1 externref)))'));
      const hold = (v) => { ${HOLDERS[holder]} };
      const held = [];
      for (let i = 0; i < 20; i++) {
        const v = { i };
        held.push([hold(v), v]);
        gc();
        hold({ other: i });
      }
      console.log(held.filter(([get, v]) => get() !== v).length);`;
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', code], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('0');
  });
});

// V8's count of external memory must never go below zero (V8 12 on abort the process when it
// would): a memory hands back exactly what it reported, although it grew since, here, in wasm or
// on another thread.
describe.each(engines)('$name: memories that grew, then are collected', ({ name }) => {
  const ns = name === 'v8' ? 'WebAssembly' : `require(${JSON.stringify(INDEX)}).WebAssembly`;
  it('end the process normally, on the main thread and in a worker', () => {
    const body = `
      const W = ${ns};
      for (let i = 0; i < 20; i++) {
        const m = new W.Memory({ initial: 1, maximum: 100 });
        m.grow(50);
        const s = new W.Memory({ initial: 1, maximum: 100, shared: true });
        s.grow(20);
      }
      gc();`;
    const script = `${body}
      const { Worker } = require('node:worker_threads');
      const w = new Worker(${JSON.stringify(body)}, { eval: true });
      w.on('exit', (code) => { gc(); console.log('worker', code); });`;
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect([r.status, r.signal, r.stdout.trim()]).toEqual([0, null, 'worker 0']);
  });
});
