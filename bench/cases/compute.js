'use strict';
// Compute: the C kernels in ../kernels (committed built with clang-19 for wasm32 beside their
// sources; `npm run fixtures` rebuilds them), run on V8 and on wasm-rt with each compiler; every
// engine must return the same result.
const fs = require('node:fs');
const path = require('node:path');
const { median, ms, V8, wasmRt, COMPILERS, quick, rt } = require('../measure');

const KERNELS = [
  { name: 'sha256', arg: 64, quickArg: 4, what: 'SHA-256 of 64 MiB' },
  { name: 'nbody', arg: 2_000_000, quickArg: 100_000, what: 'n-body, 2M steps' },
  { name: 'matmul', arg: 512, quickArg: 128, what: '512×512 f64 matrix multiply' },
  { name: 'fannkuch', arg: 10, quickArg: 8, what: 'fannkuch-redux n=10' },
  { name: 'interp', arg: 300_000, quickArg: 10_000, what: 'bytecode interpreter, primes below 300k' },
];
const REPEATS = quick ? 1 : 7;
const KERNEL_DIR = path.join(__dirname, '..', 'kernels');

/** Times each engine `REPEATS` times, taking turns, so that a slow moment of the machine falls on all of them. */
function timeKernel(engines, bytes, arg) {
  const runs = engines.map((engine) => {
    const { exports } = engine.instance ? engine.instance(bytes) : new engine.WebAssembly.Instance(engine.compile(bytes), {});
    exports.run(1);
    return { exports, samples: [], result: undefined };
  });
  for (let r = 0; r < REPEATS; r++) {
    for (const run of runs) run.samples.push(ms(() => (run.result = run.exports.run(arg))));
  }
  return runs.map((run) => ({ ms: median(run.samples), result: run.result }));
}

// Each compiler as it is, then cranelift under limits (lib/limits.js): a deadline on every call
// (far off: it never fires), and fuel (more than the kernels use).
const VARIANTS = [
  ...COMPILERS.map((compiler) => ({ label: compiler, engine: wasmRt(compiler) })),
  { label: 'cranelift, timeout', engine: { instance: (bytes) => rt.instantiateSync(bytes, {}, { compiler: 'cranelift', timeout: 3_600_000 }) } },
  { label: 'cranelift, fuel', engine: { instance: (bytes) => rt.instantiateSync(bytes, {}, { compiler: 'cranelift', fuel: Number.MAX_SAFE_INTEGER }) } },
];

module.exports = function run() {
  const rows = [];
  for (const k of KERNELS) {
    const bytes = fs.readFileSync(path.join(KERNEL_DIR, `${k.name}.wasm`));
    const arg = quick ? k.quickArg : k.arg;
    const [v8, ...rts] = timeKernel([V8, ...VARIANTS.map((v) => v.engine)], bytes, arg);
    VARIANTS.forEach(({ label }, i) => {
      const rt = rts[i];
      if (!Object.is(rt.result, v8.result)) {
        throw new Error(`bench: ${k.name} on ${label} returned ${rt.result}, V8 returned ${v8.result}`);
      }
      rows.push({ case: `compute ${k.name} [${label}]`, what: k.what, unit: 'ms', v8: v8.ms, 'wasm-rt': rt.ms, result: v8.result });
    });
  }
  return rows;
};
