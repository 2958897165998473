// Every program in examples/ runs and prints what its comment promises, so none rots.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from './helpers/wasi.mjs';

const EXPECT = {
  'same-module-both-engines.js': [/^v8: add\(2, 3\) = 5, add\(2\*\*31, 1\) = -2147483647, a bad module: CompileError$/m, /^wasm-rt: add\(2, 3\) = 5, add\(2\*\*31, 1\) = -2147483647, a bad module: CompileError$/m],
  'wasi-sandbox.js': [/gave errno 76 \(ENOTCAPABLE\): refused/],
  'choose-compiler.js': [/^cranelift: sum\(1\.\.1e7\) = 50000005000000;/m, /^singlepass: sum\(1\.\.1e7\) = 50000005000000;/m],
  'code-cache.js': [/^code cache: .*stored 1 modules/m, /main thread: 42, worker from serialized code: 42/],
  'threads.js': [/counter = 200000$/m, /^buffer: \[object SharedArrayBuffer\] of 65536 bytes$/m, /^main thread woken (by the worker's notify|at once)/m],
  'js-string-builtins.js': [/^imports the object must give: \["env.JSTag","env.parse"\]$/m, /^Hello, wasm \(4 characters\)$/m, /^caught in wasm: SyntaxError/m, /traps: RuntimeError: illegal cast$/m],
  'limits.js': [/^spin: RuntimeError after \d+ ms: wasm-rt: deadline exceeded/m, /^grow by 3 pages: 1; by 1 more: -1/m, /out of fuel/, /^fib\(20\) after adding fuel: 6765$/m],
};

it('every example is checked here', () => {
  expect(fs.readdirSync(path.join(ROOT, 'examples')).sort()).toEqual(Object.keys(EXPECT).sort());
});

for (const [file, patterns] of Object.entries(EXPECT)) {
  it(`examples/${file}`, () => {
    const out = execFileSync(process.execPath, [path.join(ROOT, 'examples', file)], { encoding: 'utf8' });
    for (const p of patterns) expect(out).toMatch(p);
  }, 60_000);
}
