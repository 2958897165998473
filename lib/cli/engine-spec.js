'use strict';
// The engines a conformance run can compare, by name, and how a child process runs each:
//   v8                    the WebAssembly of the Node running wasm-rt
//   wasm-rt               wasm-rt (wasmer), its default compiler, in that Node
//   wasm-rt:singlepass    wasm-rt with one compiler (also wasm-rt:cranelift)
//   node@24               the WebAssembly of another Node (`wasm-rt engines add node@24`)
//   wasm-rt@node24        wasm-rt loaded into that Node (also wasm-rt:cranelift@node24)
// Bun and Deno are installed by `wasm-rt engines` but not run by these children yet: their
// runners use Node's fork and IPC.
const { installed } = require('./engines');
const { UsageError } = require('./options');

const COMPILERS = ['cranelift', 'singlepass'];

/**
 * How to run engine `name`: `kind` is the namespace the child installs ('v8' or 'wasm-rt'),
 * `execPath` the Node that runs the child, `env` what it adds to the child's environment.
 */
function resolveEngine(name, engines = installed()) {
  const m = /^(v8|node@\d+|wasm-rt)(?::(\w+))?(?:@node(\d+))?$/.exec(name);
  if (!m) throw new UsageError(`unknown engine ${name} (v8, wasm-rt, wasm-rt:singlepass, wasm-rt:cranelift, node@N, wasm-rt@nodeN)`);
  const [, base, compiler, inNode] = m;
  if (base !== 'wasm-rt' && (compiler || inNode)) throw new UsageError(`unknown engine ${name}: only wasm-rt takes a compiler or a Node`);
  if (compiler && !COMPILERS.includes(compiler)) throw new UsageError(`unknown engine ${name}: the compilers are ${COMPILERS.join(', ')}`);
  const node = base.startsWith('node@') ? base : inNode && `node@${inNode}`;
  let execPath = process.execPath;
  if (node) {
    const record = engines[node];
    if (!record) throw new UsageError(`engine ${name} needs ${node}: install it with \`wasm-rt engines add ${node}\``);
    execPath = record.bin;
  }
  return {
    name,
    kind: base === 'wasm-rt' ? 'wasm-rt' : 'v8',
    execPath,
    env: compiler ? { WASM_RT_COMPILER: compiler } : {},
  };
}

/** The options a runner that compares engines takes, and their lines of its usage. */
const ENGINE_OPTIONS = { engine: { type: 'string' }, engines: { type: 'string' } };
const ENGINES_USAGE = `  --engines A,B,...          engines to run (default: v8,wasm-rt): v8, wasm-rt, wasm-rt:singlepass,
                             wasm-rt:cranelift, node@N and wasm-rt@nodeN (after wasm-rt engines add node@N)
  --engine v8|wasm-rt|both   the same, older form`;

/** The engines `values` (parsed ENGINE_OPTIONS) name: their names in order, and each by name. */
function enginesFromOptions(values) {
  if (values.engine && values.engines) throw new UsageError('give --engines or --engine, not both');
  const specs = enginesList(values.engines ?? values.engine ?? 'both');
  return { engines: specs.map((e) => e.name), specs: Object.fromEntries(specs.map((e) => [e.name, e])) };
}

/** How `runChild` starts a child for `engine`: its Node, and the environment with its additions. */
const childOf = (engine) => ({ execPath: engine.execPath, env: { ...process.env, ...engine.env } });

/** Each engine's runtime, for a JSON report. */
const runtimesOf = (engines, specs) => Object.fromEntries(engines.map((e) => [e, { kind: specs[e].kind, node: specs[e].execPath, env: specs[e].env }]));

/** `--engines a,b,c` (or the older `--engine v8|wasm-rt|both`) as a list of resolved engines. */
function enginesList(value, engines) {
  const names = value === 'both' ? ['v8', 'wasm-rt'] : String(value).split(',').map((s) => s.trim()).filter(Boolean);
  if (!names.length) throw new UsageError('--engines needs at least one engine');
  if (new Set(names).size !== names.length) throw new UsageError(`--engines names an engine twice: ${value}`);
  return names.map((n) => resolveEngine(n, engines));
}

module.exports = { ENGINE_OPTIONS, ENGINES_USAGE, resolveEngine, enginesList, enginesFromOptions, childOf, runtimesOf };
