'use strict';
// assert_throws and promise_rejects were split into *_js / *_dom variants in
// testharness.js; some js-api files (limits.any.js) still call the old names.
// These stand-ins forward to the new functions and are defined only where the
// loaded harness lacks them. `used` receives the name of each one called.

// The old API took an exception object (its class is what counts), a DOM
// exception name, or a constructor.
function expectation(code, name) {
  if (typeof code === 'function') return { kind: 'js', ctor: code };
  if (typeof code === 'string') return { kind: 'dom', type: code };
  if (code !== null && typeof code === 'object' && typeof code.constructor === 'function' &&
      code.constructor !== Object) {
    return { kind: 'js', ctor: code.constructor };
  }
  throw new Error(`${name} (wpt runner shim): unsupported expected exception ${String(code)}`);
}

function install(global, used) {
  if (typeof global.assert_throws !== 'function') {
    global.assert_throws = function assert_throws(code, func, description) {
      used('assert_throws');
      const e = expectation(code, 'assert_throws');
      return e.kind === 'js'
        ? global.assert_throws_js(e.ctor, func, description)
        : global.assert_throws_dom(e.type, func, description);
    };
  }
  if (typeof global.promise_rejects !== 'function') {
    global.promise_rejects = function promise_rejects(test, code, promise, description) {
      used('promise_rejects');
      const e = expectation(code, 'promise_rejects');
      return e.kind === 'js'
        ? global.promise_rejects_js(test, e.ctor, promise, description)
        : global.promise_rejects_dom(test, e.type, promise, description);
    };
  }
}

module.exports = { install };
