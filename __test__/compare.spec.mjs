// `wasm-rt compare`: a program on V8 and on wasm-rt in fresh processes, compared.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from './helpers/wasi.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-compare-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function script(name, text) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

const compare = (...args) => spawnSync(process.execPath, [BIN, 'compare', ...args], { encoding: 'utf8' });
const ADD = 'new Uint8Array([0,97,115,109,1,0,0,0,1,7,1,96,2,127,127,1,127,3,2,1,0,7,7,1,3,97,100,100,0,0,10,9,1,7,0,32,0,32,1,106,11])';

describe('wasm-rt compare', () => {
  it('equal: the same output and exit code on both engines', () => {
    const f = script('equal.js', `console.log(new WebAssembly.Instance(new WebAssembly.Module(${ADD})).exports.add(2, 3)); process.exitCode = 3;`);
    const r = compare(f);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^compare: equal \(v8 \d+ ms, wasm-rt \d+ ms\)$/m);
  });

  it('different: an ES module that tells the engines apart, also in a child process', () => {
    const f = script(
      'differ.mjs',
      `import { execFileSync } from 'node:child_process';
       import { WASI } from 'node:wasi';
       console.log('same line');
       console.log('wasm-rt here:', String(WebAssembly.Module).startsWith('class'), String(WASI).includes('#handle'));
       console.log('child:', execFileSync(process.execPath, ['-e', "console.log(String(WebAssembly.Module).startsWith('class'))"], { encoding: 'utf8' }).trim());`,
    );
    const json = path.join(dir, 'report.json');
    const r = compare('--json', json, f);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('first difference: stdout, line 2');
    expect(r.stdout).toContain('> 2: wasm-rt here: false false');
    expect(r.stdout).toContain('> 2: wasm-rt here: true true');
    const report = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(report.verdict).toBe('different');
    expect(report.runs[1].stdout).toContain('child: true');
    expect(report.runs[0].stdout).toContain('child: false');
  });

  it('--dir: each run in its own copy of the folder; the files left there are compared', () => {
    const folder = path.join(dir, 'data');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'in.txt'), 'input');
    const f = script('files.js', `const fs = require('fs'); fs.writeFileSync('out.txt', fs.readFileSync('in.txt', 'utf8') + ' ' + String(WebAssembly.Module).startsWith('class'));`);
    const r = compare('--dir', folder, f);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('first difference: file out.txt');
    expect(fs.readdirSync(folder)).toEqual(['in.txt']);
  });

  it('--engines: each engine against the first, in one run', () => {
    const f = script('three.js', `console.log(String(WebAssembly.Module).startsWith('class'), process.env.WASM_RT_COMPILER ?? 'default');`);
    const json = path.join(dir, 'three.json');
    const r = compare('--engines', 'v8,wasm-rt,wasm-rt:singlepass', '--json', json, f);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^compare: different \(v8 \d+ ms, wasm-rt \d+ ms, wasm-rt:singlepass \d+ ms\)$/m);
    expect(r.stdout).toContain('wasm-rt against v8: first difference: stdout, line 1\n--- v8\n> 1: false default');
    expect(r.stdout).toContain('wasm-rt:singlepass against v8: first difference: stdout, line 1');
    expect(r.stdout).toContain('> 1: true singlepass');
    const report = JSON.parse(fs.readFileSync(json, 'utf8'));
    expect(report.engines).toEqual(['v8', 'wasm-rt', 'wasm-rt:singlepass']);
    expect(report.differences.map((d) => d.engine)).toEqual(['wasm-rt', 'wasm-rt:singlepass']);
    expect(report.runs.map((x) => x.stdout.trim())).toEqual(['false default', 'true default', 'true singlepass']);
    // Two engines that agree: equal.
    const same = compare('--engines', 'wasm-rt,wasm-rt:cranelift', script('same.js', 'console.log(typeof WebAssembly.Memory)'));
    expect(same.status).toBe(0);
    expect(same.stdout).toMatch(/^compare: equal \(wasm-rt \d+ ms, wasm-rt:cranelift \d+ ms\)$/m);
    expect(compare('--engines', 'v8', f).status).toBe(2);
    expect(compare('--engines', 'v8,nosuch', f).stderr).toContain('unknown engine nosuch');
  });

  it('a missing script or a bad option is a usage error (2)', () => {
    expect(compare(path.join(dir, 'nope.js')).status).toBe(2);
    expect(compare('--timeout', 'x', path.join(dir, 'equal.js')).status).toBe(2);
  });
});
