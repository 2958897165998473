'use strict';
// What every CLI command's option parsing shares.

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

module.exports = { UsageError, integerOption, parseCommandLine };
