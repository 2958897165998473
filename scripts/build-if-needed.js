'use strict';
// `npm install` hook: builds the addon from source (cargo via @napi-rs/cli) unless a binary for
// this platform can already be loaded, from this checkout or from its npm package.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

try {
  require('../lib/native');
  process.exit(0);
} catch {
  // No usable binary: build one.
}
const root = path.join(__dirname, '..');
const r = spawnSync('npx', ['napi', 'build', '--platform', '--release', '--no-js', '--dts', 'native.d.ts'], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
