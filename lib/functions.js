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

function compileFactory(signature) {
  const [params] = signature.split(':');
  const names = [...params].map((_, i) => `a${i}`);
  // v128 and exnref have no JS value: calling such a function is a TypeError (JS API §5.6).
  const body = /[vx]/.test(signature)
    ? 'throw new TypeError("type incompatibility when transforming from/to JS");'
    : `const r = nf(${[...params].map((c, i) => coercion(c, names[i])).join(', ')});
       if (r === failure) raise();
       return r;`;
  // A method is not a constructor and has no `prototype`, `arguments` or `caller`, like a
  // built-in function; its `length` is the parameter count.
  // Bound, it prints as `function () { [native code] }` like other built-ins.
  const source = `const f = { [name](${names.join(', ')}) { ${body} } }[name].bind(undefined);
    Object.defineProperty(f, 'name', { value: name });
    return f;`;
  return new Function('nf', 'name', 'failure', 'raise', 'refused', source);
}

function makeExportedFunction(nf, name, signature, anchor) {
  // The group's anchor must live as long as any wrapper of the group (see src/runtime/group.rs).
  nf.anchor = anchor;
  let factory = factories.get(signature);
  if (factory === undefined) {
    factory = compileFactory(signature);
    factories.set(signature, factory);
  }
  return factory(nf, name, failure, raise, refused);
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

module.exports = { makeExportedFunction, resultsFromIterable, toBigInt64, keepAnchor };
