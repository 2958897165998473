//! What the native side needs from the JS side of one Node environment: the error classes it
//! throws and the JS helpers it calls. Set once by `init` when index.js loads; each thread
//! (main or Worker) has its own environment and so its own state.

use std::cell::OnceCell;

use napi::sys::{napi_env, napi_ref, napi_value};

use crate::sys::napi_raw::{self, JsResult, Pending};

pub struct State {
  pub runtime_error: napi_ref,
  pub compile_error: napi_ref,
  pub link_error: napi_ref,
  /// `(nf, name, signature, anchor) => exported function`: the WebIDL-facing wrapper.
  pub make_exported_function: napi_ref,
  /// `(object, anchor)`: `object` keeps `anchor` alive (a Global or Table holding externrefs).
  pub keep_anchor: napi_ref,
  /// ToBigInt64 of the JS API spec, as a JS function (it needs ToPrimitive).
  pub to_bigint64: napi_ref,
  /// `(value, count) => array`: iterates a multi-value import result, TypeError on a mismatch.
  pub results_from_iterable: napi_ref,
  /// `() => blank object` of each class, for objects an instance exports.
  pub make_memory: napi_ref,
  pub make_table: napi_ref,
  pub make_global: napi_ref,
  pub make_tag: napi_ref,
  /// `(tag, payload) => WebAssembly.Exception`, for exceptions that leave wasm.
  pub make_exception: napi_ref,
  /// `value => [tag, payload] | undefined`: a `WebAssembly.Exception`'s tag and payload.
  pub exception_parts: napi_ref,
  /// The slots of numeric calls (api/bridge/raw_call.rs).
  pub call_slots: napi_raw::Slots,
}

thread_local! {
  static STATE: OnceCell<State> = const { OnceCell::new() };
}

pub fn set(state: State) -> bool {
  STATE.with(|s| s.set(state).is_ok())
}

/// Runs `f` with this environment's state; throws if index.js never called init.
pub fn with<R>(env: napi_env, f: impl FnOnce(&State) -> JsResult<R>) -> JsResult<R> {
  STATE.with(|s| match s.get() {
    Some(state) => f(state),
    None => Err(napi_raw::throw_error(env, "wasm-rt: native layer used before init")),
  })
}

pub fn get(env: napi_env, r: fn(&State) -> napi_ref) -> JsResult<napi_value> {
  with(env, |s| napi_raw::ref_value(env, r(s)).ok_or_else(|| napi_raw::throw_error(env, "wasm-rt: a JS helper of the native layer was collected")))
}

/// Throws `new Ctor(message)` for one of the spec's error classes.
pub fn throw_class(env: napi_env, class: fn(&State) -> napi_ref, message: &str) -> Pending {
  let build = || -> JsResult<napi_value> {
    let ctor = get(env, class)?;
    let msg = napi_raw::string(env, message)?;
    napi_raw::new_instance(env, ctor, &[msg])
  };
  match build() {
    Ok(err) => napi_raw::throw(env, err),
    Err(p) => p,
  }
}

pub fn throw_compile_error(env: napi_env, message: &str) -> Pending {
  throw_class(env, |s| s.compile_error, message)
}

pub fn throw_link_error(env: napi_env, message: &str) -> Pending {
  throw_class(env, |s| s.link_error, message)
}

pub fn throw_runtime_error(env: napi_env, message: &str) -> Pending {
  throw_class(env, |s| s.runtime_error, message)
}
