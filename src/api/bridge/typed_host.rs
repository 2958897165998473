//! Host functions of numeric signatures as wasmer's typed functions, one per signature: wasm
//! calls them with its own calling convention, where a dynamic function takes its arguments as a
//! vector and returns a vector (two allocations per call, and a third here).

use napi::sys::{napi_env, napi_value};
use wasmer::{AsStoreMut, FromToNativeWasmType, Function, FunctionEnv, FunctionEnvMut, RuntimeError, StoreMut, Type, WasmTypeList};

use crate::api::bridge::values;
use crate::runtime::engine::Compiler;
use crate::sys::js_thread::JsThread;
use crate::sys::napi_raw::{self, JsResult};

/// Signatures with up to three parameters of any number type (4^n per arity are compiled in),
/// and up to eight of type i32, the common shape of longer imports (Emscripten's `invoke_*`).
const ANY_ARITY: usize = 3;
const I32_ARITY: usize = 8;

/// Whether an import of this signature, in a store of `compiler`, is linked as a typed function.
/// wasmer 7.4.2's singlepass code reads a float result of a typed (static) host function wrongly
/// (and passes some float arguments to static imports wrongly, see api/instance.rs): on singlepass
/// only signatures without floats are typed.
pub fn eligible(compiler: Compiler, params: &[Type], results: &[Type]) -> bool {
  let number = |t: &Type| matches!(t, Type::I32 | Type::I64 | Type::F32 | Type::F64);
  let float = |t: &Type| matches!(t, Type::F32 | Type::F64);
  let shape = params.len() <= ANY_ARITY || params.len() <= I32_ARITY && params.iter().all(|t| *t == Type::I32);
  let compiled = compiler != Compiler::Singlepass || !params.iter().chain(results).any(float);
  shape && compiled && results.len() <= 1 && params.iter().chain(results).all(number)
}

trait Num: FromToNativeWasmType + Copy + Send + Sync + 'static {
  const TYPE: Type;
  fn to_js(self, env: napi_env) -> JsResult<napi_value>;
  /// Reads a value that `values::coerce` made a number (or a BigInt for i64).
  fn read(env: napi_env, v: napi_value) -> JsResult<Self>;
  /// The value of a JS return value that is a Number already, which needs no coercion (most
  /// results); None for anything else.
  fn number(_env: napi_env, _v: napi_value) -> Option<Self> {
    None
  }
}

impl Num for i32 {
  const TYPE: Type = Type::I32;
  fn to_js(self, env: napi_env) -> JsResult<napi_value> {
    napi_raw::int32(env, self)
  }
  fn read(env: napi_env, v: napi_value) -> JsResult<Self> {
    napi_raw::get_i32(env, v)
  }
  fn number(env: napi_env, v: napi_value) -> Option<Self> {
    napi_raw::number_i32(env, v)
  }
}

impl Num for i64 {
  const TYPE: Type = Type::I64;
  fn to_js(self, env: napi_env) -> JsResult<napi_value> {
    napi_raw::bigint_i64(env, self)
  }
  fn read(env: napi_env, v: napi_value) -> JsResult<Self> {
    napi_raw::get_bigint_i64(env, v)
  }
}

impl Num for f32 {
  const TYPE: Type = Type::F32;
  fn to_js(self, env: napi_env) -> JsResult<napi_value> {
    napi_raw::double(env, self as f64)
  }
  fn read(env: napi_env, v: napi_value) -> JsResult<Self> {
    Ok(napi_raw::get_f64(env, v)? as f32)
  }
  fn number(env: napi_env, v: napi_value) -> Option<Self> {
    napi_raw::number_f64(env, v).map(|n| n as f32)
  }
}

impl Num for f64 {
  const TYPE: Type = Type::F64;
  fn to_js(self, env: napi_env) -> JsResult<napi_value> {
    napi_raw::double(env, self)
  }
  fn read(env: napi_env, v: napi_value) -> JsResult<Self> {
    napi_raw::get_f64(env, v)
  }
  fn number(env: napi_env, v: napi_value) -> Option<Self> {
    napi_raw::number_f64(env, v)
  }
}

/// An import's result: none, or one number coerced from the JS return value.
trait NumResult: WasmTypeList + Send + 'static {
  fn from_return(env: napi_env, ret: napi_value) -> JsResult<Self>;
}

impl NumResult for () {
  fn from_return(_: napi_env, _: napi_value) -> JsResult<Self> {
    Ok(())
  }
}

impl<T: Num> NumResult for T {
  fn from_return(env: napi_env, ret: napi_value) -> JsResult<Self> {
    match T::number(env, ret) {
      Some(n) => Ok(n),
      None => T::read(env, values::coerce(env, T::TYPE, ret)?),
    }
  }
}

/// What a typed function calls: host.rs's JS call, which `args` gives its arguments (made in the
/// call's handle scope) and `result` reads the JS return value for.
pub trait Callee: 'static {
  fn call<R, const N: usize>(
    &self,
    store: &mut StoreMut<'_>,
    args: impl FnOnce(napi_env) -> JsResult<[napi_value; N]>,
    result: impl FnOnce(napi_env, napi_value) -> JsResult<R>,
  ) -> Result<R, RuntimeError>;
}

trait NumParams {
  fn function<R: NumResult, Host: Callee>(store: &mut StoreMut<'_>, h: Host) -> Function;
}

macro_rules! params {
  ($n:literal $(, $t:ident $a:ident)*) => {
    impl<$($t: Num),*> NumParams for ($($t,)*) {
      fn function<R: NumResult, Host: Callee>(store: &mut StoreMut<'_>, h: Host) -> Function {
        let h = JsThread::new(h);
        let fenv = FunctionEnv::new(store, ());
        Function::new_typed_with_env(store, &fenv, move |mut fe: FunctionEnvMut<'_, ()>, $($a: $t),*| -> Result<R, RuntimeError> {
          h.call(&mut fe.as_store_mut(), |_env| -> JsResult<[napi_value; $n]> { Ok([$($a.to_js(_env)?),*]) }, R::from_return)
        })
      }
    }
  };
}

params!(0);
params!(1, A a);
params!(2, A a, B b);
params!(3, A a, B b, C c);
params!(4, A a, B b, C c, D d);
params!(5, A a, B b, C c, D d, E e);
params!(6, A a, B b, C c, D d, E e, F f);
params!(7, A a, B b, C c, D d, E e, F f, G g);
params!(8, A a, B b, C c, D d, E e, F f, G g, H h_);

fn with_result<P: NumParams, Host: Callee>(store: &mut StoreMut<'_>, h: Host, results: &[Type]) -> Function {
  match results.first() {
    None => P::function::<(), Host>(store, h),
    Some(Type::I32) => P::function::<i32, Host>(store, h),
    Some(Type::I64) => P::function::<i64, Host>(store, h),
    Some(Type::F32) => P::function::<f32, Host>(store, h),
    Some(_) => P::function::<f64, Host>(store, h),
  }
}

// Picks the parameter types one at a time, accumulating them as a tuple type.
macro_rules! pick {
  ($store:ident, $h:ident, $results:ident, [] $(, $acc:ty)*) => {
    with_result::<($($acc,)*), Host>($store, $h, $results)
  };
  ($store:ident, $h:ident, $results:ident, [$first:expr $(, $rest:expr)*] $(, $acc:ty)*) => {
    match $first {
      Type::I32 => pick!($store, $h, $results, [$($rest),*] $(, $acc)*, i32),
      Type::I64 => pick!($store, $h, $results, [$($rest),*] $(, $acc)*, i64),
      Type::F32 => pick!($store, $h, $results, [$($rest),*] $(, $acc)*, f32),
      _ => pick!($store, $h, $results, [$($rest),*] $(, $acc)*, f64),
    }
  };
}

/// The typed function for an `eligible` signature.
pub fn function<Host: Callee>(store: &mut StoreMut<'_>, h: Host, params: &[Type], results: &[Type]) -> Function {
  match *params {
    [] => pick!(store, h, results, []),
    [a] => pick!(store, h, results, [a]),
    [a, b] => pick!(store, h, results, [a, b]),
    [a, b, c] => pick!(store, h, results, [a, b, c]),
    [_, _, _, _] => with_result::<(i32, i32, i32, i32), Host>(store, h, results),
    [_, _, _, _, _] => with_result::<(i32, i32, i32, i32, i32), Host>(store, h, results),
    [_, _, _, _, _, _] => with_result::<(i32, i32, i32, i32, i32, i32), Host>(store, h, results),
    [_, _, _, _, _, _, _] => with_result::<(i32, i32, i32, i32, i32, i32, i32), Host>(store, h, results),
    [_, _, _, _, _, _, _, _] => with_result::<(i32, i32, i32, i32, i32, i32, i32, i32), Host>(store, h, results),
    _ => unreachable!("`eligible` admits at most {I32_ARITY} parameters"),
  }
}
