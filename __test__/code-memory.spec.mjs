// Compiled code is freed in generations (src/runtime/engine.rs): after enough modules a fresh engine
// compiles the next ones, and an old engine's code is freed when its last module is gone. These
// cases try to catch code freed too early: a module kept across many generations that were
// compiled and collected, then called, trapped, instantiated late, and linked by table and
// funcref to modules of the newest generation. Each runs in a child with --expose-gc, with the
// code cache off and on (a loaded module joins a generation too).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { engines } from './helpers/engines.mjs';

const require = createRequire(import.meta.url);
const INDEX = require.resolve('../index.js');
const dirs = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function script(ns) {
  return `
    const W = ${ns};
    const { wat } = require(${JSON.stringify(INDEX)});
    const out = {};
    const caught = (f) => { try { return f(); } catch (e) { return e.constructor.name; } };
    const old = new W.Instance(new W.Module(wat(\`(module
      (table (export "tbl") 2 funcref) (elem (i32.const 0) $f $trap)
      (func $f (export "f") (result i32) i32.const 42)
      (func $trap (export "trap") (result i32) unreachable)
      (func (export "ref") (result funcref) ref.func $f))\`)));
    const lateModule = new W.Module(wat('(module (func (export "g") (result i32) i32.const 7))'));
    // Enough distinct modules for several generations, each dropped and collected.
    for (let i = 0; i < 1000; i++) {
      const inst = new W.Instance(new W.Module(wat(\`(module (func (export "k") (result i32) i32.const \${i}) (func (export "t") unreachable))\`)));
      if (inst.exports.k() !== i) throw new Error('module ' + i);
      if (i % 7 === 0 && caught(() => inst.exports.t()) !== 'RuntimeError') throw new Error('trap ' + i);
      if (i % 100 === 99) gc();
    }
    gc();
    out.call = old.exports.f();
    out.trap = caught(() => old.exports.trap());
    out.tableGet = old.exports.tbl.get(0)();
    out.funcref = old.exports.ref()();
    out.late = new W.Instance(lateModule).exports.g();
    const user = new W.Instance(new W.Module(wat(\`(module
      (import "o" "tbl" (table 2 funcref))
      (type $i (func (result i32))) (type $l (func (result i64)))
      (table $own (export "own") 1 funcref)
      (func (export "callAt") (param i32) (result i32) (call_indirect (type $i) (local.get 0)))
      (func (export "wrongType") (result i64) (call_indirect (type $l) (i32.const 0)))
      (func (export "callOwn") (result i32) (call_indirect $own (type $i) (i32.const 0))))\`)), { o: { tbl: old.exports.tbl } });
    out.indirect = user.exports.callAt(0);
    out.indirectTrap = caught(() => user.exports.callAt(1));
    out.wrongType = caught(() => user.exports.wrongType());
    user.exports.own.set(0, old.exports.ref());
    out.ownTable = user.exports.callOwn();
    console.log(JSON.stringify(out));`;
}

const EXPECTED = { call: 42, trap: 'RuntimeError', tableGet: 42, funcref: 42, late: 7, indirect: 42, indirectTrap: 'RuntimeError', wrongType: 'RuntimeError', ownTable: 42 };

describe.each(engines)('$name: a module outlives the generations compiled after it', ({ name }) => {
  const ns = name === 'v8' ? 'WebAssembly' : `require(${JSON.stringify(INDEX)}).WebAssembly`;
  it.each(['off', 'on'])('code cache %s', (cache) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-gen-'));
    dirs.push(dir);
    const env = { ...process.env, WASM_RT_CACHE_DIR: dir, WASM_RT_CACHE: cache === 'off' ? 'off' : '' };
    // With the cache on, a first run fills it, and the second loads every module from it.
    const runs = cache === 'on' ? 2 : 1;
    for (let r = 0; r < runs; r++) {
      const child = spawnSync(process.execPath, ['--expose-gc', '-e', script(ns)], { encoding: 'utf8', env, timeout: 120_000 });
      expect(child.stderr).toBe('');
      expect(JSON.parse(child.stdout)).toEqual(EXPECTED);
    }
  }, 240_000);
});
