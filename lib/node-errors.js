'use strict';
// Node's own error shapes (`code`, message wording, `toString`) for the Node APIs wasm-rt
// reproduces, so that a program sees the same errors on wasm-rt as on Node.
const { inspect } = require('node:util');

/** How Node names a received value in an error message. */
function received(value) {
  if (value == null) return `${value}`;
  if (typeof value === 'function' && value.name) return `function ${value.name}`;
  if (typeof value === 'object') {
    if (value.constructor?.name) return `an instance of ${value.constructor.name}`;
    return inspect(value, { depth: -1 });
  }
  let shown = inspect(value, { colors: false });
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return `type ${typeof value} (${shown})`;
}

function nodeError(Base, code, message) {
  const error = new Base(message);
  Object.defineProperty(error, 'toString', {
    value() {
      return `${this.name} [${code}]: ${this.message}`;
    },
    enumerable: false,
    writable: true,
    configurable: true,
  });
  if (typeof error.stack === 'string') error.stack = error.stack.replace(error.name, `${error.name} [${code}]`);
  error.code = code;
  return error;
}

function describeName(name) {
  return `"${name}" ${name.includes('.') ? 'property' : 'argument'}`;
}

/** ERR_INVALID_ARG_TYPE; `expected` is the phrase after "must be". */
function invalidArgType(name, expected, value) {
  return nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The ${describeName(name)} must be ${expected}. Received ${received(value)}`);
}

function invalidArgValue(name, value, reason = 'is invalid') {
  const kind = name.includes('.') ? 'property' : 'argument';
  let shown = inspect(value);
  if (shown.length > 128) shown = `${shown.slice(0, 128)}...`;
  return nodeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The ${kind} '${name}' ${reason}. Received ${shown}`);
}

function outOfRange(name, range, value) {
  return nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "${name}" is out of range. It must be ${range}. Received ${value}`);
}

const validate = {
  object(value, name) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidArgType(name, 'of type object', value);
  },
  string(value, name) {
    if (typeof value !== 'string') throw invalidArgType(name, 'of type string', value);
  },
  boolean(value, name) {
    if (typeof value !== 'boolean') throw invalidArgType(name, 'of type boolean', value);
  },
  array(value, name) {
    if (!Array.isArray(value)) throw invalidArgType(name, 'an instance of Array', value);
  },
  function(value, name) {
    if (typeof value !== 'function') throw invalidArgType(name, 'of type function', value);
  },
  undefined(value, name) {
    if (value !== undefined) throw invalidArgType(name, 'undefined', value);
  },
  integer(value, name, min, max) {
    if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
    if (!Number.isInteger(value)) throw outOfRange(name, 'an integer', value);
    if (value < min || value > max) throw outOfRange(name, `>= ${min} && <= ${max}`, value);
  },
  int32(value, name, min = -2147483648, max = 2147483647) {
    validate.integer(value, name, min, max);
  },
};

module.exports = { nodeError, invalidArgType, invalidArgValue, outOfRange, validate };
