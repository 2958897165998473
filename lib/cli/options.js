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

module.exports = { UsageError, integerOption };
