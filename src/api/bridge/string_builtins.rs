//! The JS String Builtins that are cheap to answer without calling JS (`test`, `cast`,
//! `length`), as typed host functions: no JS call, no dynamic trampoline, no argument vector.
//! lib/js-string.js marks its JS functions for these three; an import given one of them is
//! linked here instead. The other builtins stay JS functions: answering them from native code
//! would copy the string's characters.

use std::rc::{Rc, Weak};

use napi::sys::{self, napi_env, napi_value};
use wasmer::{AsStoreMut, ExternRef, Function, FunctionEnv, FunctionEnvMut, FunctionType, RuntimeError, StoreMut, Type};

use super::values::Slot;
use crate::runtime::group::Group;
use crate::sys::js_thread::JsThread;
use crate::sys::napi_raw::{self, JsResult, TAG_STRING_BUILTIN};

#[derive(Clone, Copy, PartialEq)]
enum Builtin {
  Test,
  Cast,
  Length,
}

/// `markStringBuiltin(fn, name)`: lib/js-string.js's function for builtin `name`.
pub fn mark(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let builtin = match napi_raw::get_string(env, args[1])?.as_str() {
    "test" => Builtin::Test,
    "cast" => Builtin::Cast,
    "length" => Builtin::Length,
    other => return Err(napi_raw::throw_type_error(env, &format!("wasm-rt: no native builtin '{other}'"))),
  };
  napi_raw::wrap(env, args[0], &TAG_STRING_BUILTIN, builtin)?;
  Ok(napi_raw::undefined(env))
}

struct Ctx {
  env: napi_env,
  /// Weak: the store owns this, and a strong Rc would keep its own store alive.
  group: Weak<Group>,
}

/// The JS value of `r`, if it is a string; called in a handle scope (`napi_raw::scoped`), which
/// the value's handle does not outlive.
fn string(ctx: &Ctx, store: &mut StoreMut<'_>, r: &Option<ExternRef>) -> Result<Option<napi_value>, RuntimeError> {
  let Some(r) = r else { return Ok(None) };
  let group = ctx.group.upgrade().ok_or_else(super::host::freed)?;
  let Some(slot) = r.downcast::<Slot>(store) else { return Ok(None) };
  let v = group.held(slot.0).map_err(|_| RuntimeError::new("wasm-rt: an externref was lost"))?;
  let is_string = napi_raw::type_of(ctx.env, v).is_ok_and(|t| t == sys::ValueType::napi_string);
  Ok(is_string.then_some(v))
}

fn illegal_cast() -> RuntimeError {
  RuntimeError::new("illegal cast")
}

/// The native function for import `v` of type `ty`, if `v` is a builtin marked here and `ty` its
/// exact type.
pub fn function(env: napi_env, group: &Rc<Group>, store: &mut StoreMut<'_>, v: napi_value, ty: &FunctionType) -> Option<Function> {
  let builtin = *napi_raw::unwrap::<Builtin>(env, v, &TAG_STRING_BUILTIN)?;
  let result = if builtin == Builtin::Cast { Type::ExternRef } else { Type::I32 };
  if ty.params() != [Type::ExternRef] || ty.results() != [result] {
    return None;
  }
  let fenv = FunctionEnv::new(store, JsThread::new(Ctx { env, group: Rc::downgrade(group) }));
  Some(match builtin {
    Builtin::Test => {
      Function::new_typed_with_env(store, &fenv, |mut fe: FunctionEnvMut<'_, JsThread<Ctx>>, r: Option<ExternRef>| -> Result<i32, RuntimeError> {
        let (ctx, mut store) = fe.data_and_store_mut();
        napi_raw::scoped(ctx.env, || Ok(string(ctx, &mut store.as_store_mut(), &r)?.is_some() as i32))
      })
    }
    Builtin::Cast => {
      Function::new_typed_with_env(store, &fenv, |mut fe: FunctionEnvMut<'_, JsThread<Ctx>>, r: Option<ExternRef>| -> Result<Option<ExternRef>, RuntimeError> {
        let (ctx, mut store) = fe.data_and_store_mut();
        napi_raw::scoped(ctx.env, || string(ctx, &mut store.as_store_mut(), &r)?.ok_or_else(illegal_cast))?;
        Ok(r)
      })
    }
    Builtin::Length => {
      Function::new_typed_with_env(store, &fenv, |mut fe: FunctionEnvMut<'_, JsThread<Ctx>>, r: Option<ExternRef>| -> Result<i32, RuntimeError> {
        let (ctx, mut store) = fe.data_and_store_mut();
        napi_raw::scoped(ctx.env, || {
          let s = string(ctx, &mut store.as_store_mut(), &r)?.ok_or_else(illegal_cast)?;
          Ok(napi_raw::utf16_length(ctx.env, s) as i32)
        })
      })
    }
  })
}
