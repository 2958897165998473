// Bun (JavaScriptCore) and Deno (V8) as engines of `wasm-rt wpt` and `wasm-rt wast`: the same child
// scripts as Node's (lib/cli/wpt/child.js, lib/cli/wast-child.js), forked under each runtime with
// Node's IPC channel. Needs both installed (`wasm-rt engines add bun deno`, as .ci/run does).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from './helpers/wasi.mjs';

const require = createRequire(import.meta.url);
const { installed } = require('../lib/cli/engines.js');
const missing = ['bun', 'deno'].filter((name) => !installed()[name]);
const skipped = missing.length > 0;
const needs = skipped ? ` (skipped: ${missing.join(' and ')} not installed; wasm-rt engines add ${missing.join(' ')})` : '';
const WPT_DIR = process.env.WPT_DIR ?? join(ROOT, '..', 'shared', 'suites', 'webassembly-spec');
const dir = mkdtempSync(join(tmpdir(), 'wasm-rt-bun-deno-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(command, ...args) {
  const json = join(dir, `${command}.json`);
  const r = spawnSync(process.execPath, [BIN, command, '--json', json, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { ...r, report: existsSync(json) ? JSON.parse(readFileSync(json, 'utf8')) : null };
}

describe('bun and deno as engines', () => {
  it.skipIf(skipped)(`wast: every kind of command on v8, bun, deno and wasm-rt, the same results${needs}`, () => {
    const r = run('wast', '--engines', 'v8,bun,deno,wasm-rt', join(ROOT, '__test__', 'wast', 'commands.wast'));
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^wast: v8 17\/17 bun 17\/17 deno 17\/17 wasm-rt 17\/17 differ 0$/m);
    expect(r.status).toBe(0);
    expect(r.report.runtimes.bun).toMatchObject({ kind: 'jsc', bin: installed().bun.bin, execArgv: [] });
    expect(r.report.runtimes.deno).toMatchObject({ kind: 'v8', bin: installed().deno.bin, execArgv: ['run', '--allow-read', '--allow-env', '--unstable-detect-cjs'] });
  }, 120_000);

  it.skipIf(skipped || !existsSync(WPT_DIR))(`wpt: the module/ files on v8, bun and deno, one column and one score each (needs the spec suite at $WPT_DIR)${needs}`, () => {
    const r = run('wpt', '--tests', WPT_DIR, '--engines', 'v8,bun,deno', '--filter', 'module/');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/file +\| v8 +\| bun +\| deno/);
    expect(r.stdout).toMatch(/^wpt: v8 49\/49 bun 49\/49 deno 49\/49 differ 0$/m);
    expect(r.status).toBe(0);
    expect(r.report.engines).toEqual(['v8', 'bun', 'deno']);
  }, 120_000);

  it.skipIf(skipped)(`compare: a program on v8, bun and deno, with the permissions it has under Node${needs}`, () => {
    const program = join(dir, 'program.mjs');
    // Writes a file (Deno refuses that without a permission) and tells JavaScriptCore apart.
    writeFileSync(program, "import fs from 'node:fs';\nfs.writeFileSync('out.txt', 'x');\nconsole.log(typeof WebAssembly.Module, typeof Bun);\n");
    const r = run('compare', '--engines', 'v8,bun,deno', '--dir', dir, program);
    expect(r.report.runs.map((x) => [x.engine, x.status, x.stdout.trim()])).toEqual([
      ['v8', 0, 'function undefined'],
      ['bun', 0, 'function object'],
      ['deno', 0, 'function undefined'],
    ]);
    expect(r.stdout).toContain('bun against v8: first difference: stdout, line 1');
    expect(r.stdout).not.toContain('deno against v8');
    expect(r.status).toBe(1);
  }, 120_000);

  it.skipIf(skipped)(`fuzz: v8, bun and deno each in a child of its own, JavaScriptCore's known bugs kept apart${needs}`, () => {
    for (const mode of ['--plain', '--mutate', null]) {
      const r = run('fuzz', '--engines', 'v8,bun,deno', ...(mode ? [mode] : []), '--count', '100', '--seed', '1');
      expect(r.stdout).toMatch(/^engines: v8, bun, deno; generated modules use /m);
      // Its v128 Global.value error and its re-exported imports would otherwise differ on most cases.
      expect(r.stdout).toMatch(/^fuzz: engines v8,bun,deno modules 100 calls \d+ divergences 0 poison \d+ crashes 0$/m);
      expect(r.report.engines).toEqual(['v8', 'bun', 'deno']);
    }
  }, 120_000);
});
