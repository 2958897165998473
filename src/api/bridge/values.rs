//! The spec's value conversions. ToWebAssemblyValue is split in two: `coerce` runs the
//! JS-visible part (ToInt32, ToNumber, ToBigInt64 — these may call user code, so they run while
//! the store is lent) and `from_js` builds the wasm value from the coerced primitive.

use std::rc::Rc;
use std::sync::OnceLock;

use napi::sys::{self, napi_env, napi_value};
use wasmer::{ExternRef, StoreMut, Type, Value};

use super::func_data;
use crate::runtime::group::{self, Group};
use crate::runtime::state;
use crate::sys::napi_raw::{self, JsResult};

/// An externref's payload: the value's slot in its group's anchor.
pub struct Slot(pub u32);

/// The JS function for a funcref value: exported.rs's `funcref_to_js`, registered once by lib.rs
/// (exported.rs converts its arguments and results with this module).
type FunctionToJs = fn(napi_env, &Rc<Group>, &mut StoreMut<'_>, wasmer::Function) -> JsResult<napi_value>;
static FUNCTION_TO_JS: OnceLock<FunctionToJs> = OnceLock::new();

pub fn on_function_to_js(f: FunctionToJs) {
  // Registered once per process; later calls (a Worker's load) set the same function.
  let _ = FUNCTION_TO_JS.set(f);
}

pub fn coerce(env: napi_env, ty: Type, v: napi_value) -> JsResult<napi_value> {
  match ty {
    Type::I32 | Type::F32 | Type::F64 => {
      // A number is its own ToNumber: no call, which is most results.
      if napi_raw::type_of(env, v)? == sys::ValueType::napi_number {
        return Ok(v);
      }
      napi_raw::coerce_to_number(env, v)
    }
    Type::I64 => {
      let f = state::get(env, |s| s.to_bigint64)?;
      napi_raw::call(env, napi_raw::undefined(env), f, &[v])
    }
    Type::V128 => Err(napi_raw::throw_type_error(env, "type incompatibility when transforming from/to JS")),
    Type::FuncRef => {
      let is_null = napi_raw::type_of(env, v)? == sys::ValueType::napi_null;
      if is_null || func_data::data_of(env, v).is_some() {
        Ok(v)
      } else {
        Err(napi_raw::throw_type_error(env, "type incompatibility when transforming from/to JS"))
      }
    }
    Type::ExternRef => Ok(v),
    Type::ExceptionRef => Err(napi_raw::throw_type_error(env, "wasm-rt: exnref values cannot cross to JS yet")),
  }
}

/// Builds a wasm value from a JS value already coerced for `ty`.
pub fn from_js(env: napi_env, group: &Rc<Group>, store: &mut StoreMut<'_>, ty: Type, v: napi_value) -> JsResult<Value> {
  Ok(match ty {
    Type::I32 => Value::I32(napi_raw::get_i32(env, v)?),
    Type::I64 => Value::I64(napi_raw::get_bigint_i64(env, v)?),
    Type::F32 => Value::F32(napi_raw::get_f64(env, v)? as f32),
    Type::F64 => Value::F64(napi_raw::get_f64(env, v)?),
    Type::ExternRef => {
      if napi_raw::type_of(env, v)? == sys::ValueType::napi_null {
        Value::ExternRef(None)
      } else {
        Value::ExternRef(Some(ExternRef::new(store, Slot(group.hold(v)?))))
      }
    }
    Type::FuncRef => match func_data::data_of(env, v) {
      None if napi_raw::type_of(env, v)? == sys::ValueType::napi_null => Value::FuncRef(None),
      None => return Err(napi_raw::throw_type_error(env, "type incompatibility when transforming from/to JS")),
      Some(data) if Rc::ptr_eq(&data.group, group) && !group::is_dynamic_function(store, &data.func) => Value::FuncRef(Some(data.func.clone())),
      Some(_) => {
        return Err(napi_raw::throw_type_error(
          env,
          "wasm-rt: this function cannot be a funcref value here: it wraps a JS function linked as a dynamic host function (an \
           import with reference or v128 types, several results, more than three parameters not all i32, or floats on singlepass), or belongs to another, unlinked instance (a wasmer limitation)",
        ))
      }
    },
    Type::V128 | Type::ExceptionRef => return Err(napi_raw::throw_type_error(env, "type incompatibility when transforming from/to JS")),
  })
}

pub fn to_js(env: napi_env, group: &Rc<Group>, store: &mut StoreMut<'_>, v: &Value) -> JsResult<napi_value> {
  match v {
    Value::I32(n) => napi_raw::int32(env, *n),
    Value::I64(n) => napi_raw::bigint_i64(env, *n),
    Value::F32(n) => napi_raw::double(env, *n as f64),
    Value::F64(n) => napi_raw::double(env, *n),
    Value::ExternRef(None) | Value::FuncRef(None) => Ok(napi_raw::null(env)),
    Value::ExternRef(Some(r)) => match r.downcast::<Slot>(store) {
      Some(slot) => group.held(slot.0),
      None => Err(napi_raw::throw_type_error(env, "wasm-rt: externref from an unknown host")),
    },
    Value::FuncRef(Some(f)) => match FUNCTION_TO_JS.get() {
      Some(wrap) => wrap(env, group, store, f.clone()),
      None => Err(napi_raw::throw_error(env, "wasm-rt: funcref values used before init")),
    },
    _ => Err(napi_raw::throw_type_error(env, "type incompatibility when transforming from/to JS")),
  }
}

/// A value type's letter in the signatures lib/functions.js and lib/tag.js read.
fn type_code(t: Type) -> char {
  match t {
    Type::I32 => 'i',
    Type::I64 => 'I',
    Type::F32 => 'f',
    Type::F64 => 'F',
    Type::V128 => 'v',
    Type::ExternRef => 'e',
    Type::FuncRef => 'r',
    Type::ExceptionRef => 'x',
  }
}

pub fn type_code_parse(c: char) -> Option<Type> {
  Some(match c {
    'i' => Type::I32,
    'I' => Type::I64,
    'f' => Type::F32,
    'F' => Type::F64,
    'v' => Type::V128,
    'e' => Type::ExternRef,
    'r' => Type::FuncRef,
    'x' => Type::ExceptionRef,
    _ => return None,
  })
}

pub fn signature(params: &[Type], results: &[Type]) -> String {
  let mut s: String = params.iter().map(|t| type_code(*t)).collect();
  s.push(':');
  s.extend(results.iter().map(|t| type_code(*t)));
  s
}

pub fn type_name(t: Type) -> &'static str {
  match t {
    Type::I32 => "i32",
    Type::I64 => "i64",
    Type::F32 => "f32",
    Type::F64 => "f64",
    Type::V128 => "v128",
    Type::ExternRef => "externref",
    Type::FuncRef => "funcref",
    Type::ExceptionRef => "exnref",
  }
}
