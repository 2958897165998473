'use strict';
// The modules the benchmark cases run, built with ./wasm.js.
const { encode, customSection, sleb, uleb, I32, I64, F64 } = require('./wasm');

const GET = 0x20;
const SET = 0x21;
const TEE = 0x22;
const CALL = 0x10;

/** Exports add(i32,i32), nop(), sum4(f64×4), add64(i64,i64); callImport() and loop(n) call the import `env.f`. */
function callsModule() {
  return encode({
    types: [[[I32, I32], [I32]], [[], []], [[F64, F64, F64, F64], [F64]], [[I64, I64], [I64]], [[I32], []]],
    imports: [{ module: 'env', name: 'f', type: 1 }],
    functions: [
      { type: 0, body: [GET, 0, GET, 1, 0x6a] },
      { type: 1, body: [] },
      { type: 2, body: [GET, 0, GET, 1, 0xa0, GET, 2, 0xa0, GET, 3, 0xa0] },
      { type: 3, body: [GET, 0, GET, 1, 0x7c] },
      { type: 1, body: [CALL, 0] },
      // loop(n): do { f(); } while (--n)
      { type: 4, body: [0x03, 0x40, CALL, 0, GET, 0, 0x41, 1, 0x6b, TEE, 0, 0x0d, 0, 0x0b] },
      // addVia(a, b) = add(a, b): a function that calls another, so not known to call nothing.
      { type: 0, body: [GET, 0, GET, 1, CALL, 1] },
    ],
    exports: [
      { name: 'add', func: 1 },
      { name: 'nop', func: 2 },
      { name: 'sum4', func: 3 },
      { name: 'add64', func: 4 },
      { name: 'callImport', func: 5 },
      { name: 'loop', func: 6 },
      { name: 'addVia', func: 7 },
    ],
  });
}

/** `add(i32, i32)` alone, in a module that imports nothing: a store without host functions. */
function addModule() {
  return encode({ types: [[[I32, I32], [I32]]], functions: [{ type: 0, body: [GET, 0, GET, 1, 0x6a] }], exports: [{ name: 'add', func: 0 }] });
}

/** A module with a memory of `pages` pages and `imports` function imports, all of which `main` calls. */
function importsModule(imports, pages) {
  return encode({
    types: [[[], []]],
    imports: Array.from({ length: imports }, (_, i) => ({ module: 'env', name: `f${i}`, type: 0 })),
    functions: [{ type: 0, body: callAll(imports) }],
    memory: { min: pages },
    exports: [{ name: 'main', func: imports }, { name: 'memory', memory: 0 }],
  });
}

function leb(n) {
  const out = [];
  uleb(out, n);
  return out;
}

function callAll(count) {
  const body = [];
  for (let i = 0; i < count; i++) body.push(CALL, ...leb(i));
  return body;
}

// A seeded PRNG, so that the large module is the same on every run.
function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s;
  };
}

const LEAVES = 16;
const BINOPS = [0x6a, 0x6b, 0x6c, 0x71, 0x72, 0x73, 0x74, 0x76, 0x77];

/** One generated function body: arithmetic on 6 locals, branches, loads and stores, bounded loops and calls to leaves. */
function generatedBody(rand, size, canCall) {
  const b = [];
  const local = () => 2 + (rand() % 5); // locals 2..6; local 7 counts loop iterations
  const operand = () => {
    if (rand() % 3 === 0) {
      b.push(0x41);
      sleb(b, (rand() % 2000) - 1000);
    } else {
      b.push(GET, rand() % 7);
    }
  };
  const assign = () => {
    operand();
    operand();
    b.push(BINOPS[rand() % BINOPS.length], SET, local());
  };
  const address = () => {
    b.push(GET, rand() % 7, 0x41);
    sleb(b, 0xfffc);
    b.push(0x71);
  };
  while (b.length < size) {
    const kind = rand() % 10;
    if (kind < 5) {
      assign();
    } else if (kind === 5) {
      b.push(GET, rand() % 7, 0x04, 0x40);
      assign();
      assign();
      b.push(0x05);
      assign();
      b.push(0x0b);
    } else if (kind === 6) {
      address();
      b.push(GET, rand() % 7, 0x36, 2, 0);
    } else if (kind === 7) {
      address();
      b.push(0x28, 2, 0, SET, local());
    } else if (kind === 8 && canCall) {
      b.push(GET, rand() % 7, GET, rand() % 7, CALL, ...leb(rand() % LEAVES), SET, local());
    } else {
      b.push(0x41, 4, SET, 7, 0x03, 0x40);
      assign();
      assign();
      b.push(GET, 7, 0x41, 1, 0x6b, TEE, 7, 0x0d, 0, 0x0b);
    }
  }
  b.push(GET, 2, GET, 3, 0x6a, GET, 4, 0x73, GET, 5, 0x6a, GET, 6, 0x73);
  return b;
}

const generated = new Map();

/**
 * About `megabytes` MB of generated code in functions of (i32,i32)->i32; `main` is the last one.
 * `tag` goes into a custom section so that each run compiles bytes no engine has cached.
 */
function largeModule(megabytes, tag) {
  let base = generated.get(megabytes);
  if (base === undefined) {
    const rand = prng(0x5eed);
    const functions = [];
    let total = 0;
    while (total < megabytes * 1e6) {
      const i = functions.length;
      const body = generatedBody(rand, 1500 + (rand() % 1500), i >= LEAVES);
      functions.push({ type: 0, locals: [[6, I32]], body });
      total += body.length;
    }
    base = encode({
      types: [[[I32, I32], [I32]]],
      functions,
      memory: { min: 1 },
      exports: [{ name: 'main', func: functions.length - 1 }],
    });
    generated.set(megabytes, base);
  }
  return withTag(base, tag);
}

/** `bytes` with a custom section naming `tag`: new bytes for every engine's cache. */
function withTag(bytes, tag) {
  return Buffer.concat([bytes, customSection('wasm-rt-bench', String(tag))]);
}

const SMALL = encode({
  types: [[[I32, I32], [I32]]],
  functions: [{ type: 0, body: [GET, 0, GET, 1, 0x6a] }],
  exports: [{ name: 'main', func: 0 }],
});

/** The `add` module of the README's demo, with a custom section naming `tag`. */
function smallModule(tag) {
  return withTag(SMALL, tag);
}

module.exports = { addModule, callsModule, importsModule, largeModule, smallModule };
