'use strict';
// CompileError, LinkError and RuntimeError are specified "as if by NativeError": callable with
// or without `new`, length 1, with `cause`, inheriting from Error.

function makeNativeError(name) {
  const NativeError = function (message, options) {
    // Reflect.construct gives the object Error's internal slot and stack, with our prototype.
    return Reflect.construct(Error, [message, options], new.target ?? NativeError);
  };
  Object.defineProperty(NativeError, 'name', { value: name });
  Object.defineProperty(NativeError, 'length', { value: 1 });
  const proto = Object.create(Error.prototype, {
    constructor: { value: NativeError, writable: true, configurable: true },
    name: { value: name, writable: true, configurable: true },
    message: { value: '', writable: true, configurable: true },
  });
  Object.defineProperty(NativeError, 'prototype', { value: proto, writable: false });
  Object.setPrototypeOf(NativeError, Error);
  return NativeError;
}

module.exports = {
  CompileError: makeNativeError('CompileError'),
  LinkError: makeNativeError('LinkError'),
  RuntimeError: makeNativeError('RuntimeError'),
};
