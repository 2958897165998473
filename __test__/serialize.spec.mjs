// serialize(module) → bytes and deserialize(bytes) → Module: compiled code that reaches a worker
// thread or a later process without compiling again, checked as the code cache checks entries.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { wat } from './helpers/wat.mjs';

const require = createRequire(import.meta.url);
const rt = require('../index.js');
const INDEX = require.resolve('../index.js');
const BYTES = wat('(module (@custom "note" "hello") (memory (export "mem") 1) (func (export "f") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3))))');

describe('serialize and deserialize', () => {
  it.each(['cranelift', 'singlepass'])('round-trip a %s module: same exports, custom sections and behaviour', (compiler) => {
    const bytes = rt.serialize(rt.compileSync(BYTES, { compiler }));
    expect(bytes).toBeInstanceOf(Uint8Array);
    const m = rt.deserialize(bytes);
    expect(m).toBeInstanceOf(rt.WebAssembly.Module);
    expect(rt.WebAssembly.Module.exports(m)).toEqual([
      { kind: 'memory', name: 'mem' },
      { kind: 'function', name: 'f' },
    ]);
    expect(new TextDecoder().decode(rt.WebAssembly.Module.customSections(m, 'note')[0])).toBe('hello');
    expect(new rt.WebAssembly.Instance(m).exports.f(14)).toBe(42);
  });

  it('damaged, foreign or non-serialized bytes are a TypeError, never loaded', () => {
    const good = rt.serialize(rt.compileSync(BYTES));
    const flipped = good.slice();
    flipped[flipped.length - 10] ^= 1;
    const truncated = good.slice(0, good.length - 1);
    const otherSettings = good.slice();
    otherSettings[40] ^= 1;
    for (const bad of [flipped, truncated, otherSettings, BYTES, new Uint8Array(0)]) {
      expect(() => rt.deserialize(bad)).toThrow(TypeError);
    }
    expect(() => rt.serialize({})).toThrow(TypeError);
    expect(() => rt.serialize(new WebAssembly.Module(BYTES))).toThrow(TypeError);
  });

  it('reaches a worker thread through postMessage', async () => {
    const bytes = rt.serialize(rt.compileSync(BYTES));
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const rt = require(${JSON.stringify(INDEX)});
       parentPort.once('message', (b) => parentPort.postMessage(new rt.WebAssembly.Instance(rt.deserialize(b)).exports.f(5)));`,
      { eval: true },
    );
    worker.postMessage(bytes);
    const answer = await new Promise((r) => worker.once('message', r));
    await worker.terminate();
    expect(answer).toBe(15);
  });

  it('reaches a later process through a file', () => {
    const file = path.join(os.tmpdir(), `wasm-rt-serialized-${process.pid}`);
    fs.writeFileSync(file, rt.serialize(rt.compileSync(BYTES)));
    const out = execFileSync(process.execPath, ['-e', `const rt = require(${JSON.stringify(INDEX)});
      console.log(new rt.WebAssembly.Instance(rt.deserialize(require('fs').readFileSync(${JSON.stringify(file)}))).exports.f(7));`], { encoding: 'utf8' });
    fs.rmSync(file, { force: true });
    expect(out.trim()).toBe('21');
  });
});
