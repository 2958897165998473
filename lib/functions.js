'use strict';
// Exported functions (JS API "Exported Function"): the JS side of bridge/exported.rs.
// One wrapper per wasm function; it performs ToWebAssemblyValue's JS-visible coercions in
// argument order and calls the native `nf`. Wrappers are generated once per signature so that
// each call site stays monomorphic.
const { failure, raise } = require('./native');

// Signature letters, as bridge/values.rs writes them: i i32, I i64, f f32, F f64, v v128,
// e externref, r funcref, x exnref; E (ref extern) and R (ref func), which refuse null
// (src/compile/non_null.rs).
const factories = new Map();

const refused = () => {
  throw new TypeError('type incompatibility when transforming from/to JS');
};

function coercion(code, arg) {
  switch (code) {
    case 'E':
    case 'R':
      return `(${arg} === null ? refused() : ${arg})`;
    case 'i':
      return `${arg} | 0`;
    case 'f':
    case 'F':
      return `+${arg}`;
    case 'I':
      return `BigInt.asIntN(64, ${arg})`;
    default:
      return arg;
  }
}

// Functions of numeric signatures take their coerced arguments through these 8-byte slots, one per
// parameter, and give their result in slot 0 (src/api/bridge/raw_call.rs): cheaper than a
// Node-API value each. All arguments are coerced before any is written, since a coercion can
// run JS that calls another function; the native side reads them before wasm runs, and the
// wrapper reads the result before any other JS runs. The buffer comes from the native init and
// is seen by this closure only: detaching it would free what native code writes to.
let slots;

function useCallSlots(buffer) {
  if (slots !== undefined) return;
  slots = { i32: new Int32Array(buffer), f64: new Float64Array(buffer), i64: new BigInt64Array(buffer) };
}

const slotOf = { i: (i) => `i32[${2 * i}]`, f: (i) => `f64[${i}]`, F: (i) => `f64[${i}]`, I: (i) => `i64[${i}]` };

function compileFactory(signature, raw) {
  const [params, results] = signature.split(':');
  const names = [...params].map((_, i) => `a${i}`);
  let body;
  if (/[vx]/.test(signature)) {
    // v128 and exnref have no JS value: calling such a function is a TypeError (JS API §5.6).
    body = 'throw new TypeError("type incompatibility when transforming from/to JS");';
  } else if (raw) {
    const coerced = [...params].map((c, i) => `const x${i} = ${coercion(c, names[i])};`).join(' ');
    const written = [...params].map((c, i) => `${slotOf[c](i)} = x${i};`).join(' ');
    body = `${coerced} ${written}
       if (nf() === failure) raise();
       return ${results ? slotOf[results](0) : 'undefined'};`;
  } else {
    body = `const r = nf(${[...params].map((c, i) => coercion(c, names[i])).join(', ')});
       if (r === failure) raise();
       return r;`;
  }
  // A method is not a constructor and has no `prototype`, `arguments` or `caller`, like a
  // built-in function; its `length` is the parameter count.
  // Bound, it prints as `function () { [native code] }` like other built-ins.
  const source = `const { i32, f64, i64 } = slots;
    const f = { [name](${names.join(', ')}) { ${body} } }[name].bind(undefined);
    Object.defineProperty(f, 'name', { value: name });
    return f;`;
  return new Function('nf', 'name', 'failure', 'raise', 'refused', 'slots', source);
}

function makeExportedFunction(nf, name, signature, anchor, raw) {
  // The group's anchor must live as long as any wrapper of the group (see src/runtime/group.rs).
  nf.anchor = anchor;
  const key = raw ? `${signature}#raw` : signature;
  let factory = factories.get(key);
  if (factory === undefined) {
    factory = compileFactory(signature, raw);
    factories.set(key, factory);
  }
  return factory(nf, name, failure, raise, refused, slots);
}

/** A multi-value import's return value, as a list of `count` values (JS API §5.7). */
function resultsFromIterable(value, count) {
  const method = value[Symbol.iterator];
  if (method === undefined || method === null) throw new TypeError('multi-value import must return an iterable');
  const list = Array.from({ [Symbol.iterator]: () => method.call(value) });
  if (list.length !== count) {
    throw new TypeError(`multi-value import returned ${list.length} values, expected ${count}`);
  }
  return list;
}

const toBigInt64 = (v) => BigInt.asIntN(64, v);

// A Global or Table object keeps the anchor of the group its externref values live in, without a
// property the spec does not give it (see src/runtime/group.rs).
const anchors = new WeakMap();
const keepAnchor = (owner, anchor) => void anchors.set(owner, anchor);

module.exports = { makeExportedFunction, useCallSlots, resultsFromIterable, toBigInt64, keepAnchor };
