'use strict';
// JS String Builtins (the JS API's WebAssemblyCompileOptions: `builtins` and
// `importedStringConstants`). With `builtins: ['js-string']`, the imports of "wasm:js-string"
// that name a builtin are supplied by wasm-rt; with `importedStringConstants: 'm'`, each global
// import of module "m" is a constant holding its own import name. Both are checked when the
// module is compiled, left out of Module.imports, and need nothing from the import object.
const native = require('./native');
const { CompileError } = require('./errors');
const { isObject } = require('./webidl');

// The builtins' types in src/api/bridge/values.rs's letters, with (ref extern) as E. An import
// must declare exactly the builtin's type: the proposal matches the builtin's function type
// against the import's, and a final function type in a rec group of its own matches only its
// equal (V8 14.6 refuses `cast` imported with an externref result too).
const SIGNATURES = {
  test: 'e:i',
  cast: 'e:E',
  fromCharCode: 'i:E',
  fromCodePoint: 'i:E',
  charCodeAt: 'ei:i',
  codePointAt: 'ei:i',
  length: 'e:i',
  concat: 'ee:E',
  substring: 'eii:E',
  equals: 'ee:i',
  compare: 'ee:i',
};
// These take (array (mut i16)) references: wasmer 7.4 has no GC, so no module can import them.
const ARRAY_BUILTINS = new Set(['fromCharCodeArray', 'intoCharCodeArray']);

/** Whether an import of type `signature` matches a builtin of type `builtin` (see SIGNATURES). */
const matches = (signature, builtin) => signature === builtin;

const trap = (message) => native.trapError(message);

function string(v) {
  if (typeof v !== 'string') throw trap('illegal cast');
  return v;
}

function at(s, index) {
  const i = index >>> 0;
  if (i >= s.length) throw trap('string offset out of bounds');
  return i;
}

// The proposal's definitions; a failed check traps (a RuntimeError wasm cannot catch).
const BUILTINS = {
  test: (v) => (typeof v === 'string' ? 1 : 0),
  cast: (v) => string(v),
  fromCharCode: (code) => String.fromCharCode(code >>> 0),
  fromCodePoint: (code) => {
    const c = code >>> 0;
    if (c > 0x10ffff) throw trap('invalid code point');
    return String.fromCodePoint(c);
  },
  charCodeAt: (v, index) => {
    const s = string(v);
    return s.charCodeAt(at(s, index));
  },
  codePointAt: (v, index) => {
    const s = string(v);
    return s.codePointAt(at(s, index));
  },
  length: (v) => string(v).length,
  concat: (a, b) => string(a) + string(b),
  substring: (v, start, end) => {
    const s = string(v);
    const [i, j] = [start >>> 0, end >>> 0];
    // The JS API's steps: empty if start > end or start > length, else String.prototype.substring
    // (which clamps an end past the length).
    return i > j || i > s.length ? '' : s.substring(i, j);
  },
  equals: (a, b) => {
    if (a !== null) string(a);
    if (b !== null) string(b);
    return a === b ? 1 : 0;
  },
  compare: (a, b) => {
    const [x, y] = [string(a), string(b)];
    return x < y ? -1 : x === y ? 0 : 1;
  },
};

// These three are answered natively when wasm calls them (src/api/bridge/string_builtins.rs).
for (const name of ['test', 'cast', 'length']) native.markStringBuiltin(BUILTINS[name], name);

const NONE = Object.freeze({ builtins: Object.freeze([]), importedStringConstants: null });

/** WebIDL conversion of a WebAssemblyCompileOptions dictionary (members in lexicographic order). */
function compileOptions(options, context) {
  if (options === undefined || options === null) return NONE;
  if (!isObject(options)) throw new TypeError(`${context}: Argument must be an object (WebAssemblyCompileOptions)`);
  let builtins = [];
  const list = options.builtins;
  if (list !== undefined) {
    if (!isObject(list) || typeof list[Symbol.iterator] !== 'function') throw new TypeError(`${context}: builtins must be a sequence`);
    builtins = Array.from(list, (name) => String(name).toWellFormed());
  }
  const constants = options.importedStringConstants;
  const importedStringConstants = constants === undefined || constants === null ? null : String(constants).toWellFormed();
  return { builtins, importedStringConstants };
}

/**
 * The imports that `options` supply for the compiled module `imports` (moduleImports rows), by
 * import index; CompileError for an import that claims a builtin or a constant without its type.
 * Undefined when the options supply nothing.
 */
function suppliedImports(imports, options, context) {
  const { builtins, importedStringConstants } = options;
  if (new Set(builtins).size !== builtins.length) throw new CompileError(`${context}: duplicate builtin set name`);
  const strings = builtins.includes('js-string');
  if (!strings && importedStringConstants === null) return undefined;
  const supplied = new Map();
  imports.forEach(([module, name, kind, globalType, globalMutable, signature], i) => {
    const where = () => `${context}: Import #${i} "${module}" "${name}"`;
    if (strings && module === 'wasm:js-string' && (Object.hasOwn(SIGNATURES, name) || ARRAY_BUILTINS.has(name))) {
      if (ARRAY_BUILTINS.has(name)) throw new CompileError(`${where()}: this builtin takes GC arrays, which wasmer 7.4 does not support`);
      if (kind !== 'function' || !matches(signature, SIGNATURES[name])) throw new CompileError(`${where()}: imported builtin function has the wrong type`);
      supplied.set(i, BUILTINS[name]);
    } else if (module === importedStringConstants) {
      if (kind !== 'global' || (globalType !== 'externref' && globalType !== 'ref extern') || globalMutable) {
        throw new CompileError(`${where()}: an imported string constant must be an immutable externref or (ref extern) global`);
      }
      supplied.set(i, name);
    }
  });
  return supplied.size === 0 ? undefined : supplied;
}

module.exports = { compileOptions, suppliedImports, NONE };
