// The engines every spec test runs against, with the same test body.
//
//   v8       Node's built-in WebAssembly namespace (the reference).
//   wasm-rt  require('wasm-rt').WebAssembly, the implementation under test.
//
// WASM_RT_TEST_ENGINES=v8 (a comma list) restricts the engines, for
// development only. By default both run.
//
// If loading wasm-rt throws, its tests are NOT skipped: its `WebAssembly` is
// then a proxy whose every operation rethrows the load error, so every test
// of that engine fails with it. (Test files must therefore not touch the
// namespace while collecting tests, only inside tests and hooks.)
import { createRequire } from 'node:module';
import { it } from 'vitest';

const require = createRequire(import.meta.url);

function loadWasmRt() {
  try {
    const mod = require('../../index.js');
    if (mod == null || (typeof mod !== 'object' && typeof mod !== 'function')) {
      throw new TypeError(`require('wasm-rt') returned ${String(mod)}`);
    }
    if (mod.WebAssembly == null || typeof mod.WebAssembly !== 'object') {
      throw new TypeError("require('wasm-rt').WebAssembly is not an object");
    }
    return { ok: true, value: mod.WebAssembly };
  } catch (error) {
    return { ok: false, error };
  }
}

const wasmRt = loadWasmRt();

function loadError() {
  const e = new Error(
    `wasm-rt failed to load: ${wasmRt.error && wasmRt.error.message}`,
    { cause: wasmRt.error },
  );
  return e;
}

function throwingNamespace() {
  // Every operation on it rethrows the load error, so each wasm-rt test fails
  // with it (instead of the file failing at collection, or being skipped).
  const fail = () => {
    throw loadError();
  };
  return new Proxy(
    {},
    {
      get: fail,
      has: fail,
      set: fail,
      ownKeys: fail,
      getOwnPropertyDescriptor: fail,
      defineProperty: fail,
      deleteProperty: fail,
      getPrototypeOf: fail,
      setPrototypeOf: fail,
      isExtensible: fail,
      preventExtensions: fail,
    },
  );
}

const all = [
  { name: 'v8', WebAssembly: globalThis.WebAssembly },
  { name: 'wasm-rt', WebAssembly: wasmRt.ok ? wasmRt.value : throwingNamespace() },
];

const selected = (process.env.WASM_RT_TEST_ENGINES || '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);

for (const name of selected) {
  if (!all.some((e) => e.name === name)) {
    throw new Error(`WASM_RT_TEST_ENGINES: unknown engine ${JSON.stringify(name)}`);
  }
}

/** Rows for `describe.each(engines)('$name', ({ WebAssembly }) => ...)`. */
export const engines = all.filter((e) => selected.length === 0 || selected.includes(e.name));

/**
 * `it` for a spec-defined behaviour on which the named engine is known to
 * deviate from the spec: for that engine the test is expected to fail
 * (`it.fails`), for every other engine it must pass. Always put a comment
 * next to the call citing the spec section.
 *
 *   specDeviation('v8', 'reason')(engine.name, 'title', () => { ... })
 */
export function specDeviation(deviatingEngine, reason) {
  return (engineName, title, fn, timeout) => {
    if (engineName === deviatingEngine) {
      return it.fails(`${title} [known ${deviatingEngine} deviation: ${reason}]`, fn, timeout);
    }
    return it(title, fn, timeout);
  };
}

/**
 * A behaviour wasm-rt does not have yet: expected to fail on wasm-rt (and so to turn red once it
 * starts passing, so the mark gets removed). The reason names the issue or the limitation.
 */
export const knownGap = (reason) => specDeviation('wasm-rt', reason);
