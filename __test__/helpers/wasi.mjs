// The two WASI implementations every WASI test runs: node:wasi on V8's WebAssembly (the
// reference) and wasm-rt's WASI on wasm-rt's WebAssembly; plus C programs compiled to
// wasm32-wasi at test time with clang-19 and wasi-libc (Debian packages; .ci/run installs them).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
export const ROOT = path.join(import.meta.dirname, '..', '..');
export const BIN = path.join(ROOT, 'bin', 'wasm-rt.js');
const C_DIR = path.join(import.meta.dirname, '..', 'wasi', 'c');
const { nodeWasi } = require('../../lib/cli/node-wasi.js');

export const implementations = {
  node: () => ({ WebAssembly: globalThis.WebAssembly, WASI: nodeWasi() }),
  'wasm-rt': () => {
    const rt = require('../../index.js');
    return { WebAssembly: rt.WebAssembly, WASI: rt.WASI };
  },
};

/** What a call did: its value, or the error's class, code and message. */
export function outcome(f) {
  try {
    return { value: f() };
  } catch (e) {
    if (typeof e !== 'object' || e === null) return { thrown: String(e) };
    return { error: e.constructor.name, code: e.code, message: e.message };
  }
}

let compiled;

/** Compiles every program of __test__/wasi/c once per test process; name → .wasm path. */
export function programs() {
  if (compiled) return compiled;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-wasi-c-'));
  compiled = {};
  for (const f of fs.readdirSync(C_DIR).filter((n) => n.endsWith('.c'))) {
    const wasm = path.join(out, f.replace(/\.c$/, '.wasm'));
    execFileSync('clang-19', ['--target=wasm32-wasi', '--sysroot=/usr', '-O1', '-o', wasm, path.join(C_DIR, f)]);
    compiled[f.replace(/\.c$/, '')] = wasm;
  }
  return compiled;
}

/** Runs `wasm-rt run` in a child process; engine 'node' runs V8 with node:wasi. */
export function runProgram(engine, wasm, { args = [], dirs = [], env = {}, input } = {}) {
  const cli = ['--no-warnings', BIN, 'run', '--engine', engine === 'node' ? 'v8' : 'wasm-rt'];
  for (const d of dirs) cli.push('--dir', d);
  for (const [k, v] of Object.entries(env)) cli.push('--env', `${k}=${v}`);
  cli.push(wasm, ...args);
  const r = spawnSync(process.execPath, cli, { input, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}
