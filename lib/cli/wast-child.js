'use strict';
// Runs one .wast script on one engine's WebAssembly JS API, as the spec's JS harness does, and
// reports each command's result over IPC (or as JSON on stdout when started by hand):
//   node lib/cli/wast-child.js '{"engine":"v8","commands":"/tmp/i32.json"}'
// It runs under Node, Bun and Deno alike (lib/cli/engine-spec.js): `engine` is wasm-rt, or the
// runtime's own WebAssembly (v8, jsc). The commands are the script as the native parser
// (src/tools/wast.rs) gives them, written by lib/cli/wast.js as JSON with the binaries in base64:
// the parser is part of the wasm-rt addon, which only Node loads. Every action runs through a
// wrapper module that checks its results in wasm.
const fs = require('node:fs');
const path = require('node:path');

const INDEX = path.join(__dirname, '..', '..', 'index.js');

function spectest(W) {
  const print = () => {};
  return {
    print,
    print_i32: print,
    print_i64: print,
    print_f32: print,
    print_f64: print,
    print_i32_f32: print,
    print_f64_f64: print,
    global_i32: new W.Global({ value: 'i32' }, 666),
    global_i64: new W.Global({ value: 'i64' }, 666n),
    global_f32: new W.Global({ value: 'f32' }, 666.6),
    global_f64: new W.Global({ value: 'f64' }, 666.6),
    table: new W.Table({ initial: 10, maximum: 20, element: 'anyfunc' }),
    memory: new W.Memory({ initial: 1, maximum: 2 }),
  };
}

const describe = (e) => `${e?.constructor?.name ?? typeof e}: ${e?.message ?? String(e)}`;

/** Runs `f`; a failure message when it does not throw an instance of `Expected`. */
function expectThrow(f, Expected, what) {
  try {
    f();
  } catch (e) {
    return e instanceof Expected ? null : `expected ${what}, got ${describe(e)}`;
  }
  return `expected ${what}, got no error`;
}

const BINARIES = new Set(['bytes', 'wrapper']);
const decode = (key, value) => (BINARIES.has(key) && typeof value === 'string' ? Uint8Array.from(atob(value), (c) => c.charCodeAt(0)) : value);

function run(engine, file) {
  const W = engine === 'wasm-rt' ? require(INDEX).WebAssembly : WebAssembly;
  const commands = JSON.parse(fs.readFileSync(file, 'utf8'), decode);
  const registry = { spectest: spectest(W) };
  const imports = new Proxy({}, { get: (_, name) => registry[name] });
  const instances = new Map();
  const definitions = new Map();
  let last = null;
  let lastDefinition = null;
  const results = [];
  for (const c of commands) {
    let failure = null;
    try {
      failure = step(c);
    } catch (e) {
      failure = describe(e);
    }
    results.push({ line: c.line, type: c.type === 'skip' ? 'skip' : c.assert ?? c.type, ok: failure === null, message: failure, reason: c.reason, text: c.text });
  }
  return results;

  function step(c) {
    switch (c.type) {
      case 'skip':
        return null;
      case 'module': {
        const m = new W.Module(c.bytes);
        if (c.define) {
          lastDefinition = m;
          if (c.id) definitions.set(c.id, m);
          return null;
        }
        last = new W.Instance(m, imports);
        if (c.id) instances.set(c.id, last);
        return null;
      }
      case 'instance': {
        const m = c.module ? definitions.get(c.module) : lastDefinition;
        if (!m) return `no module definition ${c.module ?? ''}`;
        last = new W.Instance(m, imports);
        if (c.id) instances.set(c.id, last);
        return null;
      }
      case 'register': {
        const i = c.id ? instances.get(c.id) : last;
        if (!i) return `no instance ${c.id ?? ''} to register`;
        registry[c.name] = i.exports;
        return null;
      }
      case 'action':
        return action(c);
      case 'module-assert':
        return moduleAssert(c);
      default:
        return `unknown command ${c.type}`;
    }
  }

  function action(c) {
    const target = c.id ? instances.get(c.id) : last;
    if (!target) return `no instance ${c.id ?? ''}`;
    const value = target.exports[c.field];
    if (value === undefined) return `no export "${c.field}"`;
    const wrapper = new W.Instance(new W.Module(c.wrapper), { t: { x: value } });
    const call = () => wrapper.exports.run();
    switch (c.assert) {
      case 'none':
        call();
        return null;
      case 'return':
        return call() === 1 ? null : 'the results differ from the expected ones';
      case 'trap':
        return expectThrow(call, W.RuntimeError, `a trap (${c.message})`);
      case 'exhaustion':
        // V8 reports stack exhaustion as a RangeError; the spec's JS harness expects that.
        return expectThrow(call, RangeError, `a RangeError (${c.message})`);
      case 'exception':
        return expectThrow(call, W.Exception, 'a WebAssembly.Exception');
      default:
        return `unknown assertion ${c.assert}`;
    }
  }

  function moduleAssert(c) {
    switch (c.assert) {
      case 'invalid':
      case 'malformed':
        if (W.validate(c.bytes)) return `validate() returned true for a module that is ${c.assert} (${c.message})`;
        return expectThrow(() => new W.Module(c.bytes), W.CompileError, `a CompileError (${c.message})`);
      case 'unlinkable': {
        const m = new W.Module(c.bytes);
        return expectThrow(() => new W.Instance(m, imports), W.LinkError, `a LinkError (${c.message})`);
      }
      case 'uninstantiable': {
        const m = new W.Module(c.bytes);
        return expectThrow(() => new W.Instance(m, imports), W.RuntimeError, `a trap at instantiation (${c.message})`);
      }
      default:
        return `unknown assertion ${c.assert}`;
    }
  }
}

if (require.main === module) {
  const job = JSON.parse(process.argv[2]);
  let out;
  try {
    out = { ok: true, results: run(job.engine, job.commands) };
  } catch (e) {
    out = { ok: false, error: describe(e) };
  }
  if (process.send) process.send(out, () => process.exit(0));
  else process.stdout.write(`${JSON.stringify(out)}\n`);
}
