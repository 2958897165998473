'use strict';
// `wasm-rt fuzz`'s boundary cases. A generated module imports what JS gives it, and the JS side
// is generated with it from the same seed: an import object whose functions return edge values
// (and wrong types ToWebAssemblyValue converts), throw (an Error, a primitive, a
// WebAssembly.Exception of an imported tag), call back into an export, grow a memory or a table,
// or collect garbage; globals, tables, memories and tags made by JS. Each engine runs the case
// alone; every call's outcome, the imports' calls with their arguments, and the state after
// (globals, memories, tables) are compared.
const { memoryHash, trapKind } = require('../outcomes');

/** A deterministic stream of 32-bit numbers (xorshift32). */
function stream(seed) {
  let x = (Math.imul(seed | 0, 2654435761) ^ 0x9e3779b9) >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

const TYPE_NAMES = { i: 'i32', I: 'i64', f: 'f32', F: 'f64', e: 'externref', r: 'anyfunc' };

/** Values an import may return for a result of type `t`: edges, and other types the spec converts. */
function edges(t, ctx) {
  switch (t) {
    case 'i':
      return [0, 1, -1, 0x7fffffff, -0x80000000, 2 ** 32 + 5, 1.5, NaN, '7', true, { valueOf: () => 3 }];
    case 'I':
      return [0n, 1n, -1n, 2n ** 63n, 2n ** 64n + 1n, true, '12', { valueOf: () => 4n }];
    case 'f':
    case 'F':
      return [0, -0, 1.5, NaN, Infinity, -Infinity, 6.8e38, 1e-46, 0.1, '2.5', { valueOf: () => 0.5 }];
    case 'e':
      return [null, undefined, 0, 'text', ctx.token(0), ctx.token(1), Symbol.for('wasm-rt.fuzz')];
    case 'r':
      return [null, ...ctx.functions()];
    default:
      return [undefined];
  }
}

/** A value of type `t` that converts without error (for globals). */
function plain(t, pick) {
  const v = { i: [0, -1, 7], I: [0n, -1n, 9n], f: [0, 1.5, NaN], F: [-0, 2.25, Infinity] }[t];
  return v ? pick(v) : null;
}

/** What a JS value is, as data both engines' runs can be compared by. */
function describe(v, ctx) {
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v;
  if (typeof v === 'bigint') return `${v}n`;
  if (v === null || v === undefined || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'symbol') return v.toString();
  const token = ctx.tokens.indexOf(v);
  if (token >= 0) return `token ${token}`;
  if (typeof v === 'function') {
    const name = ctx.exports && Object.keys(ctx.exports).find((k) => ctx.exports[k] === v);
    return name === undefined ? 'function' : `export ${name}`;
  }
  if (Array.isArray(v)) return v.map((x) => describe(x, ctx));
  return typeof v;
}

/** What a call did: its value, or what it threw. */
function outcome(W, ctx, f) {
  try {
    return { value: describe(f(), ctx) };
  } catch (e) {
    const thrown = ctx.thrown.indexOf(e);
    if (thrown >= 0) return { thrown };
    if (e instanceof W.Exception) {
      const tag = ctx.tags.findIndex((t) => e.is(t));
      const params = tag >= 0 ? ctx.tagParams[tag] : '';
      return { exception: tag, payload: [...params].map((_, i) => describe(e.getArg(ctx.tags[tag], i), ctx)) };
    }
    if (e instanceof W.RuntimeError) return { trap: trapKind(e.message) };
    if (e instanceof RangeError && /call stack/i.test(e.message)) return { trap: 'stack overflow' };
    // The message is not compared (engines word errors differently: it is not enumerable); it
    // tells known gaps apart.
    const detail = (o) => Object.defineProperty(o, 'detail', { value: String(e?.message ?? '') });
    if (e instanceof W.CompileError) return detail({ compileError: true });
    if (e instanceof W.LinkError) return detail({ linkError: true });
    return detail({ error: e?.constructor?.name ?? String(e) });
  }
}

/** The JS side of the case: one value per import, made for engine `W`. */
function importObject(W, imports, seed, ctx) {
  const object = {};
  imports.forEach(([module, name, kind, type], index) => {
    const next = stream(seed * 7919 + index * 104729 + 1);
    const pick = (list) => list[next() % list.length];
    let value;
    switch (kind) {
      case 'function':
        value = hostFunction(W, type, index, next, ctx);
        break;
      case 'global': {
        const mutable = type.startsWith('mut ');
        const t = type.slice(mutable ? 4 : 0);
        const initial = t === 'e' ? pick([null, ctx.token(2), 'g']) : plain(t, pick);
        // An immutable global may also be given as the value itself (read the imports).
        value = !mutable && t !== 'r' && next() % 2 === 0 ? initial : new W.Global({ value: TYPE_NAMES[t], mutable }, initial);
        ctx.globals.push(value);
        break;
      }
      case 'table': {
        const [t, initial, maximum] = type.split(' ');
        value = new W.Table({ element: TYPE_NAMES[t], initial: Number(initial), ...(maximum ? { maximum: Number(maximum) } : {}) });
        ctx.tables.push(value);
        break;
      }
      case 'memory': {
        const [initial, maximum] = type.split(' ').map(Number);
        value = new W.Memory({ initial, ...(maximum !== undefined ? { maximum } : {}) });
        ctx.memories.push(value);
        break;
      }
      case 'tag': {
        const params = type.split(':')[0];
        value = new W.Tag({ parameters: [...params].map((c) => TYPE_NAMES[c]) });
        ctx.tags.push(value);
        ctx.tagParams.push(params);
        break;
      }
      default:
        value = undefined;
    }
    (object[module] ??= {})[name] = value;
  });
  return object;
}

/** An imported function: on each call it logs its arguments, then does what the seed says. */
function hostFunction(W, type, index, next, ctx) {
  const results = type.split(':')[1];
  const pick = (list) => list[next() % list.length];
  const result = () => {
    const values = [...results].map((t) => pick(edges(t, ctx)));
    if (results.length === 1) return values[0];
    if (results.length === 0) return pick([undefined, 1, 'ignored']);
    // Multi-value: an iterable, sometimes of the wrong length (a TypeError).
    return next() % 8 === 0 ? values.slice(1) : values;
  };
  return function (...args) {
    ctx.log.push([index, args.map((a) => describe(a, ctx))]);
    switch (next() % 8) {
      case 0: {
        const thrown = pick([new Error('import'), 42, 'str', Symbol.for('thrown'), ctx.exception(W, pick)]);
        if (thrown === undefined) return result();
        ctx.thrown.push(thrown);
        throw thrown;
      }
      case 1: {
        // Back into the instance, a bounded number of levels deep.
        const f = ctx.depth < 2 && ctx.exports ? pick(Object.values(ctx.exports).filter((v) => typeof v === 'function').concat([null])) : null;
        if (f) {
          ctx.depth++;
          try {
            ctx.log.push([index, 'reentry', outcome(W, ctx, () => f(...[...Array(f.length)].map(() => pick([0, 1, -1, 0n, 1.5, null]))))]);
          } finally {
            ctx.depth--;
          }
        }
        return result();
      }
      case 2: {
        const memory = pick([...ctx.memories, ...Object.values(ctx.exports ?? {}).filter((v) => v instanceof W.Memory), null]);
        if (memory) ctx.log.push([index, 'grow memory', outcome(W, ctx, () => memory.grow(1))]);
        return result();
      }
      case 3: {
        const table = pick([...ctx.tables, ...Object.values(ctx.exports ?? {}).filter((v) => v instanceof W.Table), null]);
        if (table) ctx.log.push([index, 'grow table', outcome(W, ctx, () => table.grow(1))]);
        return result();
      }
      case 4:
        globalThis.gc?.();
        return result();
      default:
        return result();
    }
  };
}

/** Globals, memories and tables after the calls: the exported ones and those JS made. */
function state(W, ctx) {
  const out = {};
  const add = (name, v) => {
    if (v instanceof W.Global) out[name] = outcome(W, ctx, () => v.value);
    else if (v instanceof W.Memory) out[name] = memoryHash(v.buffer).slice(0, 16);
    else if (v instanceof W.Table) out[name] = outcome(W, ctx, () => Array.from({ length: v.length }, (_, i) => v.get(i)));
  };
  for (const [name, v] of Object.entries(ctx.exports ?? {})) add(`export ${name}`, v);
  [...ctx.globals, ...ctx.memories, ...ctx.tables].forEach((v, i) => add(`import ${i}`, v));
  return out;
}

/** What one run's JS side keeps: what its imports logged and threw, the objects JS made. */
function context() {
  return {
    log: [],
    thrown: [],
    tokens: [],
    globals: [],
    memories: [],
    tables: [],
    tags: [],
    tagParams: [],
    exports: null,
    depth: 0,
    token(i) {
      while (this.tokens.length <= i) this.tokens.push({ token: this.tokens.length });
      return this.tokens[i];
    },
    functions() {
      return Object.values(this.exports ?? {}).filter((v) => typeof v === 'function');
    },
    exception(W, pick) {
      if (this.tags.length === 0) return undefined;
      const tag = pick(this.tags);
      const params = this.tagParams[this.tags.indexOf(tag)];
      return new W.Exception(tag, [...params].map((t) => pick(edges(t, this).filter((v) => typeof v !== 'object' || v === null))));
    },
  };
}

/** Runs the case on engine `W`: instantiation, `calls` (each with the import calls it made), each
 * funcref of an exported table called too, then the state. The exports named in `hidden` are
 * not seen by the JS side (fuzz --engines hides re-exported imports from JavaScriptCore). */
function run(W, bytes, imports, seed, calls, hidden = []) {
  const ctx = context();
  const steps = [];
  const step = (name, f) => {
    const before = ctx.log.length;
    const o = outcome(W, ctx, f);
    steps.push(Object.defineProperty({ step: name, ...o, imports: ctx.log.slice(before) }, 'detail', { value: o.detail }));
  };
  let instance;
  let module;
  step('compile', () => {
    module = new W.Module(bytes);
  });
  if (!module) return steps;
  step('instantiate', () => {
    instance = new W.Instance(module, importObject(W, imports, seed, ctx));
  });
  if (!instance) return steps;
  ctx.exports = hidden.length ? Object.fromEntries(Object.entries(instance.exports).filter(([k]) => !hidden.includes(k))) : instance.exports;
  for (const [name, ...args] of calls) step(`call ${name}`, () => instance.exports[name](...args));
  for (const [name, table] of Object.entries(instance.exports)) {
    if (!(table instanceof W.Table)) continue;
    for (let i = 0; i < Math.min(table.length, 8); i++) {
      let f;
      try {
        f = table.get(i);
      } catch {
        break; // an exnref table: its elements cannot reach JS (the state step records that)
      }
      if (typeof f === 'function') step(`call ${name}[${i}]`, () => f(...[...Array(f.length)].map((_, k) => [0, 1, 0n, 2.5, null][k % 5])));
    }
  }
  steps.push({ step: 'state', state: state(W, ctx) });
  return steps;
}

/** The generated module's imports with their types (src/tools/fuzz.rs). */
function importsOf(bytes) {
  const flat = require('../native').fuzzImports(bytes);
  const out = [];
  for (let i = 0; i < flat.length; i += 4) out.push(flat.slice(i, i + 4));
  return out;
}

module.exports = { run, importsOf, importObject, context, stream };
