//! Exported functions: the JS → wasm call path.
//!
//! Each wasm function reaching JS gets one wrapper, made by lib/functions.js (WebIDL argument
//! conversion, `name`, `length`, not a constructor), which calls a raw N-API function `nf` whose
//! data pointer is the `FuncData` below. A napi-rs class method costs ~5× more per call than a
//! raw function (measured, ../shared/README.md), hence raw N-API here.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::rc::Rc;

use napi::sys::{napi_env, napi_value};
use wasmer::{Function, StoreMut, Value};

use super::func_data::FuncData;
use super::raw_call::{self, Raw};
use super::{errors, values};
use crate::runtime::group::{self, Group};
use crate::runtime::state;
use crate::sys::napi_raw::{self, CallInfo, JsResult, INLINE_ARGS, TAG_FUNCTION};
use crate::sys::vm;

/// The JS function for `func`: the existing one if this wasm function already has one
/// (the spec's exported-function cache), else a new one named `index`. `non_null` marks the
/// parameters that refuse null (non_null.rs); `leaf` says that `func` calls nothing
/// (compile/leaves.rs).
pub fn wrapper(
  env: napi_env,
  group: &Rc<Group>,
  store: &mut StoreMut<'_>,
  func: Function,
  index: Option<u32>,
  non_null: u64,
  leaf: bool,
) -> JsResult<napi_value> {
  let key = group::function_key(store, &func);
  if let Some(w) = group.cached_function(key) {
    return Ok(w);
  }
  let ty = func.ty(store);
  let limits = crate::runtime::limits::of_function(store, &func);
  let raw = match raw_call::fits(ty.params(), ty.results()) {
    true => Some(Raw::new(store, &func, state::with(env, |s| Ok(s.call_slots))?, leaf)),
    false => None,
  };
  let data = FuncData { group: group.clone(), func, params: ty.params().into(), results: ty.results().into(), raw, key, limits };
  let name = index.map(|i| i.to_string()).unwrap_or_default();
  let sig = crate::compile::non_null::mark_signature(&values::signature(&data.params, &data.results), (non_null, 0));
  let data = Rc::new(data);
  // `nf` holds a count of its own: a call in progress keeps its callee alive, so the data
  // outlives the call even when the wrapper is collected during it.
  let nf = napi_raw::function_rc::<Call>(env, &name, data.clone())?;
  let make = state::get(env, |s| s.make_exported_function)?;
  let raw_flag = napi_raw::boolean(env, data.raw.is_some())?;
  let args = [nf, napi_raw::string(env, &name)?, napi_raw::string(env, &sig)?, group.anchor()?, raw_flag];
  let w = napi_raw::call(env, napi_raw::undefined(env), make, &args)?;
  napi_raw::wrap_rc(env, w, &TAG_FUNCTION, data)?;
  group.cache_function(key, w)?;
  Ok(w)
}

/// A funcref value's JS function (values.rs `to_js`): the wrapper, named by no index, of a
/// function not known to call nothing.
pub fn funcref_to_js(env: napi_env, group: &Rc<Group>, store: &mut StoreMut<'_>, func: Function) -> JsResult<napi_value> {
  wrapper(env, group, store, func, None, 0, false)
}

/// The native side of every exported function's wrapper.
struct Call;

impl napi_raw::Callback for Call {
  type Data = FuncData;
  // Numeric signatures take their arguments from the call slots, not as JS values.
  const EAGER_ARGS: bool = false;

  fn call(env: napi_env, fd: &FuncData, call: &CallInfo<'_>) -> napi_value {
    let result = match catch_unwind(AssertUnwindSafe(|| call_inner(env, fd, call))) {
      Ok(r) => r,
      Err(_) => Err(napi_raw::throw_error(env, &format!("wasm-rt: internal error during a wasm call: {}", crate::runtime::panics::last()))),
    };
    napi_raw::finish(env, result)
  }
}

fn call_inner(env: napi_env, fd: &FuncData, call: &CallInfo<'_>) -> JsResult<napi_value> {
  let group = fd.group.clone();
  let run = || match &fd.raw {
    Some(raw) => call_raw(env, fd, raw, &group),
    None => call_values(env, fd, &group, call),
  };
  let timeout = fd.limits.as_ref().and_then(|l| l.timeout_ms.get());
  if timeout.is_some() {
    return errors::with_deadline(env, timeout, run);
  }
  run()
}

/// A numeric signature: arguments from the call slots, the result into slot 0 (raw_call.rs).
fn call_raw(env: napi_env, fd: &FuncData, raw: &Raw, group: &Rc<Group>) -> JsResult<napi_value> {
  let mut slots = raw.args(&fd.params);
  group.enter(|store| {
    let may_call_host = !raw.leaf && group.may_call_host(store);
    let called = vm::raw_call(store, &raw.entry, &mut slots, may_call_host);
    crate::api::memory::sync_buffers();
    called.map_err(|e| errors::throw_runtime(env, group, store, e))?;
    raw.give_result(fd.results.first().copied(), slots[0]);
    Ok(napi_raw::undefined(env))
  })
}

fn call_values(env: napi_env, fd: &FuncData, group: &Rc<Group>, call: &CallInfo<'_>) -> JsResult<napi_value> {
  let n = fd.params.len();
  let mut inline = [ptr::null_mut(); INLINE_ARGS];
  let mut heap = Vec::new();
  let args: &mut [napi_value] = if n <= INLINE_ARGS {
    &mut inline[..n]
  } else {
    heap.resize(n, ptr::null_mut());
    &mut heap
  };
  call.args_into(args)?;
  group.enter(|store| {
    let mut params = Vec::with_capacity(n);
    for (ty, v) in fd.params.iter().zip(args.iter()) {
      params.push(values::from_js(env, group, store, *ty, *v)?);
    }
    let called = fd.func.call(store, &params);
    crate::api::memory::sync_buffers();
    let results = called.map_err(|e| errors::throw_runtime(env, group, store, e))?;
    results_to_js(env, group, store, &results)
  })
}

fn results_to_js(env: napi_env, group: &Rc<Group>, store: &mut StoreMut<'_>, results: &[Value]) -> JsResult<napi_value> {
  match results {
    [] => Ok(napi_raw::undefined(env)),
    [one] => values::to_js(env, group, store, one),
    many => {
      let arr = napi_raw::array(env, many.len())?;
      for (i, v) in many.iter().enumerate() {
        let js = values::to_js(env, group, store, v)?;
        napi_raw::set_element(env, arr, i as u32, js)?;
      }
      Ok(arr)
    }
  }
}
