'use strict';
// node:wasi's WASI class, loaded without the experimental warning Node prints on first load, for
// the commands, benchmarks and tests that run it beside wasm-rt's.
function nodeWasi() {
  const emit = process.emitWarning;
  process.emitWarning = (warning, ...rest) => {
    if (!String(warning).includes('WASI')) emit.call(process, warning, ...rest);
  };
  try {
    return require('node:wasi').WASI;
  } finally {
    process.emitWarning = emit;
  }
}

module.exports = { nodeWasi };
