//! The call path for exported functions whose parameters and result are numbers.
//!
//! wasmer's generic `Function::call` clones the signature twice and allocates four vectors per
//! call, which made `add(i32, i32)` cost ~380 ns against ~110 ns for `nop()`. On this path the
//! JS wrapper (lib/functions.js) writes the coerced arguments into the environment's call slots,
//! sys/vm.rs's `raw_call` runs the function's own trampoline on them, and the result goes back
//! through slot 0: no Node-API value is read or made per argument.

use wasmer::{StoreMut, Type};

use crate::sys::napi_raw::Slots;
use crate::sys::vm::{self, RawEntry, RAW_MAX_ARITY};

const fn is_number(t: &Type) -> bool {
  matches!(t, Type::I32 | Type::I64 | Type::F32 | Type::F64)
}

/// Whether a function of this signature takes the raw path.
pub fn fits(params: &[Type], results: &[Type]) -> bool {
  params.len() <= RAW_MAX_ARITY.min(Slots::COUNT) && results.len() <= 1 && params.iter().chain(results).all(is_number)
}

/// A function's raw path: its entry and the slots of the environment its wrapper lives in.
pub struct Raw {
  pub entry: RawEntry,
  pub slots: Slots,
  /// The function calls nothing (compile/leaves.rs), so it reaches no host function.
  pub leaf: bool,
}

impl Raw {
  pub fn new(store: &mut StoreMut<'_>, func: &wasmer::Function, slots: Slots, leaf: bool) -> Self {
    Raw { entry: vm::raw_entry(store, func), slots, leaf }
  }

  /// The arguments the wrapper wrote, as the trampoline reads them: i32 in the low bits, f32 and
  /// f64 as their bits (JS writes every number as an f64), i64 as is.
  pub fn args(&self, params: &[Type]) -> [i64; RAW_MAX_ARITY] {
    let mut args = [0i64; RAW_MAX_ARITY];
    for (i, (a, ty)) in args.iter_mut().zip(params).enumerate() {
      let s = self.slots.get(i);
      *a = match ty {
        Type::F32 => (f64::from_bits(s as u64) as f32).to_bits() as i64,
        _ => s,
      };
    }
    args
  }

  /// Puts the result slot where the wrapper reads it, as the JS value's bits: an i32 in the low
  /// half (upper bits undefined), an f32 widened to an f64.
  pub fn give_result(&self, ty: Option<Type>, raw: i64) {
    match ty {
      None => {}
      Some(Type::F32) => self.slots.set(0, (f32::from_bits(raw as u32) as f64).to_bits() as i64),
      Some(_) => self.slots.set(0, raw),
    }
  }
}
