// Limits on runaway guests (lib/limits.js, src/runtime/limits/): a deadline per call, fuel, caps on the
// memories and tables an instance defines. V8 offers none of these: its column is "not
// supported", checked as such. Stopping wasm in a terminated worker (and at process.exit) needs
// no limit and runs on both engines.
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { engines } from './helpers/engines.mjs';
import { wat } from './helpers/wat.mjs';

const require = createRequire(import.meta.url);
const INDEX = require.resolve('../index.js');
const rt = require('../index.js');
const W = rt.WebAssembly;

const SPIN = wat(`(module
  (func (export "spin") (loop (br 0)))
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1))) (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))`);

/** Milliseconds `f` took, and what it threw. */
function timed(f) {
  const t = performance.now();
  try {
    f();
    return { ms: performance.now() - t, error: null };
  } catch (error) {
    return { ms: performance.now() - t, error };
  }
}

describe('V8', () => {
  it('has no limits on a call, no fuel and no caps: not supported', async () => {
    for (const name of ['instantiateSync', 'setLimits', 'getLimits', 'addFuel']) expect(WebAssembly[name]).toBeUndefined();
    // Its instantiate ignores a third argument: a memory above the "cap" is made all the same.
    const { instance } = await WebAssembly.instantiate(wat('(module (memory (export "m") 2))'), {}, { memoryLimit: 65536, timeout: 1 });
    expect(instance.exports.m.buffer.byteLength).toBe(2 * 65536);
  });
});

describe('deadlines', () => {
  it('stop a tight loop that calls nothing, with a RuntimeError naming the timeout; the instance runs again', () => {
    const i = rt.instantiateSync(SPIN, {}, { timeout: 50 });
    const { ms, error } = timed(() => i.exports.spin());
    expect(error).toBeInstanceOf(W.RuntimeError);
    expect(error.message).toMatch(/deadline exceeded.*timeout of 50 ms/);
    expect(ms).toBeGreaterThanOrEqual(49);
    expect(ms).toBeLessThan(Math.max(2 * 50, 50 + 10) + 40); // the bound, plus a loaded machine's slack
    expect(i.exports.fib(15)).toBe(610);
    expect(i.exports.add(2, 3)).toBe(5);
    rt.setLimits(i, { timeout: 20 });
    expect(timed(() => i.exports.spin()).error.message).toMatch(/timeout of 20 ms/);
    expect(rt.getLimits(i)).toEqual({ timeout: 20, fuel: null });
  });

  it('stop deep recursion without loops (checked at function entry)', () => {
    const i = rt.instantiateSync(SPIN, {}, { timeout: 30 });
    const { error } = timed(() => i.exports.fib(60));
    expect(error.message).toMatch(/deadline exceeded/);
  });

  it('count nested calls (JS → wasm → JS → wasm) against the outermost deadline', () => {
    // Compiled with the checks (on the main thread, code has them only when asked).
    const inner = new W.Instance(rt.compileSync(SPIN, { limits: true }));
    const outer = rt.instantiateSync(wat('(module (import "js" "f" (func $f)) (func (export "run") (call $f)))'), { js: { f: () => inner.exports.spin() } }, { timeout: 40 });
    const { ms, error } = timed(() => outer.exports.run());
    expect(error).toBeInstanceOf(W.RuntimeError);
    expect(error.message).toMatch(/timeout of 40 ms/);
    expect(ms).toBeLessThan(200);
    // Unlimited on its own: the inner instance still runs when called directly.
    expect(inner.exports.add(1, 1)).toBe(2);
  });

  it('apply to the start function', () => {
    const bytes = wat('(module (func $s (loop (br 0))) (start $s))');
    expect(() => rt.instantiateSync(bytes, {}, { timeout: 30 })).toThrow(/deadline exceeded/);
  });

  it('leave other instances alone, limited or not', () => {
    const a = rt.instantiateSync(SPIN, {}, { timeout: 20 });
    const b = rt.instantiateSync(SPIN, {}, { timeout: 5000 });
    const c = new W.Instance(new W.Module(SPIN));
    expect(timed(() => a.exports.spin()).error.message).toMatch(/timeout of 20 ms/);
    expect(b.exports.fib(20)).toBe(6765);
    expect(c.exports.fib(20)).toBe(6765);
  });

  it('are checked as Node checks its options', () => {
    expect(() => rt.instantiateSync(SPIN, {}, { timeout: -1 })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
    expect(() => rt.instantiateSync(SPIN, {}, { timeout: '5' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => rt.instantiateSync(SPIN, {}, 5)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => rt.setLimits({}, { timeout: 1 })).toThrow(TypeError);
  });

  it('need the checks compiled in: the main thread compiles without them unless asked', () => {
    // On the main thread a module is compiled without the checks (they cost ~5 %)...
    const plain = new W.Instance(new W.Module(SPIN));
    expect(() => rt.setLimits(plain, { timeout: 10 })).toThrow(/compile\(bytes, \{ limits: true \}\)/);
    // ...and with them when a timeout is given, or asked for.
    const asked = new W.Instance(rt.compileSync(SPIN, { limits: true }));
    rt.setLimits(asked, { timeout: 20 });
    expect(() => asked.exports.spin()).toThrow(/deadline exceeded/);
  });
});

describe('no way past a deadline', () => {
  // A function of a limited instance, whatever path brings it to JS, keeps the instance's
  // deadline (it was made without limits when it came through a table or a funcref).
  const LOOPS = wat(`(module (import "js" "f" (func $f (param funcref)))
    (table (export "tbl") 1 funcref) (elem (i32.const 0) $spin)
    (func $spin (export "spin") (loop (br 0)))
    (func (export "ref") (result funcref) (ref.func $spin))
    (func $s (call $f (ref.func $spin))) (start $s))`);

  it.each([
    ['an export', (i) => i.exports.spin],
    ['Table.get', (i) => i.exports.tbl.get(0)],
    ['a funcref result', (i) => i.exports.ref()],
    ['a funcref the start function handed to an import', (i, seen) => seen[0]],
    ['a re-export by an unlimited instance', (i) => new W.Instance(new W.Module(wat('(module (import "m" "f" (func $f)) (export "f" (func $f)))')), { m: { f: i.exports.spin } }).exports.f],
  ])('through %s', (_, pick) => {
    const seen = [];
    const i = rt.instantiateSync(LOOPS, { js: { f: (g) => seen.push(g) } }, { timeout: 40 });
    const f = pick(i, seen);
    const { ms, error } = timed(() => f());
    expect(error).toBeInstanceOf(W.RuntimeError);
    expect(error.message).toMatch(/timeout of 40 ms/);
    expect(ms).toBeLessThan(1000);
    // The export the start function's funcref became is the same function, with the limits.
    expect(timed(() => i.exports.spin()).error.message).toMatch(/timeout of 40 ms/);
  });

  it('stops an instance made by an import after the deadline passed', () => {
    const fresh = rt.compileSync(SPIN, { limits: true });
    let inner;
    const outer = rt.instantiateSync(wat('(module (import "js" "f" (func $f)) (func (export "run") (call $f)))'), {
      js: {
        f() {
          const until = Date.now() + 80;
          while (Date.now() < until);
          inner = rt.instantiateSync(fresh, {}, { timeout: 60_000 });
          inner.exports.spin();
        },
      },
    }, { timeout: 30 });
    const { ms, error } = timed(() => outer.exports.run());
    expect(error.message).toMatch(/timeout of 30 ms/);
    expect(ms).toBeLessThan(2000);
    // Once the limited call is over, the new instance runs again under its own deadline.
    expect(inner.exports.fib(10)).toBe(55);
  });

  it('fails a call that returns after its deadline, also from an atomic wait woken by the watchdog', () => {
    const bytes = rt.wat(`(module (memory 1 1 shared)
      (func (export "wait") (result i32) (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const -1))))`);
    const i = rt.instantiateSync(bytes, {}, { timeout: 40 });
    const { ms, error } = timed(() => i.exports.wait());
    expect(error).toBeInstanceOf(W.RuntimeError);
    expect(error.message).toMatch(/timeout of 40 ms/);
    expect(ms).toBeLessThan(2000);
  });
});

describe('funcrefs from modules compiled with checks', () => {
  const TABLE = wat('(module (table (export "tbl") 1 funcref) (func $f (result i32) i32.const 5) (elem (i32.const 0) $f) (func (export "ref") (result funcref) (ref.func $f)))');
  it.each([['limits', { limits: true }], ['fuel', { fuel: true }]])('reach JS from a module compiled for %s', (_, options) => {
    const i = new W.Instance(rt.compileSync(TABLE, options));
    expect(i.exports.tbl.get(0)()).toBe(5);
    expect(i.exports.ref()()).toBe(5);
    expect(i.exports.ref()).toBe(i.exports.tbl.get(0));
  });
});

describe('fuel', () => {
  it('runs out with a RuntimeError naming it, and more fuel lets the instance go on', async () => {
    const { module, instance } = await rt.instantiate(SPIN, {}, { fuel: 1000 });
    expect(module).toBeInstanceOf(W.Module);
    const { error } = timed(() => instance.exports.fib(25));
    expect(error).toBeInstanceOf(W.RuntimeError);
    expect(error.message).toMatch(/out of fuel/);
    expect(rt.getLimits(instance).fuel).toBeLessThan(1000);
    expect(rt.addFuel(instance, 10_000_000)).toBeGreaterThanOrEqual(10_000_000);
    expect(instance.exports.fib(20)).toBe(6765);
    const left = rt.getLimits(instance).fuel;
    instance.exports.fib(10);
    expect(rt.getLimits(instance).fuel).toBeLessThan(left);
    rt.setLimits(instance, { fuel: 5 });
    expect(() => instance.exports.spin()).toThrow(/out of fuel/);
  });

  it('is compiled into the code: a module compiled without it is compiled again, an instance without it gets none', () => {
    const plain = new W.Module(SPIN);
    const i = rt.instantiateSync(plain, {}, { fuel: 10 });
    expect(() => i.exports.fib(20)).toThrow(/out of fuel/);
    const metered = rt.compileSync(SPIN, { fuel: true });
    expect(rt.instantiateSync(metered, {}, { fuel: 100000 }).exports.fib(10)).toBe(55);
    expect(() => rt.addFuel(new W.Instance(plain), 1)).toThrow(TypeError);
    expect(() => rt.setLimits(new W.Instance(plain), { fuel: 1 })).toThrow(/compile\(bytes, \{ fuel: true \}\)/);
  });

  it('counts the same on both compilers, and serialize keeps it', () => {
    for (const compiler of ['cranelift', 'singlepass']) {
      const m = rt.compileSync(SPIN, { compiler, fuel: true });
      const i = rt.instantiateSync(m, {}, { fuel: 1_000_000 });
      i.exports.fib(10);
      const used = 1_000_000 - rt.getLimits(i).fuel;
      expect(used).toBeGreaterThan(177 * 5); // fib(10) makes 177 calls
      const again = rt.instantiateSync(rt.deserialize(rt.serialize(m)), {}, { fuel: 1_000_000 });
      again.exports.fib(10);
      expect(1_000_000 - rt.getLimits(again).fuel).toBe(used);
    }
  });
});

describe('memory and table caps', () => {
  const GROW = wat(`(module (memory (export "mem") 1) (table (export "tab") 1 funcref)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "tgrow") (param i32) (result i32) (table.grow (ref.null func) (local.get 0))))`);

  it('make a grow past them fail as the spec says for a failed grow', () => {
    const i = rt.instantiateSync(GROW, {}, { memoryLimit: 4 * 65536, tableLimit: 10 });
    expect(i.exports.grow(3)).toBe(1);
    expect(i.exports.grow(1)).toBe(-1);
    expect(() => i.exports.mem.grow(1)).toThrow(RangeError);
    expect(i.exports.mem.buffer.byteLength).toBe(4 * 65536);
    expect(i.exports.tgrow(9)).toBe(1);
    expect(i.exports.tgrow(1)).toBe(-1);
    expect(() => i.exports.tab.grow(1)).toThrow(RangeError);
    // Without caps the same module grows on.
    const free = new W.Instance(new W.Module(GROW));
    expect(free.exports.grow(10)).toBe(1);
  });

  it('stay with their instance: a table or memory JS makes while a capped start function runs is not capped', () => {
    const made = [];
    const start = wat('(module (import "js" "f" (func $f)) (table 1 funcref) (func $s (call $f)) (start $s))');
    rt.instantiateSync(start, { js: { f: () => made.push(new W.Table({ element: 'anyfunc', initial: 1 }), new W.Memory({ initial: 1 })) } }, { tableLimit: 2, memoryLimit: 65536 });
    const [table, memory] = made;
    expect(table.grow(100)).toBe(1);
    expect(table.length).toBe(101);
    expect(memory.grow(3)).toBe(1);
  });

  it('refuse an instance that would define a bigger memory or table, with a clear error', () => {
    expect(() => rt.instantiateSync(GROW, {}, { memoryLimit: 65535 })).toThrow(/memory 0 of 1 pages .* above the memoryLimit of 0 pages/);
    expect(() => rt.instantiateSync(GROW, {}, { tableLimit: 0 })).toThrow(/table 0 of 1 elements is above the tableLimit of 0/);
    expect(() => rt.instantiateSync(GROW, {}, { tableLimit: 0 })).toThrow(RangeError);
  });
});

describe('limits in worker threads', () => {
  it('work in several workers at once', async () => {
    const body = `
      const { parentPort, workerData } = require('node:worker_threads');
      const rt = require(workerData.index);
      const i = rt.instantiateSync(workerData.bytes, {}, { timeout: workerData.timeout });
      const t = Date.now();
      try { i.exports.spin(); } catch (e) { parentPort.postMessage([e.message, Date.now() - t, i.exports.fib(12)]); }`;
    const run = (timeout) =>
      new Promise((resolve, reject) => {
        const w = new Worker(body, { eval: true, workerData: { index: INDEX, bytes: SPIN, timeout } });
        w.once('message', resolve);
        w.once('error', reject);
      });
    const [a, b] = await Promise.all([run(30), run(60)]);
    expect(a[0]).toMatch(/timeout of 30 ms/);
    expect(b[0]).toMatch(/timeout of 60 ms/);
    expect(a[2]).toBe(144);
    expect(b[1]).toBeGreaterThanOrEqual(59);
  });
});

describe.each(engines)('$name: funcrefs in a Worker', ({ name }) => {
  const ns = name === 'v8' ? 'WebAssembly' : `require(${JSON.stringify(INDEX)}).WebAssembly`;
  it('reach JS through Table.get and a funcref result, and are called', async () => {
    const body = `
      const { parentPort, workerData } = require('node:worker_threads');
      const W = ${ns};
      const i = new W.Instance(new W.Module(workerData));
      parentPort.postMessage([i.exports.tbl.get(0)(), i.exports.ref()(), i.exports.ref() === i.exports.tbl.get(0)]);`;
    const bytes = wat('(module (table (export "tbl") 1 funcref) (func $f (result i32) i32.const 5) (elem (i32.const 0) $f) (func (export "ref") (result funcref) (ref.func $f)))');
    const w = new Worker(body, { eval: true, workerData: bytes });
    const got = await new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    expect(got).toEqual([5, 5, true]);
  });
});

describe('termination through wasm-rt’s hooks alone (WASM_RT_V8_TERMINATION=off: V8’s request is not read)', () => {
  const run = (script, timeout = 20_000) => spawnSync(process.execPath, ['-e', script], { env: { ...process.env, WASM_RT_V8_TERMINATION: 'off' }, encoding: 'utf8', timeout });
  const spinner = `
    const { parentPort } = require('node:worker_threads');
    const W = require(${JSON.stringify(INDEX)}).WebAssembly;
    const i = new W.Instance(new W.Module(new Uint8Array(${JSON.stringify([...SPIN])})));
    parentPort.postMessage('spinning');
    i.exports.spin();`;

  it('worker.terminate() of a worker inside (loop (br 0)), and process.exit() with another', () => {
    const r = run(`require(${JSON.stringify(INDEX)});
      const { Worker } = require('node:worker_threads');
      const a = new Worker(${JSON.stringify(spinner)}, { eval: true });
      a.once('message', async () => {
        const t = performance.now();
        const code = await a.terminate();
        console.log('terminated', code, performance.now() - t < 1000);
        const b = new Worker(${JSON.stringify(spinner)}, { eval: true });
        b.once('message', () => setTimeout(() => process.exit(7), 20));
      });`);
    expect([r.stdout.trim(), r.status, r.signal]).toEqual(['terminated 1 true', 7, null]);
  });

  it('terminate() of a worker that has exited stops nothing else (its threadId is -1 by then, and the main thread is 0)', () => {
    // Run in a process of its own: the bug this guards against stopped the main thread for good.
    const r = run(`const rt = require(${JSON.stringify(INDEX)});
      const { Worker } = require('node:worker_threads');
      const limited = rt.instantiateSync(new Uint8Array(${JSON.stringify([...SPIN])}), {}, { timeout: 5000 }).exports;
      const a = new Int32Array(new rt.WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer);
      const w = new Worker('process.exit(0)', { eval: true });
      w.once('exit', async () => {
        const id = w.threadId;
        await w.terminate();
        await w.terminate();
        require(${JSON.stringify(require.resolve('../lib/native.js'))}).terminateThread(-1);
        await new Promise((r) => setTimeout(r, 30));
        console.log(id, limited.add(2, 3), Atomics.wait(a, 0, 0, 50));
      });`);
    expect([r.stdout.trim(), r.stderr, r.status]).toEqual(['-1 5 timed-out', '', 0]);
  });

  it('with no hooks in the stopping thread either, nothing stops the worker: the case the fallback is for', () => {
    // The main thread never loads wasm-rt; with the fallback on, 'process.exit() ends a process
    // whose worker spins in wasm' (below) passes. Here the process is still there after 3 s.
    const r = run(`const { Worker } = require('node:worker_threads');
      const w = new Worker(${JSON.stringify(spinner)}, { eval: true });
      w.once('message', () => setTimeout(() => process.exit(7), 20));`, 3000);
    expect(r.signal).toBe('SIGTERM');
  });
});

describe.each(engines)('$name: stopping wasm without limits', ({ name }) => {
  const ns = name === 'v8' ? 'WebAssembly' : `require(${JSON.stringify(INDEX)}).WebAssembly`;
  const spinner = `
    const { parentPort } = require('node:worker_threads');
    const W = ${ns};
    const i = new W.Instance(new W.Module(new Uint8Array(${JSON.stringify([...SPIN])})));
    parentPort.postMessage('spinning');
    i.exports.spin();`;

  it('worker.terminate() stops a worker inside (loop (br 0))', async () => {
    const w = new Worker(spinner, { eval: true });
    await new Promise((resolve) => w.once('message', resolve));
    const t = performance.now();
    const code = await w.terminate();
    expect(code).toBe(1);
    expect(performance.now() - t).toBeLessThan(1000);
  });

  it('process.exit() ends a process whose worker spins in wasm', () => {
    const script = `const { Worker } = require('node:worker_threads');
      const w = new Worker(${JSON.stringify(spinner)}, { eval: true });
      w.once('message', () => setTimeout(() => process.exit(7), 50));`;
    let status = null;
    try {
      execFileSync(process.execPath, ['-e', script], { timeout: 10_000, stdio: 'ignore' });
    } catch (e) {
      status = e.status;
    }
    expect(status).toBe(7);
  });
});

describe('what JS sees of the instrumentation', () => {
  it('nothing: no extra import or export, exported functions keep their indices as names', () => {
    const bytes = wat('(module (import "m" "f" (func)) (func (export "g")) (global (export "x") i32 (i32.const 1)))');
    for (const ns of [W, WebAssembly]) {
      const m = new ns.Module(bytes);
      expect(ns.Module.imports(m)).toEqual([{ module: 'm', name: 'f', kind: 'function' }]);
      expect(ns.Module.exports(m).map((e) => e.name)).toEqual(['g', 'x']);
      const i = new ns.Instance(m, { m: { f() {} } });
      expect(Object.keys(i.exports)).toEqual(['g', 'x']);
      expect(i.exports.g.name).toBe('1');
    }
  });

  it('export names starting with "\\0wasm-rt:" are reserved where the checks are compiled in (a CompileError)', () => {
    const bytes = wat('(module (func (export "\\00wasm-rt:flag")))');
    expect(WebAssembly.validate(bytes)).toBe(true);
    expect(W.Module.exports(new W.Module(bytes))).toEqual([{ name: '\0wasm-rt:flag', kind: 'function' }]);
    expect(() => rt.compileSync(bytes, { limits: true })).toThrow(W.CompileError);
  });
});
