'use strict';
// What every CLI command's option parsing shares.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');

/** A bad command line: the command prints it with its usage and exits 2. */
class UsageError extends Error {}

/** `--name VALUE` as an integer of at least `min`. */
function integerOption(value, name, min = 1) {
  const n = Number(value);
  if (value === '' || !Number.isInteger(n) || n < min) {
    throw new UsageError(`--${name} needs ${min === 1 ? 'a positive integer' : `an integer ≥ ${min}`}, got ${value}`);
  }
  return n;
}

/** `parseArgs` over `args` with the `options` table; a parse error is a UsageError. */
function parseArgv(args, options, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals });
  } catch (e) {
    throw new UsageError(e.message);
  }
}

/**
 * Where the options of a command that runs a program or script end: the index of that operand
 * in `argv` (-1 when there is none), skipping the values of the `options` that take one. What
 * follows it belongs to the program.
 */
function operandIndex(argv, options) {
  const takesValue = new Set(Object.entries(options).filter(([, o]) => o.type === 'string').map(([name]) => `--${name}`));
  return argv.findIndex((a, i) => !a.startsWith('-') && !takesValue.has(argv[i - 1]));
}

/** `--jobs N`, one per CPU when not given. */
function jobsOption(value) {
  return value === undefined ? os.availableParallelism() : integerOption(value, 'jobs');
}

/** The options every conformance runner (wpt, wast, wasi-test) takes, with its own defaults. */
function suiteOptions({ timeout, json }) {
  return {
    'if-present': { type: 'boolean', default: false },
    filter: { type: 'string' },
    jobs: { type: 'string' },
    timeout: { type: 'string', default: timeout },
    json: { type: 'string', default: json },
    html: { type: 'string' },
    'update-expectations': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  };
}

/** The values of `suiteOptions`, checked. */
function suiteValues(values) {
  return {
    help: values.help,
    ifPresent: values['if-present'],
    filter: values.filter,
    jobs: jobsOption(values.jobs),
    timeoutMs: integerOption(values.timeout, 'timeout'),
    json: path.resolve(values.json),
    html: values.html === undefined ? null : path.resolve(values.html),
    update: values['update-expectations'],
  };
}

/** A suite in ../shared/suites beside the project, where the workplace keeps them, if present. */
function besideProject(...parts) {
  const p = path.join(__dirname, '..', '..', '..', 'shared', 'suites', ...parts);
  return fs.existsSync(p) ? p : undefined;
}

/**
 * The options `parse` reads from `argv`, or the exit code to return at once: 0 after --help (the
 * usage on stdout), 2 after a usage error (the message and the usage on stderr).
 */
function parseCommandLine(command, usage, parse, argv) {
  let options;
  try {
    options = parse(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`wasm-rt ${command}: ${e.message}\n${usage}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  return options;
}

module.exports = { UsageError, integerOption, parseArgv, operandIndex, jobsOption, suiteOptions, suiteValues, besideProject, parseCommandLine };
