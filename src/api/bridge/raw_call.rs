//! The allocation-free call path for exported functions whose parameters and result are numbers.
//!
//! wasmer's generic `Function::call` clones the signature twice and allocates four vectors per
//! call, which made `add(i32, i32)` cost ~380 ns against ~110 ns for `nop()`. Its
//! `TypedFunction::call` allocates nothing, but needs the signature as Rust types. That call
//! writes every argument into a 16-byte `RawValue` slot and the function's own trampoline reads
//! each slot as its declared type, so one typed shape per arity serves every numeric signature:
//! all slots are passed as i64 (i32 and f32 in the low 32 bits, f64 as its bits), and the result
//! slot is read back as i64 and narrowed by the declared result type.

use std::mem::{align_of, size_of};

use napi::sys::{napi_env, napi_value};
use wasmer::{Function, RuntimeError, StoreMut, Type, TypedFunction, WasmTypeList};

use crate::sys::napi_raw::{self, JsResult};

/// The most parameters the fast path takes; longer signatures use the generic call.
pub const MAX_ARITY: usize = 8;

pub type RawCall = for<'a, 'b> fn(&Function, &mut StoreMut<'a>, &'b [i64; MAX_ARITY]) -> Result<i64, RuntimeError>;

// `TypedFunction` is a `Function` plus a zero-sized marker; equal size puts the function at
// offset 0, which is what `as_typed` relies on.
const _: () = assert!(size_of::<TypedFunction<(i64, i64), i64>>() == size_of::<Function>());
const _: () = assert!(align_of::<TypedFunction<(i64, i64), i64>>() == align_of::<Function>());

/// # Safety
/// `f` must take as many parameters as `Args` has and return as many results as `R`, all of
/// them numbers (i32, i64, f32, f64).
unsafe fn as_typed<Args: WasmTypeList, R: WasmTypeList>(f: &Function) -> &TypedFunction<Args, R> {
  // SAFETY: `TypedFunction<Args, R>` is a `Function` and a zero-sized marker, of equal size and alignment (asserted above); the caller vouches for the signature.
  unsafe { &*(f as *const Function).cast::<TypedFunction<Args, R>>() }
}

trait RawResult: WasmTypeList {
  fn raw(self) -> i64;
}

impl RawResult for () {
  fn raw(self) -> i64 {
    0
  }
}

impl RawResult for i64 {
  fn raw(self) -> i64 {
    self
  }
}

macro_rules! arity {
  ($name:ident, $args:ty $(, $i:tt)*) => {
    #[allow(unused_variables)] // call0 reads no slot
    fn $name<R: RawResult>(f: &Function, store: &mut StoreMut<'_>, a: &[i64; MAX_ARITY]) -> Result<i64, RuntimeError> {
      // SAFETY: `select` picks this shape only for a numeric signature of this arity.
      let typed = unsafe { as_typed::<$args, R>(f) };
      typed.call(store, $(a[$i]),*).map(RawResult::raw)
    }
  };
}

arity!(call0, ());
arity!(call1, i64, 0);
arity!(call2, (i64, i64), 0, 1);
arity!(call3, (i64, i64, i64), 0, 1, 2);
arity!(call4, (i64, i64, i64, i64), 0, 1, 2, 3);
arity!(call5, (i64, i64, i64, i64, i64), 0, 1, 2, 3, 4);
arity!(call6, (i64, i64, i64, i64, i64, i64), 0, 1, 2, 3, 4, 5);
arity!(call7, (i64, i64, i64, i64, i64, i64, i64), 0, 1, 2, 3, 4, 5, 6);
arity!(call8, (i64, i64, i64, i64, i64, i64, i64, i64), 0, 1, 2, 3, 4, 5, 6, 7);

const fn is_number(t: &Type) -> bool {
  matches!(t, Type::I32 | Type::I64 | Type::F32 | Type::F64)
}

/// The fast path for this signature, if it has one.
pub fn select(params: &[Type], results: &[Type]) -> Option<RawCall> {
  if results.len() > 1 || !params.iter().chain(results).all(is_number) {
    return None;
  }
  let one = results.len() == 1;
  macro_rules! pick {
    ($f:ident) => {
      if one {
        $f::<i64> as RawCall
      } else {
        $f::<()> as RawCall
      }
    };
  }
  Some(match params.len() {
    0 => pick!(call0),
    1 => pick!(call1),
    2 => pick!(call2),
    3 => pick!(call3),
    4 => pick!(call4),
    5 => pick!(call5),
    6 => pick!(call6),
    7 => pick!(call7),
    8 => pick!(call8),
    _ => return None,
  })
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
