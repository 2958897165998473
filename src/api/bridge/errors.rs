//! How failures cross the boundary: traps become the spec's errors with V8's wording, and a JS
//! exception thrown by an import travels through the wasm frames and is rethrown unchanged.

use std::fmt;
use std::rc::Rc;

use napi::sys::{napi_env, napi_ref, napi_value};
use wasmer::{RuntimeError, StoreMut};
use wasmer_types::TrapCode;

use crate::runtime::group::Group;
use crate::runtime::state;
use crate::sys::js_thread::JsThread;
use crate::sys::napi_raw::{self, Pending, TAG_TRAP};

/// A JS exception on its way from the import that threw it to the JS caller of the wasm export.
/// The value sits in a one-element array because Node 20 refuses references to primitives, and
/// `throw 42` must arrive as 42.
pub struct JsThrow(JsThread<Held>);

struct Held {
  env: napi_env,
  holder: napi_ref,
}

impl JsThrow {
  fn new(env: napi_env, value: napi_value) -> Self {
    let holder = napi_raw::array_of(env, &[value]).and_then(|a| napi_raw::create_ref(env, a, 1)).unwrap_or(std::ptr::null_mut());
    Self(JsThread::new(Held { env, holder }))
  }

  fn rethrow(self) -> Pending {
    let (env, holder) = (self.0.env, self.0.holder);
    let value = napi_raw::ref_value(env, holder).and_then(|a| napi_raw::get_element(env, a, 0).ok());
    match value {
      Some(v) => napi_raw::throw(env, v),
      None => napi_raw::throw_error(env, "wasm-rt: an exception thrown by an import was lost"),
    }
  }
}

impl Drop for Held {
  fn drop(&mut self) {
    if !self.holder.is_null() {
      napi_raw::delete_ref(self.env, self.holder);
    }
  }
}

impl fmt::Debug for JsThrow {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str("JsThrow")
  }
}

impl fmt::Display for JsThrow {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str("a JavaScript exception thrown by an import")
  }
}

impl std::error::Error for JsThrow {}

/// Takes the pending JS exception so that it can unwind through wasm as an opaque error, which
/// no catch clause sees, and reach the JS caller unchanged.
pub fn pending_to_runtime(env: napi_env) -> RuntimeError {
  let exception = napi_raw::take_error(env);
  RuntimeError::user(Box::new(JsThrow::new(env, exception)))
}

/// What an import's JS exception raises in wasm.
pub enum Raised {
  /// A wasm exception, which `catch` clauses see (tag.rs).
  Exception(wasmer::Exception),
  /// A trap that carries the value to the JS caller: a trap crossing back into wasm (V8 keeps
  /// traps uncatchable), or anything thrown while the thread is being stopped.
  Trap(RuntimeError),
}

/// Takes the pending JS exception of an import and raises it in wasm as the JS API says.
pub fn raise_pending(env: napi_env, group: &Rc<Group>, store: &mut StoreMut<'_>) -> Raised {
  let exception = napi_raw::take_error(env);
  if !napi_raw::has_tag(env, exception, &TAG_TRAP) && !crate::runtime::limits::watchdog::stopping() {
    if let Some(exn) = crate::api::tag::exception_from_js(env, group, store, exception) {
      return Raised::Exception(exn);
    }
  }
  Raised::Trap(RuntimeError::user(Box::new(JsThrow::new(env, exception))))
}

/// `trapError(message)`: a RuntimeError that stays a trap when a JS import throws it (the
/// builtins of lib/js-string.js trap this way).
pub fn trap_error(env: napi_env, args: &[napi_value]) -> napi_raw::JsResult<napi_value> {
  let message = napi_raw::get_string(env, args[0])?;
  Ok(trap_value(env, state::throw_runtime_error(env, &message)))
}

/// Takes the trap's error just thrown, marked so that it stays a trap if it reaches wasm again
/// through an import.
fn trap_value(env: napi_env, _thrown: Pending) -> napi_value {
  let value = napi_raw::take_error(env);
  napi_raw::type_tag(env, value, &TAG_TRAP);
  value
}

/// V8's messages for the same traps, so that both engines read alike in differential tests.
fn trap_message(code: TrapCode) -> String {
  let text = match code {
    TrapCode::UnreachableCodeReached => "unreachable",
    TrapCode::HeapAccessOutOfBounds => "memory access out of bounds",
    TrapCode::HeapMisaligned | TrapCode::UnalignedAtomic => "operation does not support unaligned accesses",
    TrapCode::TableAccessOutOfBounds => "table index is out of bounds",
    TrapCode::IndirectCallToNull | TrapCode::BadSignature => "null function or function signature mismatch",
    // wasmer does not tell div from rem here; V8 says "divide by zero" or "remainder by zero".
    TrapCode::IntegerDivisionByZero => "divide by zero, or remainder by zero",
    // wasmer reports both i32.div_s(INT_MIN, -1) and an out-of-range float truncation as
    // IntegerOverflow; V8 words them differently, so name both.
    TrapCode::IntegerOverflow => "integer overflow (divide result unrepresentable, or float unrepresentable in integer range)",
    TrapCode::BadConversionToInteger => "float unrepresentable in integer range",
    TrapCode::UninitializedExnRef => "dereferencing a null pointer",
    _ => return code.message().to_owned(),
  };
  text.to_owned()
}

/// Throws what a V8 user would see for this failure of a wasm call.
pub fn throw_runtime(env: napi_env, group: &Rc<Group>, store: &mut StoreMut<'_>, err: RuntimeError) -> Pending {
  if let Some(exn) = err.to_exception() {
    return match crate::api::tag::exception_to_js(env, group, store, exn) {
      Ok(v) => napi_raw::throw(env, v),
      Err(p) => p,
    };
  }
  let err = match err.downcast::<JsThrow>() {
    Ok(thrown) => return thrown.rethrow(),
    Err(err) => err,
  };
  let thrown = match err.clone().to_trap() {
    // V8 reports wasm stack exhaustion as a RangeError, and the spec's tests expect it.
    Some(TrapCode::StackOverflow) => napi_raw::throw_range_error(env, "Maximum call stack size exceeded"),
    // The trap a limit's check ends in (limits/instrument.rs).
    Some(TrapCode::UnreachableCodeReached) if let Some(message) = crate::runtime::limits::watchdog::stop_message() => state::throw_runtime_error(env, &message),
    Some(code) => state::throw_runtime_error(env, &trap_message(code)),
    None => state::throw_runtime_error(env, &err.message()),
  };
  napi_raw::throw(env, trap_value(env, thrown))
}

/// Runs `f`, a call into wasm, under `timeout_ms` (watchdog.rs). A call that comes back after its
/// deadline passed fails with the deadline's error even if the wasm finished: a wait woken by
/// the watchdog returns "ok" to code that may then return before reaching a check.
pub fn with_deadline<T>(env: napi_env, timeout_ms: Option<u32>, f: impl FnOnce() -> napi_raw::JsResult<T>) -> napi_raw::JsResult<T> {
  crate::runtime::limits::watchdog::with_deadline(timeout_ms, || {
    let r = f()?;
    if timeout_ms.is_some() && crate::runtime::limits::watchdog::deadline_passed() {
      if let Some(message) = crate::runtime::limits::watchdog::stop_message() {
        let thrown = state::throw_runtime_error(env, &message);
        return Err(napi_raw::throw(env, trap_value(env, thrown)));
      }
    }
    Ok(r)
  })
}
