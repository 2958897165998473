'use strict';
// Checks the layering of src/: every Rust module may use modules of its own layer or of layers
// below, no modules use each other in a cycle, only sys/ calls Node-API or declares foreign
// functions (`extern "C" { .. }`), and only sys/ and wasi/ (its host calls read and write guest
// memory) have `unsafe` code. Run by `npm run lint`; `--graph` prints the
// edges; `--src DIR` checks another tree. The layers, lowest first, are the folders of src/
// (README "How it is built").
const fs = require('node:fs');
const path = require('node:path');

const srcAt = process.argv.indexOf('--src');
const SRC = srcAt > 0 ? path.resolve(process.argv[srcAt + 1]) : path.join(__dirname, '..', 'src');
const LAYERS = ['sys', 'runtime', 'compile', 'api', 'wasi', 'tools'];

/** Every .rs file as its module path (`api::bridge::host`; lib.rs is the root, ''). */
function modules(dir = SRC, prefix = []) {
  const out = new Map();
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      for (const [k, v] of modules(file, [...prefix, entry.name])) out.set(k, v);
    } else if (entry.name.endsWith('.rs')) {
      const stem = entry.name.slice(0, -3);
      const mod = stem === 'mod' || (stem === 'lib' && prefix.length === 0) ? prefix : [...prefix, stem];
      out.set(mod.join('::'), file);
    }
  }
  return out;
}

/** The source without comments, string and char literals, which may mention paths. */
function code(text) {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/r#*"[\s\S]*?"#*/g, '""')
    .replace(/"(?:\\[\s\S]|[^"\\])*"/g, '""')
    .replace(/'(?:\\.|[^'\\])'/g, "' '")
    .replace(/\/\/.*$/gm, '');
}

/** The paths a `use` tree names: `a::{b, c::{d}}` gives a::b, a::c::d. */
function expand(tree) {
  tree = tree.replace(/\s+/g, '');
  const open = tree.indexOf('{');
  if (open < 0) return [tree.replace(/::self$/, '').replace(/\bas\w+$/, '')];
  const head = tree.slice(0, open);
  const inner = tree.slice(open + 1, tree.lastIndexOf('}'));
  const parts = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= inner.length; i++) {
    const c = inner[i];
    if (c === '{') depth++;
    else if (c === '}') depth--;
    else if ((c === ',' || c === undefined) && depth === 0) {
      if (i > start) parts.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  return parts.flatMap((p) => expand(head + p)).map((p) => p.replace(/::self$/, ''));
}

/** The [start, end) offsets of the bodies of inline modules (`mod tests { .. }`). */
function inlineModules(text) {
  const ranges = [];
  for (const m of text.matchAll(/\bmod\s+\w+\s*\{/g)) {
    let depth = 0;
    for (let i = m.index + m[0].length - 1; i < text.length; i++) {
      if (text[i] === '{') depth++;
      else if (text[i] === '}' && --depth === 0) {
        ranges.push([m.index, i]);
        break;
      }
    }
  }
  return ranges;
}

/** The module a path names, from module `from`: the deepest known module along it. */
function resolve(known, from, p) {
  const segs = p.split('::').filter(Boolean);
  let base;
  if (segs[0] === 'crate') base = [];
  else if (segs[0] === 'super') base = from.slice(0, -1);
  else if (segs[0] === 'self') base = from;
  else return null;
  let i = 1;
  while (segs[i] === 'super') {
    base = base.slice(0, -1);
    i++;
  }
  let target = base;
  for (; i < segs.length; i++) {
    const next = [...target, segs[i]];
    if (!known.has(next.join('::'))) break;
    target = next;
  }
  return target.join('::');
}

/** Uses of Node-API, foreign declarations or unsafe code outside their rooms, found by `graph`. */
const foreign = [];

function graph() {
  const known = modules();
  const edges = new Map();
  for (const [mod, file] of known) {
    const from = mod ? mod.split('::') : [];
    const text = code(fs.readFileSync(file, 'utf8'));
    const inline = inlineModules(text);
    // Inside an inline `mod x { .. }`, `super` is the file's own module.
    const at = (offset) => [...from, ...inline.filter(([a, b]) => a <= offset && offset < b).map(() => '(inline)')];
    const paths = [];
    for (const m of text.matchAll(/\buse\s+([^;]+);/g)) paths.push(...expand(m[1]).map((p) => [m.index, p]));
    for (const m of text.matchAll(/\b(?:crate|super|self)(?:::\w+)+/g)) {
      if (!/\buse\s+[^;]*$/.test(text.slice(Math.max(0, m.index - 300), m.index))) paths.push([m.index, m[0]]);
    }
    const to = new Set();
    for (const [offset, p] of paths) {
      const target = resolve(known, at(offset), p);
      if (target !== null && target !== mod && known.has(target)) to.add(target);
    }
    edges.set(mod, to);
    if (mod.split('::')[0] !== 'sys') {
      const ffi = text.match(/\bnapi_call!|\bsys::napi_\w+\s*\(|\bextern\s+"C"\s*\{/);
      if (ffi) foreign.push(`${mod}: ${ffi[0].replace(/\s+/g, ' ')} outside sys/`);
    }
    if (!['sys', 'wasi'].includes(mod.split('::')[0]) && /\bunsafe\b/.test(text)) foreign.push(`${mod}: unsafe code outside sys/ and wasi/`);
  }
  return edges;
}

const layerOf = (mod) => (mod === '' ? LAYERS.length : LAYERS.indexOf(mod.split('::')[0]));

/** Strongly connected components of more than one module (Tarjan). */
function cycles(edges) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const found = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) found.push(scc.sort());
    }
  };
  for (const v of edges.keys()) if (!idx.has(v)) visit(v);
  return found;
}

function main() {
  const edges = graph();
  if (process.argv.includes('--graph')) {
    for (const [from, to] of [...edges].sort()) console.log(`${from || '(lib)'} -> ${[...to].sort().join(', ')}`);
  }
  const problems = [];
  for (const [from, to] of edges) {
    if (layerOf(from) < 0) problems.push(`${from}: not in a layer folder (${LAYERS.join(', ')})`);
    for (const t of to) {
      if (layerOf(t) > layerOf(from)) problems.push(`${from} uses ${t}, a higher layer`);
    }
  }
  for (const scc of cycles(edges)) problems.push(`import cycle: ${scc.join(', ')}`);
  problems.push(...foreign);
  for (const p of problems) console.log(p);
  console.log(`layers: ${edges.size} modules, ${[...edges.values()].reduce((n, s) => n + s.size, 0)} edges, ${problems.length} problems`);
  process.exitCode = problems.length ? 1 : 0;
}

main();
