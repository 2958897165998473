'use strict';
// Loads the addon: the binary built in this checkout, else the per-platform npm package.
const path = require('node:path');
const fs = require('node:fs');

function triple() {
  const { platform, arch } = process;
  if (platform !== 'linux') return `${platform}-${arch}`;
  const glibc = process.report?.getReport().header.glibcVersionRuntime;
  return `${platform}-${arch}-${glibc ? 'gnu' : 'musl'}`;
}

function load() {
  const t = triple();
  const local = path.join(__dirname, '..', `wasm-rt.${t}.node`);
  if (fs.existsSync(local)) return require(local);
  try {
    return require(`wasm-rt-${t}`);
  } catch (e) {
    throw new Error(
      `wasm-rt: no native binary for ${t}. Build it with \`npm run build\` (needs Rust) or install wasm-rt-${t}.`,
      { cause: e },
    );
  }
}

module.exports = load();
