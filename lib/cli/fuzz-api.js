'use strict';
// `wasm-rt fuzz --api`: a seed gives a sequence of JS API operations over a few modules and the
// objects they share — compile (sync and async), instantiate with shared memories, tables,
// globals and functions, grow, Table.set/get/grow, Global.value, views over Memory.buffer kept
// across grows, exports called with generated arguments, WebAssembly.Exception made and thrown —
// run on one engine; fuzz-worker.js runs it on both and compares the steps.
const native = require('../native');
const { trapKind } = require('../differential');
const { stream } = require('./fuzz-boundary');

// A module that imports what JS shares (a memory, a table, a mutable global, a function) and
// exports operations on them; and one with a tag, a memory, a table and a global of its own.
const LINKED = `(module
  (import "js" "mem" (memory 1 8))
  (import "js" "tbl" (table 2 16 funcref))
  (import "js" "g" (global $g (mut i32)))
  (import "js" "f" (func $f (param i32) (result i32)))
  (type $ii (func (param i32) (result i32)))
  (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func $double (export "double") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "callAt") (param i32 i32) (result i32) (call_indirect (type $ii) (local.get 1) (local.get 0)))
  (func (export "callImport") (param i32) (result i32) (call $f (local.get 0)))
  (func (export "getg") (result i32) (global.get $g))
  (func (export "setg") (param i32) (global.set $g (local.get 0)))
  (func (export "tgrow") (param i32) (result i32) (table.grow (ref.func $double) (local.get 0)))
  (func (export "ref") (result funcref) (ref.func $double))
  (func (export "i64") (param i64) (result i64) (i64.mul (local.get 0) (i64.const 3)))
  (func (export "f64") (param f64 f32) (result f64) (f64.add (local.get 0) (f64.promote_f32 (local.get 1))))
  (elem declare func $double))`;
const OWN = `(module (tag $t (export "t") (param i32)) (func (export "throw") (param i32) (throw $t (local.get 0)))
  (memory (export "m") 1 4) (table (export "tab") 3 externref) (global (export "c") i64 (i64.const 7)))`;

let texts;
const sources = () => (texts ??= { linked: native.wat(LINKED), own: native.wat(OWN) });

const STEPS = 24;

/** What a value is, as data both engines' runs can be compared by: objects by their place. */
function describe(v, world) {
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v;
  if (typeof v === 'bigint') return `${v}n`;
  if (v === null || v === undefined || typeof v === 'string' || typeof v === 'boolean') return v;
  for (const [kind, list] of Object.entries(world)) {
    const i = list.indexOf(v);
    if (i >= 0) return `${kind} ${i}`;
  }
  if (typeof v === 'function') return 'function';
  if (Array.isArray(v)) return v.map((x) => describe(x, world));
  // Keys sorted: V8 orders a ModuleExportDescriptor's keys name, kind; WebIDL kind, name.
  if (Object.getPrototypeOf(v) === Object.prototype) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, describe(v[k], world)]));
  return Object.prototype.toString.call(v);
}

async function outcome(W, world, f) {
  try {
    return { value: describe(await f(), world) };
  } catch (e) {
    if (e instanceof W.Exception) {
      const tag = world.tag.find((t) => e.is(t));
      return { exception: world.tag.indexOf(tag), arg: tag ? describe(e.getArg(tag, 0), world) : null };
    }
    if (e instanceof W.RuntimeError) return { trap: trapKind(e.message) };
    // The message is not compared (engines word them differently) but tells known gaps apart.
    return Object.defineProperty({ error: e?.constructor?.name ?? String(e) }, 'detail', { value: String(e?.message ?? '') });
  }
}

/** Runs the sequence of `seed` on engine `W`: each step's outcome. */
async function run(W, seed) {
  const next = stream(seed);
  const pick = (list) => list[next() % list.length];
  const small = () => pick([0, 1, 2, 3, -1, 7, 0x7fffffff]);
  const world = { module: [], instance: [], memory: [], table: [], global: [], tag: [], view: [], exception: [] };
  const add = (kind, v) => (world[kind].push(v), v);
  const steps = [];
  const step = async (name, f) => {
    const o = await outcome(W, world, f);
    steps.push(Object.defineProperty({ step: name, ...o }, 'detail', { value: o.detail }));
  };
  const any = (kind) => (world[kind].length ? pick(world[kind]) : undefined);
  const linkedInstance = () => {
    const linked = world.instance.filter((i) => 'add' in i.exports);
    return linked.length ? pick(linked) : undefined;
  };
  const exported = () => {
    const i = any('instance');
    return i ? pick(Object.values(i.exports).filter((v) => typeof v === 'function').concat([null])) : null;
  };
  add('memory', new W.Memory({ initial: 1, maximum: 8 }));
  add('table', new W.Table({ element: 'anyfunc', initial: 2, maximum: 16 }));
  add('global', new W.Global({ value: 'i32', mutable: true }, 5));
  const ops = [
    ['compile', () => add('module', new W.Module(sources()[pick(['linked', 'own'])]))],
    ['compile async', async () => add('module', await W.compile(sources()[pick(['linked', 'own'])]))],
    ['instantiate', () => {
      const m = any('module');
      const f = pick([(x) => x + 1, exported(), 'not a function']);
      return add('instance', new W.Instance(m, { js: { mem: any('memory'), tbl: any('table'), g: any('global'), f } }));
    }],
    ['instantiate async', async () => {
      const { instance, module } = await W.instantiate(sources()[pick(['linked', 'own'])], { js: { mem: any('memory'), tbl: any('table'), g: any('global'), f: (x) => x * 3 } });
      add('module', module);
      return add('instance', instance);
    }],
    ['new Memory', () => add('memory', new W.Memory({ initial: small() & 3, maximum: pick([8, 4, undefined]) }))],
    ['new Table', () => add('table', new W.Table({ element: pick(['anyfunc', 'externref']), initial: small() & 7, maximum: 16 }))],
    // An externref Global made without a value holds undefined since the spec changed; V8 before
    // 12 gives null (conformance/known-divergences.md): it gets a value here.
    ['new Global', () => {
      const value = pick(['i32', 'i64', 'f64', 'externref']);
      const args = value === 'externref' ? [pick([null, 'x', 0])] : [];
      return add('global', new W.Global({ value, mutable: true }, ...args));
    }],
    ['Memory.grow', () => any('memory').grow(pick([0, 1, 2, 9]))],
    ['a view of Memory.buffer', () => add('view', new Uint8Array(any('memory').buffer)).length],
    ['a view after grows', () => any('view')?.length],
    ['write and read through a view', () => {
      const v = any('view');
      if (!v || v.length === 0) return null;
      v[small() & 255] = small();
      return Array.from(v.subarray(0, 8));
    }],
    ['Table.set', () => any('table').set(small() & 3, pick([null, exported(), 'x', {}]))],
    ['Table.get', () => any('table').get(small() & 3)],
    ['Table.grow', () => any('table').grow(small() & 3, pick([null, exported()]))],
    ['Table.length', () => any('table').length],
    ['Global.value =', () => {
      any('global').value = pick([1, 2n, 3.5, null, 'x', undefined]);
    }],
    ['Global.value', () => any('global').value],
    ['call an export', () => {
      const i = any('instance');
      if (!i) return null;
      const [name, f] = pick(Object.entries(i.exports).filter(([, v]) => typeof v === 'function'));
      // See "an export on shared state" on growing by 0.
      const args = name === 'grow' ? [1] : Array.from({ length: f.length }, () => pick([0, 1, -1, 2n, 3.5, null, small()]));
      return f(...args);
    }],
    ['an export on shared state', () => {
      const i = linkedInstance();
      if (!i) return null;
      const e = i.exports;
      // memory.grow by 0 in wasm does not detach on wasm-rt (conformance/known-divergences.md).
      return pick([() => e.store(small() & 0xffff, small()), () => e.load(small() & 0xffff), () => e.grow(1), () => e.size(), () => e.callAt(small() & 3, 5), () => e.callImport(4), () => e.setg(small()), () => e.getg(), () => e.tgrow(1)])();
    }],
    ['Exception', () => {
      const t = add('tag', new W.Tag({ parameters: ['i32'] }));
      const e = add('exception', new W.Exception(t, [pick([1, 2.5, '3'])]));
      return [e.getArg(t, 0), e.is(t), e.is(any('tag'))];
    }],
    ['throw from wasm', () => {
      const i = world.instance.find((x) => 'throw' in x.exports);
      if (!i) return null;
      if (!world.tag.includes(i.exports.t)) add('tag', i.exports.t);
      return i.exports.throw(small());
    }],
    ['Module.exports and imports', () => {
      const m = any('module');
      return m && [W.Module.exports(m), W.Module.imports(m)];
    }],
    ['buffer identity', () => {
      const m = any('memory');
      return m.buffer === m.buffer;
    }],
  ];
  for (let n = 0; n < STEPS; n++) {
    const [name, op] = pick(ops);
    await step(name, op);
  }
  return steps;
}

module.exports = { run };
