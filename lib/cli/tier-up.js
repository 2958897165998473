'use strict';
// The tier-up helper (src/compile/tier_up.rs): a detached process that a wasm-rt process starts to compile
// its big modules with cranelift into the code cache, at the lowest CPU priority.
const os = require('node:os');

try {
  os.setPriority(19);
} catch {
  // Not allowed here: the compile still runs, at the priority inherited.
}
require('../native').tierUpDrain();
