//! Host functions: the wasm → JS call path, for JS functions given as imports and for exported
//! functions of another link group (a proxy that calls their JS wrapper).

use std::rc::{Rc, Weak};

use napi::sys::{napi_env, napi_ref, napi_value};
use wasmer::{AsStoreMut, Function, FunctionEnv, FunctionEnvMut, FunctionType, RuntimeError, StoreMut, Type, Value};

use super::errors::{pending_to_runtime, raise_pending, Raised};
use super::func_data::FuncData;
use super::values;
use super::{catchable, typed_host};
use crate::runtime::group::Group;
use crate::runtime::state;
use crate::sys::js_thread::JsThread;
use crate::sys::napi_raw::{self, JsResult};

struct HostFn {
  env: napi_env,
  /// Weak: the store owns this closure, and a strong Rc would keep its own store alive.
  group: Weak<Group>,
  /// A weak reference to the callable, which the group's anchor keeps alive (see group.rs):
  /// reading it costs less than a lookup in the anchor.
  callable: napi_ref,
  results: Box<[Type]>,
  /// v128 (and exnref) have no JS value: such an import throws TypeError without calling JS.
  unrepresentable: bool,
  /// Where a JS exception goes when the import is linked through catchable.rs's wrapper.
  thrown: Option<catchable::Thrown>,
  /// The results that refuse null (non_null.rs).
  non_null: u64,
}

impl Drop for HostFn {
  fn drop(&mut self) {
    napi_raw::delete_ref(self.env, self.callable);
  }
}

/// A wasm function of type `ty` that calls the JS `callable`; `thrown` for an import of a
/// module that handles exceptions, which instance.rs links through catchable.rs's wrapper;
/// `non_null` marks the results that refuse null.
pub fn host_function(
  env: napi_env,
  group: &Rc<Group>,
  store: &mut StoreMut<'_>,
  callable: napi_value,
  ty: FunctionType,
  thrown: Option<catchable::Thrown>,
  non_null: u64,
) -> JsResult<Function> {
  let h = HostFn {
    env,
    group: Rc::downgrade(group),
    callable: {
      group.hold(callable)?;
      napi_raw::create_ref(env, callable, 0)?
    },
    results: ty.results().into(),
    unrepresentable: ty.params().iter().chain(ty.results()).any(|t| matches!(t, Type::V128 | Type::ExceptionRef)),
    thrown,
    non_null,
  };
  if h.thrown.is_none() && typed_host::eligible(group.compiler(), ty.params(), ty.results()) {
    return Ok(typed_host::function(store, h, ty.params(), ty.results()));
  }
  let h = JsThread::new(h);
  let fenv = FunctionEnv::new(store, ());
  Ok(Function::new_with_env(store, &fenv, ty, move |mut fe: FunctionEnvMut<'_, ()>, args: &[Value]| call_js(&h, &mut fe.as_store_mut(), args)))
}

/// Links an exported function of another group into `group` (instance.rs maps the function it
/// links back to the same JS function).
pub fn proxy(
  env: napi_env,
  group: &Rc<Group>,
  store: &mut StoreMut<'_>,
  wrapper: napi_value,
  data: &FuncData,
  thrown: Option<catchable::Thrown>,
  non_null: u64,
) -> JsResult<Function> {
  host_function(env, group, store, wrapper, FunctionType::new(data.params.clone(), data.results.clone()), thrown, non_null)
}

/// A host function that calls `target`, a wasm function of the same store, with the values it
/// is given, bit for bit (no JS on the way). For the imports singlepass code calls wrongly
/// (api/instance.rs): wasmer's calls into host functions pass every argument right.
pub fn forwarder(store: &mut StoreMut<'_>, target: Function) -> Function {
  let ty = target.ty(store);
  let fenv = FunctionEnv::new(store, ());
  Function::new_with_env(store, &fenv, ty, move |mut fe: FunctionEnvMut<'_, ()>, args: &[Value]| target.call(&mut fe.as_store_mut(), args).map(Vec::from))
}

/// An import's results after the JS-visible coercions, before they become wasm values.
enum Coerced {
  None,
  One(napi_value),
  Many(Vec<napi_value>),
}

fn call_js(h: &HostFn, store: &mut StoreMut<'_>, args: &[Value]) -> Result<Vec<Value>, RuntimeError> {
  let env = h.env;
  let group = h.group.upgrade().ok_or_else(freed)?;
  if h.unrepresentable {
    return napi_raw::scoped(env, || {
      napi_raw::throw_type_error(env, "type incompatibility when transforming from/to JS");
      raise(h, &group, store)
    });
  }
  crate::api::memory::sync_buffers();
  let run = |store: &mut StoreMut<'_>| -> JsResult<Vec<Value>> {
    // Up to eight arguments live on the stack: most imports take few, and this path is hot.
    let mut small = [std::ptr::null_mut(); 8];
    let mut large = Vec::new();
    let js_args: &mut [napi_value] = if args.len() <= small.len() {
      &mut small[..args.len()]
    } else {
      large.resize(args.len(), std::ptr::null_mut());
      &mut large
    };
    for (slot, a) in js_args.iter_mut().zip(args) {
      *slot = values::to_js(env, &group, store, a)?;
    }
    let js_args = &*js_args;
    let coerced = group.lend(store, || {
      call_callable(h, js_args, |ret| {
        let coerce = |i: usize, v: napi_value| -> JsResult<napi_value> {
          if i < 64 && h.non_null >> i & 1 == 1 && napi_raw::type_of(env, v)? == napi::sys::ValueType::napi_null {
            return Err(napi_raw::throw_type_error(env, "type incompatibility when transforming from/to JS"));
          }
          values::coerce(env, h.results[i], v)
        };
        match h.results.len() {
          0 => Ok(Coerced::None),
          1 => Ok(Coerced::One(coerce(0, ret)?)),
          n => {
            let to_list = state::get(env, |s| s.results_from_iterable)?;
            let list = napi_raw::call(env, napi_raw::undefined(env), to_list, &[ret, napi_raw::uint32(env, n as u32)?])?;
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
              out.push(coerce(i, napi_raw::get_element(env, list, i as u32)?)?);
            }
            Ok(Coerced::Many(out))
          }
        }
      })
    })?;
    match coerced {
      Coerced::None => Ok(Vec::new()),
      Coerced::One(v) => Ok(vec![values::from_js(env, &group, store, h.results[0], v)?]),
      Coerced::Many(list) => {
        let mut results = Vec::with_capacity(list.len());
        for (ty, v) in h.results.iter().zip(list) {
          results.push(values::from_js(env, &group, store, *ty, v)?);
        }
        Ok(results)
      }
    }
  };
  napi_raw::scoped(env, || run(store).or_else(|_| raise(h, &group, store)))
}

pub(super) fn freed() -> RuntimeError {
  RuntimeError::new("wasm-rt: import called after its instance was freed")
}

/// Calls the import's JS function with `args` and hands its return value to `coerce`. The caller
/// lends the store (`Group::lend`): the call and the coercion may run user code that re-enters
/// it, and that must not inherit the caps of an instantiation whose start function is running.
fn call_callable<T>(h: &HostFn, args: &[napi_value], coerce: impl FnOnce(napi_value) -> JsResult<T>) -> JsResult<T> {
  let env = h.env;
  crate::runtime::engine::with_caps(crate::runtime::engine::Caps::default(), || {
    let f = napi_raw::ref_value(env, h.callable).ok_or_else(|| napi_raw::throw_error(env, "wasm-rt: an import was collected"))?;
    let ret = napi_raw::call(env, napi_raw::undefined(env), f, args)?;
    coerce(ret)
  })
}

impl typed_host::Callee for HostFn {
  /// The typed path's call: `args` makes the JS arguments inside the call's handle scope, `R`
  /// coerces and reads the result. A JS exception travels as a trap, as in `raise` without the
  /// catchable wrapper (typed functions serve only imports of modules without it).
  fn call<R, const N: usize>(
    &self,
    store: &mut StoreMut<'_>,
    args: impl FnOnce(napi_env) -> JsResult<[napi_value; N]>,
    result: impl FnOnce(napi_env, napi_value) -> JsResult<R>,
  ) -> Result<R, RuntimeError> {
    let env = self.env;
    let group = self.group.upgrade().ok_or_else(freed)?;
    crate::api::memory::sync_buffers();
    let run = || -> JsResult<R> {
      let js_args = args(env)?;
      group.lend(store, || call_callable(self, &js_args, |ret| result(env, ret)))
    };
    napi_raw::scoped(env, || run().map_err(|_| pending_to_runtime(env)))
  }
}

/// Raises the import's pending JS exception in wasm (errors.rs).
fn raise(h: &HostFn, group: &Rc<Group>, store: &mut StoreMut<'_>) -> Result<Vec<Value>, RuntimeError> {
  // Without the wrapper nothing could catch a wasm exception, and the unwinder must not search
  // for a handler from a dynamic host function (catchable.rs): the value travels as a trap.
  let Some(thrown) = h.thrown.as_ref().filter(|t| t.linked()) else { return Err(pending_to_runtime(h.env)) };
  match raise_pending(h.env, group, store) {
    Raised::Exception(exn) => Ok(catchable::leave(thrown, exn, &h.results)),
    Raised::Trap(trap) => Err(trap),
  }
}
