//! Limits on running wasm: a deadline per call, fuel, and caps on the memories and tables an
//! instance defines. The JS side is lib/limits.js.
//!
//! - instrument.rs: the checks compiled into a module (engine::Checks) so that it can be stopped,
//!   and fuel.
//! - watchdog.rs: who sets the flags (deadlines; worker termination).
//! - here: the hidden exports of an instance, and the settings of a limited instance.

pub mod instrument;
pub mod watchdog;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use napi::sys::{self, napi_env, napi_value};
use wasmer::{AsStoreMut, Extern, Function, Global, Instance, StoreMut, Value};

use crate::runtime::engine::Caps;
use crate::sys::napi_raw::{self, JsResult};
use instrument::{FLAG_EXPORT, FUEL_EXPORT, FUEL_OUT_EXPORT, FUNCTION_EXPORT, HIDDEN_PREFIX, START_EXPORT};

/// Whether an export is wasm-rt's own, never shown to JS.
pub fn is_hidden(name: &str) -> bool {
  name.starts_with(HIDDEN_PREFIX)
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
  /// Its code carries the checks a deadline needs.
  pub stoppable: bool,
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

/// The address of a global's value, for the watchdog.
fn global_address(store: &mut StoreMut<'_>, global: Option<&Global>) -> usize {
  match global.map(|g| Extern::Global(g.clone()).to_vm_extern().unwrap_sys()) {
    Some(wasmer_vm::VMExtern::Global(h)) => h.get(store.objects_mut().as_sys()).vmglobal().as_ptr() as usize,
    _ => 0,
  }
}

/// A store's limited instances: (function context, limits).
type StoreLimits = Vec<(usize, Rc<InstanceLimits>)>;

thread_local! {
  /// The limits of this thread's limited instances, by store id.
  static BY_CONTEXT: RefCell<HashMap<u64, StoreLimits>> = RefCell::new(HashMap::new());
}

/// The limits of the instance that defines `f`, whatever path brought `f` to JS: an export, a
/// table, a funcref result or argument, another instance's re-export.
pub fn of_function(store: &mut StoreMut<'_>, f: &Function) -> Option<Rc<InstanceLimits>> {
  let id = store.objects_mut().id().as_raw().get() as u64;
  BY_CONTEXT.with(|m| {
    let m = m.borrow();
    let list = m.get(&id)?;
    let context = crate::sys::vm::function_context(store, f);
    list.iter().find(|(c, _)| *c == context).map(|(_, l)| l.clone())
  })
}

/// Forgets what is known of a store about to drop (its limits, the watchdog's flags).
pub fn forget_store(id: u64) {
  // try_with: a store may drop while the thread ends (see reclaim.rs).
  let _ = BY_CONTEXT.try_with(|m| m.borrow_mut().remove(&id));
  watchdog::forget_store(id);
}

/// What instrument.rs exported from an instance: its flags are registered with the watchdog, its
/// fuel set (all of it when `fuel` is None), its limits recorded for its functions, and its start
/// function returned to be run.
pub fn settle(store: &mut StoreMut<'_>, instance: &Instance, options: &Options) -> (Rc<InstanceLimits>, Option<Function>) {
  let id = store.objects_mut().id().as_raw().get() as u64;
  let stop = global_address(store, instance.exports.get_global(FLAG_EXPORT).ok());
  let fuel_out = global_address(store, instance.exports.get_global(FUEL_OUT_EXPORT).ok());
  if stop != 0 {
    watchdog::add_flags(id, stop, fuel_out);
  }
  let fuel = instance.exports.get_global(FUEL_EXPORT).ok().cloned();
  let limits = Rc::new(InstanceLimits { timeout_ms: Cell::new(options.timeout_ms), stoppable: stop != 0, fuel });
  limits.set_fuel(store, options.fuel.unwrap_or(u64::MAX));
  if let Ok(f) = instance.exports.get_function(FUNCTION_EXPORT) {
    let context = crate::sys::vm::function_context(store, f);
    BY_CONTEXT.with(|m| m.borrow_mut().entry(id).or_default().push((context, limits.clone())));
  }
  let start = instance.exports.get_function(START_EXPORT).ok().cloned();
  (limits, start)
}
