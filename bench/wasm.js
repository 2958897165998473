'use strict';
// A small wasm binary encoder for the benchmark modules: enough for function types, imports,
// one memory, exports, code and custom sections.
const I32 = 0x7f;
const I64 = 0x7e;
const F32 = 0x7d;
const F64 = 0x7c;

function uleb(out, n) {
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
}

function sleb(out, n) {
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

function name(out, s) {
  const bytes = Buffer.from(s, 'utf8');
  uleb(out, bytes.length);
  for (const b of bytes) out.push(b);
}

function section(out, id, body) {
  out.push(id);
  uleb(out, body.length);
  for (let i = 0; i < body.length; i++) out.push(body[i]);
}

/**
 * types: [[params, results]]; imports: [{ module, name, type }] (functions);
 * functions: [{ type, locals: [[count, valtype]], body: number[] (without the final `end`) }];
 * memory: { min, max? }; exports: [{ name, func } | { name, memory }].
 */
function encode({ types, imports = [], functions, memory, exports = [] }) {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  let s = [];
  uleb(s, types.length);
  for (const [params, results] of types) {
    s.push(0x60);
    uleb(s, params.length);
    s.push(...params);
    uleb(s, results.length);
    s.push(...results);
  }
  section(out, 1, s);
  if (imports.length > 0) {
    s = [];
    uleb(s, imports.length);
    for (const imp of imports) {
      name(s, imp.module);
      name(s, imp.name);
      s.push(0x00);
      uleb(s, imp.type);
    }
    section(out, 2, s);
  }
  s = [];
  uleb(s, functions.length);
  for (const f of functions) uleb(s, f.type);
  section(out, 3, s);
  if (memory) {
    s = [1, memory.max === undefined ? 0 : 1];
    uleb(s, memory.min);
    if (memory.max !== undefined) uleb(s, memory.max);
    section(out, 5, s);
  }
  s = [];
  uleb(s, exports.length);
  for (const e of exports) {
    name(s, e.name);
    if (e.memory !== undefined) {
      s.push(0x02);
      uleb(s, e.memory);
    } else {
      s.push(0x00);
      uleb(s, e.func);
    }
  }
  section(out, 7, s);
  s = [];
  uleb(s, functions.length);
  for (const f of functions) {
    const body = [];
    const locals = f.locals ?? [];
    uleb(body, locals.length);
    for (const [count, type] of locals) {
      uleb(body, count);
      body.push(type);
    }
    for (let i = 0; i < f.body.length; i++) body.push(f.body[i]);
    body.push(0x0b);
    uleb(s, body.length);
    for (let i = 0; i < body.length; i++) s.push(body[i]);
  }
  section(out, 10, s);
  return Uint8Array.from(out);
}

/** A custom section `name` holding `text`, to append to a module's bytes. */
function customSection(sectionName, text) {
  const s = [];
  name(s, sectionName);
  s.push(...Buffer.from(text, 'utf8'));
  const out = [];
  section(out, 0, s);
  return Uint8Array.from(out);
}

module.exports = { encode, customSection, uleb, sleb, I32, I64, F32, F64 };
