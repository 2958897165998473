'use strict';
// Memory: RSS per live instance (each engine in a process of its own, so that the RSS is its
// own), and reading and writing Memory.buffer from JS through a typed array.
const { execFileSync } = require('node:child_process');
const { median, ms, V8, wasmRt, quick } = require('../measure');
const { importsModule } = require('../modules');

const LIVE = quick ? 200 : 2000;

function rssChild(engineName) {
  const engine = engineName === 'v8' ? V8 : wasmRt(engineName);
  const module = engine.compile(importsModule(10, 1));
  const env = {};
  for (let i = 0; i < 10; i++) env[`f${i}`] = () => {};
  const keep = [];
  // Warm up so that one-time costs (code, first store) are not counted per instance.
  for (let i = 0; i < 20; i++) keep.push(new engine.WebAssembly.Instance(module, { env }));
  global.gc();
  const before = process.memoryUsage().rss;
  for (let i = 0; i < LIVE; i++) {
    const instance = new engine.WebAssembly.Instance(module, { env });
    new Uint8Array(instance.exports.memory.buffer)[0] = 1;
    keep.push(instance);
  }
  global.gc();
  const after = process.memoryUsage().rss;
  process.stdout.write(JSON.stringify({ kib: (after - before) / 1024 / LIVE, live: keep.length }));
}

function kibPerInstance(engineName) {
  const out = execFileSync(process.execPath, ['--expose-gc', __filename, '--rss-child', engineName]);
  return JSON.parse(out).kib;
}

function bufferLoop(engine) {
  const memory = new engine.WebAssembly.Memory({ initial: 256 });
  const run = new Function(
    'memory',
    `const a = new Uint8Array(memory.buffer);
     for (let i = 0; i < a.length; i++) a[i] = i;
     let s = 0;
     for (let i = 0; i < a.length; i++) s = (s + a[i]) | 0;
     return s;`,
  );
  run(memory);
  const samples = [];
  for (let r = 0; r < 7; r++) samples.push(ms(() => run(memory)));
  return median(samples);
}

if (process.argv[2] === '--rss-child') {
  rssChild(process.argv[3]);
} else {
  module.exports = function run() {
    return [
      { case: `RSS per live instance (1-page memory, ${LIVE} live)`, unit: 'KiB', v8: kibPerInstance('v8'), 'wasm-rt': kibPerInstance('cranelift') },
      { case: 'Memory.buffer write+read, 16 MiB typed array', unit: 'ms', v8: bufferLoop(V8), 'wasm-rt': bufferLoop(wasmRt('cranelift')) },
    ];
  };
}
