'use strict';
// The engines a conformance run can compare, by name, and how a child process runs each:
//   v8                    the WebAssembly of the Node running wasm-rt
//   wasm-rt               wasm-rt (wasmer), its default compiler, in that Node
//   wasm-rt:singlepass    wasm-rt with one compiler (also wasm-rt:cranelift)
//   node@24               the WebAssembly of another Node (`wasm-rt engines add node@24`)
//   wasm-rt@node24        wasm-rt loaded into that Node (also wasm-rt:cranelift@node24)
//   bun                   the WebAssembly of Bun, JavaScriptCore (`wasm-rt engines add bun`)
//   deno                  the WebAssembly of Deno, V8 again (`wasm-rt engines add deno`)
// Bun and Deno run the same child scripts as Node, forked with Node's IPC channel, which both
// implement; the children use only what the three share (node:fs, node:path, node:vm, process, atob).
// wasm-rt is a Node addon and runs in Node only.
const path = require('node:path');
const { installed } = require('./engines');
const { UsageError } = require('./options');

const COMPILERS = ['cranelift', 'singlepass'];

// Deno runs a script with `run`; --unstable-detect-cjs loads the children's .js files as CommonJS
// (Deno takes .js for ES modules unless a package.json says "type": "commonjs"); the children
// read their files and environment, nothing else. DENO_DIR (its caches) stays in its engine folder;
// NO_COLOR, as Deno colors its errors even on a pipe.
const DENO_ARGV = ['run', '--allow-read', '--allow-env', '--unstable-detect-cjs'];
// A user's program (`wasm-rt compare`) gets what it would have under Node: every permission.
const DENO_PROGRAM_ARGV = ['run', '--allow-all', '--unstable-detect-cjs'];
const denoEnv = (record) => ({ DENO_DIR: path.join(record.folder, 'deno-dir'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' });
// Bun caches what it transpiles in ~/.bun unless told where, and sends a report of a crash unless DO_NOT_TRACK.
const bunEnv = (record) => ({ BUN_RUNTIME_TRANSPILER_CACHE_PATH: path.join(record.folder, 'transpiler-cache'), DO_NOT_TRACK: '1' });

/**
 * How to run engine `name`: `kind` is the namespace the child installs ('v8', 'jsc' or 'wasm-rt'),
 * `execPath` the runtime that runs the child (a Node, Bun or Deno), `execArgv` (Bun and Deno only)
 * what that runtime takes before the script, `programArgv` (Bun and Deno only) what it takes
 * before a user's program, `env` what it adds to the child's environment.
 */
function resolveEngine(name, engines = installed()) {
  if (name === 'bun' || name === 'deno') {
    const record = engines[name];
    if (!record) throw new UsageError(`engine ${name} is not installed: install it with \`wasm-rt engines add ${name}\``);
    if (name === 'bun') return { name, kind: 'jsc', execPath: record.bin, execArgv: [], programArgv: [], env: bunEnv(record) };
    return { name, kind: 'v8', execPath: record.bin, execArgv: DENO_ARGV, programArgv: DENO_PROGRAM_ARGV, env: denoEnv(record) };
  }
  if (/^wasm-rt(:\w+)?@(bun|deno)$/.test(name)) throw new UsageError(`unknown engine ${name}: wasm-rt is a Node addon, it runs in Node only (wasm-rt@nodeN)`);
  const m = /^(v8|node@\d+|wasm-rt)(?::(\w+))?(?:@node(\d+))?$/.exec(name);
  if (!m) throw new UsageError(`unknown engine ${name} (v8, wasm-rt, wasm-rt:singlepass, wasm-rt:cranelift, node@N, wasm-rt@nodeN, bun, deno)`);
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
                             wasm-rt:cranelift, node@N and wasm-rt@nodeN (after wasm-rt engines add node@N),
                             bun and deno (after wasm-rt engines add bun|deno)
  --engine v8|wasm-rt|both   the same, older form`;

/** The engines `values` (parsed ENGINE_OPTIONS) name: their names in order, and each by name. */
function enginesFromOptions(values) {
  if (values.engine && values.engines) throw new UsageError('give --engines or --engine, not both');
  const specs = enginesList(values.engines ?? values.engine ?? 'both');
  return { engines: specs.map((e) => e.name), specs: Object.fromEntries(specs.map((e) => [e.name, e])) };
}

/** How `runChild` starts a child for `engine`: its runtime and that runtime's arguments, and the environment with its additions. */
const childOf = (engine) => ({ execPath: engine.execPath, execArgv: engine.execArgv, env: { ...process.env, ...engine.env } });

/** Each engine's runtime, for a JSON report. */
const runtimesOf = (engines, specs) => Object.fromEntries(engines.map((e) => [e, { kind: specs[e].kind, bin: specs[e].execPath, ...(specs[e].execArgv ? { execArgv: specs[e].execArgv } : {}), env: specs[e].env }]));

/** `--engines a,b,c` (or the older `--engine v8|wasm-rt|both`) as a list of resolved engines. */
function enginesList(value, engines) {
  const names = value === 'both' ? ['v8', 'wasm-rt'] : String(value).split(',').map((s) => s.trim()).filter(Boolean);
  if (!names.length) throw new UsageError('--engines needs at least one engine');
  if (new Set(names).size !== names.length) throw new UsageError(`--engines names an engine twice: ${value}`);
  return names.map((n) => resolveEngine(n, engines));
}

module.exports = { ENGINE_OPTIONS, ENGINES_USAGE, resolveEngine, enginesList, enginesFromOptions, childOf, runtimesOf };
