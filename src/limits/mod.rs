//! Limits on running wasm: a deadline per call, fuel, and caps on the memories and tables an
//! instance defines. The JS side is lib/limits.js.
//!
//! - instrument.rs: what every compiled module carries (flag checks; fuel charges when metered).
//! - watchdog.rs: who sets the flags (deadlines; worker termination).
//! - here: the poll function each instance imports, the hidden exports, and the settings of a
//!   limited instance.

pub mod instrument;
pub mod watchdog;

use std::cell::Cell;

use napi::sys::{self, napi_env, napi_value};
use wasmer::{AsStoreMut, Extern, Function, FunctionEnv, FunctionEnvMut, Global, ImportType, Instance, Module, RuntimeError, StoreMut, Value};

use crate::engine::Caps;
use crate::napi_raw::{self, JsResult};
use instrument::{FLAG_EXPORT, FUEL_EXPORT, HIDDEN_PREFIX, POLL_FUEL, POLL_MODULE, START_EXPORT};

/// Whether an export is wasm-rt's own, never shown to JS.
pub fn is_hidden(name: &str) -> bool {
  name.starts_with(HIDDEN_PREFIX)
}

/// The imports JS provides: all but the poll function instrument.rs adds last.
pub fn js_imports(module: &Module) -> impl Iterator<Item = ImportType> + '_ {
  let n = module.imports().len();
  let instrumented = module.imports().last().is_some_and(|i| i.module() == POLL_MODULE);
  module.imports().take(if instrumented { n - 1 } else { n })
}

/// An exported function's index as the module's own bytes number it (before the poll import
/// moved the later ones up by one).
pub fn original_function_index(module: &Module, index: u32) -> u32 {
  let info = module.info();
  let instrumented = module.imports().last().is_some_and(|i| i.module() == POLL_MODULE);
  if instrumented && index >= info.num_imported_functions as u32 {
    index - 1
  } else {
    index
  }
}

/// The function every instance imports as its poll: stops a call whose deadline passed, whose
/// fuel ran out, or whose worker thread is being terminated.
pub fn poll_function(store: &mut StoreMut<'_>, env: napi_env) -> Function {
  let data = FunctionEnv::new(store, PollEnv(env as usize));
  Function::new_typed_with_env(store, &data, poll)
}

struct PollEnv(usize);

fn poll(env: FunctionEnvMut<'_, PollEnv>, reason: i32) -> Result<(), RuntimeError> {
  if reason == POLL_FUEL {
    return Err(RuntimeError::new("wasm-rt: out of fuel (the instance's fuel limit was reached)"));
  }
  let napi = env.data().0 as napi_env;
  match watchdog::poll(|| terminating(napi)) {
    None => Ok(()),
    Some(watchdog::Stop::Deadline(ms)) => Err(RuntimeError::new(format!("wasm-rt: deadline exceeded (the call ran longer than its timeout of {ms} ms)"))),
    Some(watchdog::Stop::Terminating) => Err(RuntimeError::new("wasm-rt: the thread is terminating")),
  }
}

/// Whether this thread's Node environment is being torn down (worker.terminate(), process.exit):
/// V8 then refuses to run JS, so a call of an empty function fails.
fn terminating(env: napi_env) -> bool {
  let Ok(probe) = crate::state::get(env, |s| s.probe) else { return false };
  let mut result = std::ptr::null_mut();
  let status = unsafe { sys::napi_call_function(env, napi_raw::undefined(env), probe, 0, std::ptr::null(), &mut result) };
  status != sys::Status::napi_ok
}

/// What `instantiate`'s options asked for.
#[derive(Clone, Copy, Default)]
pub struct Options {
  pub timeout_ms: Option<u32>,
  pub fuel: Option<u64>,
  pub caps: Caps,
}

fn optional_number(env: napi_env, obj: napi_value, name: &std::ffi::CStr) -> JsResult<Option<f64>> {
  let v = napi_raw::get_named(env, obj, name)?;
  match napi_raw::type_of(env, v)? {
    sys::ValueType::napi_undefined => Ok(None),
    _ => napi_raw::get_f64(env, v).map(Some),
  }
}

/// Reads `{ timeout, fuel, memoryLimit, tableLimit }` (numbers already checked by lib/limits.js).
pub fn options(env: napi_env, v: napi_value) -> JsResult<Options> {
  if napi_raw::type_of(env, v)? != sys::ValueType::napi_object {
    return Ok(Options::default());
  }
  let timeout_ms = optional_number(env, v, c"timeout")?.map(|t| t.clamp(0.0, u32::MAX as f64) as u32);
  let fuel = optional_number(env, v, c"fuel")?.map(|f| f.max(0.0) as u64);
  let memory_pages = optional_number(env, v, c"memoryLimit")?.map(|b| (b / 65536.0).clamp(0.0, 65536.0) as u32);
  let table_elements = optional_number(env, v, c"tableLimit")?.map(|n| n.clamp(0.0, u32::MAX as f64) as u32);
  Ok(Options { timeout_ms, fuel, caps: Caps { memory_pages, table_elements } })
}

/// The limits of one instance, shared by its exported functions.
pub struct InstanceLimits {
  pub timeout_ms: Cell<Option<u32>>,
  /// The fuel global of a metered instance.
  fuel: Option<Global>,
}

impl InstanceLimits {
  pub fn fuel(&self, store: &mut impl AsStoreMut) -> Option<u64> {
    self.fuel.as_ref().map(|g| match g.get(store) {
      Value::I64(v) => v as u64,
      _ => 0,
    })
  }

  pub fn set_fuel(&self, store: &mut impl AsStoreMut, fuel: u64) -> bool {
    match &self.fuel {
      Some(g) => g.set(store, Value::I64(fuel as i64)).is_ok(),
      None => false,
    }
  }
}

/// What instrument.rs exported from an instance: its flag is registered with the watchdog, its
/// fuel set (all of it when `fuel` is None), and its start function returned to be run.
pub fn settle(store: &mut StoreMut<'_>, instance: &Instance, options: &Options) -> (InstanceLimits, Option<Function>) {
  let flag = instance.exports.get_global(FLAG_EXPORT).ok().cloned();
  if let Some(flag) = flag {
    let store_id = store.objects_mut().id().as_raw().get() as u64;
    let addr = match Extern::Global(flag).to_vm_extern().unwrap_sys() {
      wasmer_vm::VMExtern::Global(h) => h.get(store.objects_mut().as_sys()).vmglobal().as_ptr() as usize,
      _ => 0,
    };
    if addr != 0 {
      watchdog::add_flag(store_id, addr);
    }
  }
  let fuel = instance.exports.get_global(FUEL_EXPORT).ok().cloned();
  let limits = InstanceLimits { timeout_ms: Cell::new(options.timeout_ms), fuel };
  limits.set_fuel(store, options.fuel.unwrap_or(u64::MAX));
  let start = instance.exports.get_function(START_EXPORT).ok().cloned();
  (limits, start)
}
