'use strict';
// Compile time, and time to the first call, of a small module and a generated large one, per
// wasmer compiler and on V8. Each run compiles bytes no engine has seen (a fresh custom section),
// so no code cache answers.
const { median, ms, V8, wasmRt, COMPILERS, quick } = require('../measure');
const { smallModule, largeModule } = require('../modules');

let tag = 0;

function measure(engine, make, repeats) {
  const compile = [];
  const first = [];
  for (let i = 0; i < repeats; i++) {
    const bytes = make(`${engine.name}-${tag++}`);
    let module;
    let result;
    const c = ms(() => {
      module = engine.compile(bytes);
    });
    const f = ms(() => {
      result = new engine.WebAssembly.Instance(module).exports.main(3, 4);
    });
    compile.push(c);
    first.push(c + f);
    if (i === 0) engine.result = result;
  }
  return { compile: median(compile), first: median(first) };
}

module.exports = function run() {
  const megabytes = quick ? 1 : 5;
  const sizes = [
    { label: 'small', make: smallModule, repeats: 15 },
    { label: `large (${megabytes} MB code)`, make: (t) => largeModule(megabytes, t), repeats: quick ? 1 : 5 },
  ];
  const rows = [];
  for (const { label, make, repeats } of sizes) {
    const bytesLength = make('x').length;
    const v8 = measure(V8, make, repeats);
    for (const compiler of COMPILERS) {
      const engine = wasmRt(compiler);
      const rt = measure(engine, make, repeats);
      const same = engine.result === V8.result;
      const detail = { bytes: bytesLength, resultsEqual: same };
      rows.push({ case: `compile ${label} [${compiler}]`, unit: 'ms', v8: v8.compile, 'wasm-rt': rt.compile, ...detail });
      rows.push({ case: `to first call ${label} [${compiler}]`, unit: 'ms', v8: v8.first, 'wasm-rt': rt.first, ...detail });
    }
  }
  return rows;
};
