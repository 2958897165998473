'use strict';
// What `node:wasi` resolves to under lib/cli/preload.js: wasm-rt's WASI.
module.exports = { WASI: require('../../index.js').WASI };
