'use strict';
// Loads the addon (the binary built in this checkout, else the per-platform npm package) and
// wraps its functions so that failures throw from JS.
const path = require('node:path');
const fs = require('node:fs');
const { triple } = require('./triple');

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

// A native call that fails returns `failure`, its exception in `failure.error`, and JS throws it:
// a Node-API call that ends in an exception can abort Node 20 when a garbage collection runs a
// finalizer at that moment (see src/sys/reclaim.rs).
const failure = { error: undefined };

function raise() {
  const e = failure.error;
  failure.error = undefined;
  throw e;
}

const raw = load();
// The script the addon starts, with this Node, to tier big modules up after this process
// (src/compile/tier_up.rs). Not in Electron, whose binary would open an app: the tier-up then runs on a
// thread of this process.
if (!process.versions.electron) raw.setTierUpHelper(path.join(__dirname, 'cli', 'tier-up.js'), process.execPath);
const native = { failure, raise };
for (const [name, f] of Object.entries(raw)) {
  native[name] = (...args) => {
    const r = f(...args);
    if (r === failure) raise();
    return r;
  };
}

module.exports = native;
