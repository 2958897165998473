#!/usr/bin/env node
'use strict';

// Subcommands load lazily so one command's dependencies never slow another.
const COMMANDS = {
  wpt: () => require('../lib/cli/wpt/runner.js').main,
  run: () => require('../lib/cli/run.js').main,
  'wasi-test': () => require('../lib/cli/wasi-test.js').main,
  compare: () => require('../lib/cli/compare.js').main,
  fuzz: () => require('../lib/cli/fuzz.js').main,
  wast: () => require('../lib/cli/wast.js').main,
  engines: () => require('../lib/cli/engines.js').main,
};

const USAGE = `usage: wasm-rt <command> [options]
commands:
  wpt        run the WebAssembly JS API conformance tests on V8 and wasm-rt (wasm-rt wpt --help)
  run        run a WASI program (wasm-rt run --help)
  wasi-test  run the WASI testsuite on node:wasi and wasm-rt (wasm-rt wasi-test --help)
  compare    run a Node program on V8 and on wasm-rt and compare what it does (wasm-rt compare --help)
  fuzz       run generated modules on V8 and wasm-rt and report where they differ (wasm-rt fuzz --help)
  wast       run the core spec's .wast scripts on V8 and wasm-rt (wasm-rt wast --help)
  engines    install other engines from the npm registry: Nodes, Bun, Deno (wasm-rt engines --help)
exit codes: 0 as expected; 1 differences, unexpected results or a failed program; 2 a usage or
environment error. Reports: --json FILE. Long runs show their progress on stderr when it is a
terminal.`;

async function main([name, ...args]) {
  if (name === undefined) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const command = Object.prototype.hasOwnProperty.call(COMMANDS, name) && COMMANDS[name];
  if (!command) {
    process.stderr.write(`wasm-rt: unknown command ${name}\n${USAGE}\n`);
    return 2;
  }
  return command()(args);
}

// Output piped into e.g. `head` may close early; the exit code must still stand.
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE') throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
    process.exitCode = 1;
  },
);
