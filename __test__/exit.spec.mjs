// The process ends as Node's would: an uncaught exception exits with 1, also when collected
// wasm-rt objects are still waiting to be freed (they used to abort the process: a drop during
// thread-local teardown panicked where no panic can unwind; found by `wasm-rt fuzz`).
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { ROOT } from './helpers/wasi.mjs';

it('an uncaught exception with freed objects still queued exits with 1, not an abort', () => {
  const script = `const rt = require(${JSON.stringify(ROOT)});
    const m = new rt.WebAssembly.Module(new Uint8Array([0,97,115,109,1,0,0,0,5,3,1,0,1,7,7,1,3,109,101,109,2,0]));
    for (let i = 0; i < 2000; i++) new rt.WebAssembly.Instance(m).exports.mem.buffer;
    globalThis.gc();
    throw new Error('uncaught');`;
  for (let i = 0; i < 3; i++) {
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' });
    expect([r.status, r.signal]).toEqual([1, null]);
    expect(r.stderr).toContain('Error: uncaught');
  }
});
