//! The allocation-free call path for exported functions whose parameters and result are numbers.
//!
//! wasmer's generic `Function::call` clones the signature twice and allocates four vectors per
//! call, which made `add(i32, i32)` cost ~380 ns against ~110 ns for `nop()`. Its
//! `TypedFunction::call` allocates nothing, but needs the signature as Rust types: sys/vm.rs's
//! `raw_call` shapes pass every argument as an i64 slot, one shape per arity; this file picks the
//! shape and converts JS values to slots and back.

use napi::sys::{napi_env, napi_value};
use wasmer::Type;

use crate::sys::napi_raw::{self, JsResult};
pub use crate::sys::vm::{RawCall, RAW_MAX_ARITY as MAX_ARITY};

const fn is_number(t: &Type) -> bool {
  matches!(t, Type::I32 | Type::I64 | Type::F32 | Type::F64)
}

/// The fast path for this signature, if it has one. FuncData keeps it with its function, as
/// `RawCall`'s contract asks.
pub fn select(params: &[Type], results: &[Type]) -> Option<RawCall> {
  if results.len() > 1 || !params.iter().chain(results).all(is_number) {
    return None;
  }
  crate::sys::vm::raw_call(params.len(), results.len() == 1)
}

/// A JS argument, already coerced by the wrapper in lib/functions.js, as its raw slot.
pub fn arg(env: napi_env, ty: Type, v: napi_value) -> JsResult<i64> {
  Ok(match ty {
    Type::I32 => napi_raw::get_i32(env, v)? as i64,
    Type::I64 => napi_raw::get_bigint_i64(env, v)?,
    Type::F32 => (napi_raw::get_f64(env, v)? as f32).to_bits() as i64,
    _ => napi_raw::get_f64(env, v)?.to_bits() as i64,
  })
}

/// The result slot as the JS value of its declared type; the slot's upper bits are undefined for
/// 32-bit results.
pub fn result(env: napi_env, ty: Option<Type>, raw: i64) -> JsResult<napi_value> {
  match ty {
    None => Ok(napi_raw::undefined(env)),
    Some(Type::I32) => napi_raw::int32(env, raw as i32),
    Some(Type::I64) => napi_raw::bigint_i64(env, raw),
    Some(Type::F32) => napi_raw::double(env, f32::from_bits(raw as u32) as f64),
    Some(_) => napi_raw::double(env, f64::from_bits(raw as u64)),
  }
}
