// wat(text) -> Uint8Array, via the wabt package. Each distinct text is
// compiled once (cached). The features enabled are the post-MVP proposals the
// tests use; they are all standardized (WebAssembly 2.0 / 3.0) and shipped in
// V8 of Node 20.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const wabt = await require('wabt')();

export const WABT_FEATURES = Object.freeze({
  exceptions: true,
  mutable_globals: true,
  sat_float_to_int: true,
  sign_extension: true,
  simd: true,
  multi_value: true,
  tail_call: true,
  bulk_memory: true,
  reference_types: true,
  annotations: true, // for (@custom "name" "bytes") custom sections
});

const cache = new Map();

export function wat(text) {
  let bytes = cache.get(text);
  if (bytes === undefined) {
    const module = wabt.parseWat('test.wat', text, WABT_FEATURES);
    try {
      module.resolveNames();
      module.validate();
      bytes = module.toBinary({ log: false, write_debug_names: false }).buffer;
    } finally {
      module.destroy();
    }
    cache.set(text, bytes);
  }
  // A fresh copy each call, so a test that mutates its bytes can't poison the
  // cache.
  return new Uint8Array(bytes);
}

/** Tagged-template form: wat`(module ...)`. */
export function watTag(strings, ...values) {
  return wat(String.raw(strings, ...values));
}
