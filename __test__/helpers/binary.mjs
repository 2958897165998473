// A minimal hand-rolled WebAssembly binary encoder, for modules that are
// impractical to write as text (very large ones) or that must be byte-exact.

export function uleb(n) {
  const out = [];
  n = BigInt(n);
  do {
    let byte = Number(n & 0x7fn);
    n >>= 7n;
    if (n !== 0n) byte |= 0x80;
    out.push(byte);
  } while (n !== 0n);
  return out;
}

export function sleb(n) {
  const out = [];
  n = BigInt(n);
  for (;;) {
    const byte = Number(n & 0x7fn);
    n >>= 7n;
    if ((n === 0n && (byte & 0x40) === 0) || (n === -1n && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

export function str(s) {
  const b = new TextEncoder().encode(s);
  return [...uleb(b.length), ...b];
}

export function section(id, payload) {
  return [id, ...uleb(payload.length), ...payload];
}

export const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** A custom section (id 0) with the given name and payload bytes. */
export function customSection(name, payload) {
  return section(0, [...str(name), ...payload]);
}

/**
 * A valid module with `count` functions of type [] -> [i32] whose bodies are
 * `opsPerFunction` arithmetic steps each; function i returns i + 1, and the
 * last one is exported as "last" (so `last()` returns `count`). Used for
 * "large module" tests.
 */
export function largeModule(count, opsPerFunction = 50) {
  const parts = [];
  parts.push(HEADER);
  parts.push(section(1, [1, 0x60, 0, 1, 0x7f]));
  const funcs = uleb(count);
  for (let i = 0; i < count; i++) funcs.push(0);
  parts.push(section(3, funcs));
  parts.push(section(7, [1, ...str('last'), 0x00, ...uleb(count - 1)]));
  const bodies = uleb(count);
  for (let i = 0; i < count; i++) {
    const code = [0x00]; // no locals
    code.push(0x41, ...sleb(i)); // i32.const i
    for (let j = 0; j < opsPerFunction; j++) {
      code.push(0x41, ...sleb(j * 7 + 1), 0x6a); // i32.const c; i32.add
      code.push(0x41, 0x03, 0x73); // i32.const 3; i32.xor
    }
    code.push(0x1a, 0x41, ...sleb(i + 1)); // drop; i32.const i+1
    code.push(0x0b); // end
    for (const b of uleb(code.length)) bodies.push(b);
    for (const b of code) bodies.push(b);
  }
  const codeHeader = [10, ...uleb(bodies.length)];
  parts.push(codeHeader, bodies);
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
