// One CLI, `wasm-rt <command>`: help for each command, the same exit codes (0 as expected,
// 1 failures, 2 usage or environment errors).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from './helpers/wasi.mjs';
import { wat } from './helpers/wat.mjs';

const cli = (...args) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, WPT_DIR: '', WASI_TESTSUITE: '' } });

describe('wasm-rt', () => {
  it('lists its commands and exit codes', () => {
    const r = cli('--help');
    expect(r.status).toBe(0);
    for (const c of ['wpt', 'run', 'wasi-test', 'compare', 'exit codes']) expect(r.stdout).toContain(c);
    expect(cli().status).toBe(2);
    expect(cli('frobnicate').status).toBe(2);
  });

  for (const command of ['wpt', 'run', 'wasi-test', 'compare']) {
    it(`${command} --help prints its usage; an unknown option is a usage error`, () => {
      const help = cli(command, '--help');
      expect([help.status, help.stdout]).toEqual([0, expect.stringContaining(`usage: wasm-rt ${command}`)]);
      const bad = cli(command, '--no-such-option');
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain(`usage: wasm-rt ${command}`);
    });
  }

  it('node -r wasm-rt/preload runs a program on wasm-rt', () => {
    const r = spawnSync(process.execPath, ['-r', 'wasm-rt/preload', '-e', "console.log(String(WebAssembly.Module).startsWith('class'), typeof require('node:wasi').WASI)"], {
      cwd: path.join(BIN, '..', '..'),
      encoding: 'utf8',
    });
    expect(r.stdout.trim()).toBe('true function');
  });

  it('run: a missing program is 2, a trapping one 1', () => {
    expect(cli('run', '/nonexistent.wasm').status).toBe(2);
    // (module (memory (export "memory") 1) (func (export "_start") unreachable))
    const trap = Buffer.from('AGFzbQEAAAABBAFgAAADAgEABQMBAAEHEwIGbWVtb3J5AgAGX3N0YXJ0AAAKBQEDAAAL', 'base64');
    const file = path.join(os.tmpdir(), `wasm-rt-trap-${process.pid}.wasm`);
    fs.writeFileSync(file, trap);
    const r = cli('run', file);
    fs.rmSync(file);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('RuntimeError: unreachable');
  });

  it('run --timeout, --fuel and --max-memory stop a program at its limit', () => {
    // Grows its memory while it can, then spins.
    const bytes = wat(`(module (memory (export "memory") 1)
      (func (export "_start") (loop (br_if 0 (i32.ne (memory.grow (i32.const 1)) (i32.const -1))) (br 0))))`);
    const file = path.join(os.tmpdir(), `wasm-rt-spin-${process.pid}.wasm`);
    fs.writeFileSync(file, bytes);
    const timed = cli('run', '--timeout', '100', '--max-memory', String(4 << 20), file);
    const fueled = cli('run', '--fuel', '100000', file);
    const bad = cli('run', '--fuel', '-1', file);
    const v8 = cli('run', '--engine', 'v8', '--timeout', '100', file);
    fs.rmSync(file);
    expect(timed.status).toBe(1);
    expect(timed.stderr).toMatch(/deadline exceeded .*timeout of 100 ms/);
    expect(fueled.status).toBe(1);
    expect(fueled.stderr).toMatch(/out of fuel/);
    expect(bad.status).toBe(2);
    expect(v8.status).toBe(2);
    expect(v8.stderr).toContain('--timeout applies to --engine wasm-rt');
  });
});
