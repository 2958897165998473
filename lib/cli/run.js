'use strict';
// `wasm-rt run`: runs a WASI program, as `wasmtime run` does, on wasm-rt (or on V8 with
// node:wasi, to compare); the program's exit code becomes the process's.
const fs = require('node:fs');
const path = require('node:path');
const { nodeWasi } = require('./node-wasi');
const { UsageError, integerOption, parseArgv, operandIndex, parseCommandLine } = require('./options');

const USAGE = `usage: wasm-rt run [options] PROGRAM.wasm [ARGS...]
  --dir HOST[::GUEST]         preopen the host directory HOST as GUEST (default: HOST); repeatable
  --env NAME=VALUE            set a guest environment variable; repeatable (nothing else is set)
  --engine wasm-rt|v8         wasm-rt (default), or V8 with node:wasi
  --compiler NAME             wasm-rt's compiler: tiered (default), cranelift or singlepass
  --timeout MS                stop the program after MS milliseconds (wasm-rt only)
  --fuel N                    stop it after N units of fuel, about one per wasm operator (wasm-rt)
  --max-memory BYTES          its memory cannot grow past BYTES (wasm-rt)
The program sees PROGRAM as argv[0], then ARGS. Exit code: the program's; 1 when it fails (a
trap, an error, a limit reached); 2 on a usage error or a program that cannot be read.`;

const OPTIONS = {
  dir: { type: 'string', multiple: true, default: [] },
  env: { type: 'string', multiple: true, default: [] },
  engine: { type: 'string', default: 'wasm-rt' },
  compiler: { type: 'string' },
  timeout: { type: 'string' },
  fuel: { type: 'string' },
  'max-memory': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
};

function parse(argv) {
  // Options end at the program: what follows belongs to the guest.
  const at = operandIndex(argv, OPTIONS);
  const { values } = parseArgv(at < 0 ? argv : argv.slice(0, at), OPTIONS);
  if (values.help) return { help: true };
  if (at < 0) throw new UsageError('a program to run is required');
  if (!['wasm-rt', 'v8'].includes(values.engine)) throw new UsageError(`--engine must be wasm-rt or v8, got ${values.engine}`);
  for (const only of ['compiler', 'timeout', 'fuel', 'max-memory']) {
    if (values[only] !== undefined && values.engine !== 'wasm-rt') throw new UsageError(`--${only} applies to --engine wasm-rt`);
  }
  const limits = {
    timeout: values.timeout === undefined ? undefined : integerOption(values.timeout, 'timeout'),
    fuel: values.fuel === undefined ? undefined : integerOption(values.fuel, 'fuel', 0),
    memoryLimit: values['max-memory'] === undefined ? undefined : integerOption(values['max-memory'], 'max-memory', 0),
  };
  const preopens = {};
  for (const d of values.dir) {
    const [host, guest = host] = d.split('::');
    if (!host) throw new UsageError(`--dir needs HOST[::GUEST], got ${d}`);
    preopens[guest] = host;
  }
  const env = {};
  for (const e of values.env) {
    const eq = e.indexOf('=');
    if (eq < 1) throw new UsageError(`--env needs NAME=VALUE, got ${e}`);
    env[e.slice(0, eq)] = e.slice(eq + 1);
  }
  return { program: argv[at], args: argv.slice(at), preopens, env, engine: values.engine, compiler: values.compiler, limits };
}

async function main(argv) {
  const o = parseCommandLine('run', USAGE, parse, argv);
  if (typeof o === 'number') return o;
  let bytes;
  try {
    bytes = fs.readFileSync(o.program);
  } catch (e) {
    process.stderr.write(`wasm-rt run: cannot read ${o.program}: ${e.message}\n`);
    return 2;
  }
  const rt = o.engine === 'wasm-rt' ? require(path.join(__dirname, '..', '..', 'index.js')) : undefined;
  const [W, WASI] = rt ? [rt.WebAssembly, rt.WASI] : [globalThis.WebAssembly, nodeWasi()];
  const fuel = o.limits?.fuel !== undefined;
  const module = o.compiler || fuel ? rt.compileSync(bytes, { compiler: o.compiler, fuel }) : new W.Module(bytes);
  const version = W.Module.imports(module).some((i) => i.module === 'wasi_unstable') ? 'unstable' : 'preview1';
  const wasi = new WASI({ version, args: o.args, env: o.env, preopens: o.preopens });
  const instance = rt ? rt.instantiateSync(module, wasi.getImportObject(), o.limits) : new W.Instance(module, wasi.getImportObject());
  return wasi.start(instance);
}

module.exports = { main };
