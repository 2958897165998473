'use strict';
// `npm install` hook: builds the addon from source unless a binary for this platform already
// loads (built in this checkout, or the per-platform npm package). It needs Rust (cargo) only,
// not the devDependencies, so an install from the published tarball can run it.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

try {
  require('../lib/native');
  process.exit(0);
} catch {
  // No usable binary: build one.
}

const root = path.join(__dirname, '..');
const { triple } = require('../lib/triple');
const probe = spawnSync('cargo', ['--version'], { encoding: 'utf8' });
if (probe.status !== 0) {
  process.stderr.write(
    `wasm-rt: no prebuilt binary for ${triple()} (package wasm-rt-${triple()}) and no Rust toolchain to build one.\n` +
      'Install Rust 1.95 (https://rustup.rs) and reinstall, or install on a platform with a prebuilt binary.\n',
  );
  process.exit(1);
}
const target = process.env.CARGO_TARGET_DIR ? path.resolve(process.env.CARGO_TARGET_DIR) : path.join(root, 'target');
const built = spawnSync('cargo', ['build', '--release', '--locked'], { cwd: root, stdio: 'inherit', env: { ...process.env, CARGO_TARGET_DIR: target } });
if (built.status !== 0) process.exit(built.status ?? 1);
fs.copyFileSync(path.join(target, 'release', 'libwasm_rt.so'), path.join(root, `wasm-rt.${triple()}.node`));
// Installed as a dependency, the build's 1.4 GB of intermediate files are of no further use.
if (!process.env.CARGO_TARGET_DIR && root.split(path.sep).includes('node_modules')) fs.rmSync(target, { recursive: true, force: true });
