// lib/cli/child.js: the one way the commands (wpt, wast, wasi-test, compare) run a child process.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const { runChild } = require('../lib/cli/child.js');
const dir = mkdtempSync(join(tmpdir(), 'wasm-rt-child-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runChild', () => {
  it('keeps the exit code and what the child printed, the last `tail` characters of it', async () => {
    const r = await runChild({ args: ['-e', 'process.stdout.write("x".repeat(100) + "end"); process.stderr.write("oops"); process.exit(3)'], timeoutMs: 30_000, tail: 10 });
    expect([r.code, r.signal, r.timedOut, r.spawnError]).toEqual([3, null, false, null]);
    expect(r.stdout).toBe('xxxxxxxend');
    expect(r.stderr).toBe('oops');
    expect(r.ms).toBeGreaterThan(0);
  });

  it('returns the last message of a forked script', async () => {
    const script = join(dir, 'child.js');
    writeFileSync(script, 'process.send({ n: 1 }); process.send({ n: 2, args: process.argv.slice(2) });');
    const r = await runChild({ script, args: ['a', 'b'], timeoutMs: 30_000 });
    expect(r.message).toEqual({ n: 2, args: ['a', 'b'] });
    expect(r.code).toBe(0);
  });

  it('kills a child that outlives its deadline, and says so', async () => {
    const t = Date.now();
    const r = await runChild({ args: ['-e', 'setInterval(() => {}, 1000)'], timeoutMs: 300 });
    expect([r.timedOut, r.signal, r.code]).toEqual([true, 'SIGKILL', null]);
    expect(Date.now() - t).toBeLessThan(20_000);
  });

  it('resolves with the error when the child cannot start', async () => {
    const r = await runChild({ command: join(dir, 'no-such-program'), timeoutMs: 30_000 });
    expect(r.spawnError).toBeInstanceOf(Error);
    expect(r.spawnError.code).toBe('ENOENT');
    expect(r.timedOut).toBe(false);
  });

  it('writes to file descriptors it is given', async () => {
    const out = join(dir, 'out.txt');
    const fd = openSync(out, 'w');
    const running = runChild({ args: ['-e', 'console.log("to the file")'], stdout: fd, timeoutMs: 30_000 });
    closeSync(fd);
    const r = await running;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe('to the file\n');
  });
});
