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
 *
 * A deviation of some V8 versions only names them: `{ v8: '<12.4' }` (see `v8Within`); on other
 * versions the test must pass on V8 too.
 */
export function specDeviation(deviatingEngine, reason, { v8 } = {}) {
  return (engineName, title, fn, timeout) => {
    if (engineName === deviatingEngine && (deviatingEngine !== 'v8' || v8 === undefined || v8Within(v8))) {
      const when = v8 === undefined ? '' : ` (V8 ${v8})`;
      return it.fails(`${title} [known ${deviatingEngine} deviation${when}: ${reason}]`, fn, timeout);
    }
    return it(title, fn, timeout);
  };
}

/** The running Node's V8 as [major, minor]. The V8 column of every test is this V8. */
const V8 = process.versions.v8.split('.').slice(0, 2).map(Number);

const compare = ([a, b], [c, d]) => a - c || b - d;

/**
 * Whether the running V8 is in `range`: '<12.4' (older than 12.4), '>=13.6' (that version or
 * newer), or both joined by a space ('>=12.4 <13.6'). Expectations of the V8 column that depend
 * on the Node running the tests say so with this, as measured on Node 20, 22, 24 and 26 (V8 11.3,
 * 12.4, 13.6, 14.6).
 */
export function v8Within(range) {
  return range.split(' ').every((part) => {
    const [, op, version] = part.match(/^(<|>=)(\d+\.\d+)$/) ?? [];
    if (!op) throw new Error(`v8Within: bad range ${range}`);
    const c = compare(V8, version.split('.').map(Number));
    return op === '<' ? c < 0 : c >= 0;
  });
}

/**
 * A behaviour wasm-rt does not have yet: expected to fail on wasm-rt (and so to turn red once it
 * starts passing, so the mark gets removed). The reason names the issue or the limitation.
 */
export const knownGap = (reason) => specDeviation('wasm-rt', reason);
