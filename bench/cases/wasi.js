'use strict';
// WASI: a C program (../wasi/io.c, committed built with clang-19 and wasi-libc as io.wasm)
// making one preview1 call per operation, on V8 with node:wasi and on wasm-rt; each run is one
// start() of a fresh instance, both print the same total. The V8 column is node:wasi.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { median, ms, quick } = require('../measure');
const rt = require('../..');
const { nodeWasi } = require('../../lib/cli/node-wasi');

const REPEATS = quick ? 1 : 5;

module.exports = function run() {
  const bytes = fs.readFileSync(path.join(__dirname, '..', 'wasi', 'io.wasm'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-bench-wasi-'));
  fs.writeFileSync(path.join(dir, 'stat-me'), 'x'.repeat(100));
  const engines = [
    { name: 'v8', W: WebAssembly, WASI: nodeWasi() },
    { name: 'wasm-rt', W: rt.WebAssembly, WASI: rt.WASI },
  ].map((e) => ({ ...e, module: new e.W.Module(bytes) }));
  const outFile = path.join(dir, 'stdout');

  /** One start() of the program with `args`: [ms, printed total]. */
  const once = (e, args) => {
    const fd = fs.openSync(outFile, 'w');
    try {
      const wasi = new e.WASI({ version: 'preview1', args: ['io', ...args], preopens: { '/b': dir }, stdout: fd });
      const instance = new e.W.Instance(e.module, wasi.getImportObject());
      const t = ms(() => wasi.start(instance));
      return [t, fs.readFileSync(outFile, 'utf8').trim()];
    } finally {
      fs.closeSync(fd);
    }
  };

  const cases = [
    { case: 'WASI 64 MiB in 4 KiB fd_write, read back', args: ['io', '/b/data', quick ? '4' : '64'] },
    { case: 'WASI 100k path_filestat_get', args: ['stat', '/b/stat-me', quick ? '10000' : '100000'] },
    { case: 'WASI 1M clock_time_get', args: ['clock', quick ? '100000' : '1000000'] },
  ];
  const rows = [];
  for (const c of cases) {
    const samples = engines.map(() => []);
    const printed = engines.map(() => undefined);
    for (let r = 0; r < REPEATS; r++) {
      engines.forEach((e, i) => {
        const [t, out] = once(e, c.args);
        samples[i].push(t);
        printed[i] = out;
      });
    }
    if (printed[0] !== printed[1]) throw new Error(`bench: ${c.case}: node:wasi printed ${printed[0]}, wasm-rt ${printed[1]}`);
    rows.push({ case: c.case, unit: 'ms', v8: median(samples[0]), 'wasm-rt': median(samples[1]) });
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return rows;
};
