// The two WASI implementations every WASI test runs: node:wasi on V8's WebAssembly (the
// reference) and wasm-rt's WASI on wasm-rt's WebAssembly; plus C programs for wasm32-wasi,
// committed built beside their sources so that tests need no compiler (`npm run fixtures` rebuilds
// them with clang-19 and wasi-libc; .ci/run checks that they match their sources).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
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

/** Every program of __test__/wasi/c; name → its committed .wasm. */
export function programs() {
  const built = {};
  for (const f of fs.readdirSync(C_DIR).filter((n) => n.endsWith('.c'))) {
    const wasm = path.join(C_DIR, f.replace(/\.c$/, '.wasm'));
    if (!fs.existsSync(wasm)) {
      throw new Error(`${path.basename(wasm)} is not built: add it to __test__/fixtures.json and run \`npm run fixtures\` (Debian packages clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32)`);
    }
    built[f.replace(/\.c$/, '')] = wasm;
  }
  return built;
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
