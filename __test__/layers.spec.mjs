// scripts/layers.js, the check that src/ keeps its layers: it passes on the tree as it is, and
// fails on a use of a higher layer, on an import cycle, on Node-API or foreign declarations
// outside sys/ and on a file outside the layer folders.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'scripts', 'layers.js');
const check = (...args) => spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });

describe('scripts/layers.js', () => {
  let dir;
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

  /** A src/ tree of `files` (path → Rust source). */
  const tree = (files) => {
    dir = mkdtempSync(join(tmpdir(), 'wasm-rt-layers-'));
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    return dir;
  };
  const base = {
    'lib.rs': 'mod sys;\nmod runtime;\nmod api;\n',
    'sys/mod.rs': 'pub mod napi_raw;\n',
    'sys/napi_raw.rs': 'pub fn f() {}\n',
    'runtime/mod.rs': 'pub mod group;\npub mod engine;\n',
    'runtime/engine.rs': 'pub fn e() {}\n',
    'api/mod.rs': 'pub mod memory;\n',
    'api/memory.rs': 'use crate::runtime::group::Group;\npub fn m() {}\n',
  };

  it('passes on src/ as it is', () => {
    const r = check();
    expect(r.stdout).toMatch(/layers: \d+ modules, \d+ edges, 0 problems/);
    expect(r.status).toBe(0);
  });

  it('passes on a tree that only uses downward', () => {
    const r = check('--src', tree({ ...base, 'runtime/group.rs': 'use crate::sys::napi_raw;\n// crate::api::memory in a comment\npub struct Group;\n' }));
    expect(r.stdout).toContain('0 problems');
    expect(r.status).toBe(0);
  });

  it('fails on a use of a higher layer, also through a grouped use', () => {
    const r = check('--src', tree({ ...base, 'runtime/group.rs': 'use crate::{sys::napi_raw, api::memory::m};\npub struct Group;\n' }));
    expect(r.stdout).toContain('runtime::group uses api::memory, a higher layer');
    expect(r.status).toBe(1);
  });

  it('fails on an import cycle inside one layer', () => {
    const r = check('--src', tree({ ...base, 'runtime/group.rs': 'pub struct Group;\nfn g() { crate::runtime::engine::e() }\n', 'runtime/engine.rs': 'use super::group::Group;\npub fn e() {}\n' }));
    expect(r.stdout).toContain('import cycle: runtime::engine, runtime::group');
    expect(r.status).toBe(1);
  });

  it('fails on a Node-API call or a foreign declaration outside sys/', () => {
    const r = check('--src', tree({ ...base, 'runtime/group.rs': 'pub struct Group;\nfn g(env: E) { unsafe { napi::sys::napi_open_handle_scope(env, p) }; }\nunsafe extern "C" { fn f(); }\n' }));
    expect(r.stdout).toContain('runtime::group: sys::napi_open_handle_scope( outside sys/');
    expect(r.stdout).toContain('runtime::group: unsafe code outside sys/ and wasi/');
    expect(r.status).toBe(1);
    const ok = check('--src', tree({ ...base, 'runtime/group.rs': 'pub struct Group;\n', 'sys/napi_raw.rs': 'pub fn f() { napi_call!(env, napi_x(env)) }\nunsafe extern "C" { fn g(); }\n' }));
    expect(ok.stdout).toContain('0 problems');
  });

  it('fails on unsafe code outside sys/ and wasi/, not on a lint named after it', () => {
    const r = check('--src', tree({ ...base, 'api/memory.rs': 'pub fn len(p: *const u8) -> u8 { unsafe { *p } }\n' }));
    expect(r.stdout).toContain('api::memory: unsafe code outside sys/ and wasi/');
    expect(r.status).toBe(1);
    const ok = check('--src', tree({ ...base, 'lib.rs': '#![deny(clippy::undocumented_unsafe_blocks)]\nmod sys;\nmod runtime;\nmod api;\nmod wasi;\n// unsafe in a comment\n', 'wasi/mod.rs': 'pub fn r(p: *const u8) -> u8 { unsafe { *p } }\n' }));
    expect(ok.stdout).toContain('0 problems');
  });

  it('fails on a module outside the layer folders', () => {
    const r = check('--src', tree({ ...base, 'runtime/group.rs': 'pub struct Group;\n', 'loose.rs': 'pub fn l() {}\n' }));
    expect(r.stdout).toContain('loose: not in a layer folder');
    expect(r.status).toBe(1);
  });
});
