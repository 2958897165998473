// A real WASI program from npm, through its own Node loader: Ruby 3.4 (@ruby/3.4-wasm-wasi,
// ruby.wasm 16.6 MB), installed from the registry at test time into a temporary folder, runs a
// workload on V8 with node:wasi and on wasm-rt (lib/cli/preload.js); the output must be equal.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT } from './helpers/wasi.mjs';

const PACKAGE = '@ruby/3.4-wasm-wasi@2.10.1';
const WORKLOAD = `
const fs = require('fs');
const { DefaultRubyVM } = require('@ruby/wasm-wasi/dist/node');
(async () => {
  const module = await WebAssembly.compile(fs.readFileSync(require.resolve('@ruby/3.4-wasm-wasi/dist/ruby.wasm')));
  const { vm } = await DefaultRubyVM(module);
  vm.eval(\`
    puts RUBY_VERSION
    puts (1..20).map { |i| i * i }.sum
    h = Hash.new(0); "the quick brown fox jumps over the lazy dog".each_char { |c| h[c] += 1 }
    puts h.sort_by { |k, v| [-v, k] }.first(5).inspect
    def fib(n) = n < 2 ? n : fib(n - 1) + fib(n - 2)
    puts fib(24)
    puts [3, 1, 2].sort.reverse.join("-")
    $stdout.flush
  \`);
  console.log(vm.eval('[1, 2, 3].map { _1 * 2 }').toString());
})();
`;

let dir;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-ruby-'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"private": true}');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', PACKAGE], { cwd: dir, stdio: 'ignore' });
  fs.writeFileSync(path.join(dir, 'workload.js'), WORKLOAD);
}, 180_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it(`${PACKAGE}: the same output on wasm-rt as on node:wasi`, () => {
  const run = (extra) => spawnSync(process.execPath, ['--no-warnings', ...extra, 'workload.js'], { cwd: dir, encoding: 'utf8', timeout: 170_000 });
  const v8 = run([]);
  const rt = run(['-r', path.join(ROOT, 'lib', 'cli', 'preload.js')]);
  expect(v8.status).toBe(0);
  expect(v8.stdout).toContain('46368');
  expect([rt.status, rt.stdout]).toEqual([v8.status, v8.stdout]);
}, 180_000);
