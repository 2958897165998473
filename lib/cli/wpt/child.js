'use strict';
// Runs one js-api test file on one engine in this process and reports the
// harness result over IPC (or as JSON on stdout when started by hand):
//   node lib/cli/wpt/child.js '{"engine":"v8","harness":"...","scripts":["..."],"softTimeoutMs":54000}'
// It runs under Node, Bun and Deno alike (lib/cli/engine-spec.js): `engine` is wasm-rt, or the
// runtime's own WebAssembly (v8, jsc).

const fs = require('fs');
const path = require('path');
const vm = require('vm');
const legacyAsserts = require('./legacy-asserts.js');

// testharness.js's Test.statuses and TestsStatus.statuses, by value.
const SUBTEST_STATUS = ['PASS', 'FAIL', 'TIMEOUT', 'NOTRUN', 'PRECONDITION_FAILED'];
const HARNESS_STATUS = ['OK', 'ERROR', 'TIMEOUT', 'PRECONDITION_FAILED'];

function installEngine(engine) {
  if (engine !== 'wasm-rt') return;
  const { WebAssembly } = require(path.join(__dirname, '..', '..', '..', 'index.js'));
  if (typeof WebAssembly !== 'object' || WebAssembly === null) {
    throw new Error('wasm-rt index.js does not export a WebAssembly object');
  }
  // Same attributes as the built-in: interface.any.js checks them.
  const builtin = Object.getOwnPropertyDescriptor(globalThis, 'WebAssembly');
  Object.defineProperty(globalThis, 'WebAssembly', { ...builtin, value: WebAssembly });
}

// testharness.js runs as a shell harness here (no document, no worker scope);
// it needs `self`, and when the global has addEventListener it takes uncaught
// errors and unhandled rejections as a browser would (harness ERROR). Node
// has neither, so provide both and return a dispatcher for those two events
// (Bun's and Deno's own addEventListener are replaced: the process's handlers
// below are the ones that see such errors in all three).
function installShellGlobals() {
  if (!('self' in globalThis)) globalThis.self = globalThis;
  // Deno has a `location` that is undefined without --location; testharness.js takes any
  // `location` for a page's and reads its pathname (to name an untitled test).
  if ('location' in globalThis && globalThis.location === undefined) delete globalThis.location;
  const listeners = { error: [], unhandledrejection: [] };
  globalThis.addEventListener = (type, listener) => {
    if (listeners[type]) listeners[type].push(listener);
  };
  return (type, event) => {
    for (const listener of listeners[type]) listener(event);
  };
}

function describe(value) {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function runScript(file) {
  vm.runInThisContext(fs.readFileSync(file, 'utf8'), { filename: file });
}

function report(result) {
  if (process.send) {
    process.send(result, () => process.exit(0));
  } else {
    process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
  }
}

function main() {
  const job = JSON.parse(process.argv[2]);
  installEngine(job.engine);
  const dispatch = installShellGlobals();
  runScript(job.harness);

  const shimsUsed = new Set();
  legacyAsserts.install(globalThis, (name) => shimsUsed.add(name));

  // The harness has no timeout in a shell; this timer both keeps Node alive
  // while promise tests are pending and ends a harness that never completes
  // (testharness.js then reports TIMEOUT with whatever finished), ahead of
  // the parent's hard kill.
  const softTimer = setTimeout(() => globalThis.timeout(), job.softTimeoutMs);

  let result = null;
  globalThis.add_completion_callback((tests, status) => {
    if (result) return;
    clearTimeout(softTimer);
    result = {
      harness: { status: HARNESS_STATUS[status.status], message: status.message ?? null },
      subtests: tests.map((t) => ({
        name: t.name,
        status: SUBTEST_STATUS[t.status],
        message: t.message ?? null,
        ...(t.status === 0 || !t.stack ? {} : { stack: t.stack }),
      })),
      shims: [...shimsUsed],
    };
    // Sent a turn later: in a shell the harness completes in a microtask right
    // after loading, before Node reports rejections left unhandled by the test
    // scripts, which a browser would have passed to the harness first.
    setImmediate(() => report(result));
  });

  const lateError = (message) => {
    if (result.harness.status === 'OK') result.harness = { status: 'ERROR', message };
  };
  process.on('uncaughtException', (error) => {
    const message = `Uncaught ${describe(error)}`;
    if (result) lateError(message);
    else dispatch('error', { message, error });
  });
  process.on('unhandledRejection', (reason, promise) => {
    if (result) lateError(`Unhandled rejection: ${describe(reason && reason.message ? reason.message : reason)}`);
    else dispatch('unhandledrejection', { reason, promise });
  });

  // Like <script> elements: a script that throws is reported to the harness
  // and the next one still runs.
  for (const file of job.scripts) {
    try {
      runScript(file);
    } catch (error) {
      dispatch('error', { message: `Uncaught ${describe(error)}`, error });
    }
  }
}

main();
