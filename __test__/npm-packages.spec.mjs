// Real packages from npm, from different toolchains, each running a workload written here
// (__test__/npm/) under `wasm-rt compare`: the same output on V8 and on wasm-rt. The packages are
// installed from the registry at test time into a temporary folder; nothing of theirs is
// committed.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from './helpers/wasi.mjs';

// file -> { spec, what, wasm32 }; bench/cases/programs.js runs the same list. Packages published
// for the wasm32 "cpu" (wasm32: true): npm refuses one that says so (EBADPLATFORM) unless forced,
// --cpu=wasm32 notwithstanding.
const NPM = path.join(import.meta.dirname, 'npm');
const PACKAGES = JSON.parse(fs.readFileSync(path.join(NPM, 'packages.json'), 'utf8'));

let dir;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-npm-'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"private": true}');
  const specs = (wasm32) => Object.values(PACKAGES).filter((p) => p.wasm32 === wasm32).map((p) => p.spec);
  const install = (...args) => execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', '--ignore-scripts', ...args], { cwd: dir, stdio: 'ignore' });
  install(...specs(false));
  install('--cpu=wasm32', '--force', ...specs(true));
  for (const f of Object.keys(PACKAGES)) fs.copyFileSync(path.join(NPM, f), path.join(dir, f));
}, 300_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('npm packages on V8 and wasm-rt', () => {
  it('every workload in __test__/npm is listed here', () => {
    const files = fs.readdirSync(NPM).filter((f) => f !== 'packages.json');
    expect(files.sort()).toEqual(Object.keys(PACKAGES).sort());
  });

  for (const [file, { spec, what }] of Object.entries(PACKAGES)) {
    it(`${spec} (${what}): equal`, () => {
      const r = spawnSync(process.execPath, [BIN, 'compare', path.join(dir, file)], { cwd: dir, encoding: 'utf8', timeout: 280_000 });
      expect(r.stdout).toMatch(/^compare: equal \(v8 \d+ ms, wasm-rt \d+ ms\)$/m);
      expect(r.status).toBe(0);
      console.log(`${spec}: ${r.stdout.trim().split('\n')[0]}`);
    }, 300_000);
  }
});
