//! wasm-rt's native layer: registration only. The JS side (lib/) implements the WebIDL surface
//! and calls the functions registered here.

// Every unsafe block states the invariant it relies on (`// SAFETY:`), checked by clippy.
#![deny(clippy::undocumented_unsafe_blocks)]

// Layers, lowest first; each uses only those below it (checked by scripts/layers.js).
mod api;
mod compile;
mod runtime;
mod sys;
mod tools;
mod wasi;

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};

use napi::bindgen_prelude::Object;
use napi::sys::{napi_env, napi_value};
use napi::{Env, JsValue};
use napi_derive::napi;

use api::{bridge, global, instance, memory, module, shared_memory, table, tag};
use compile::{cache, tier_up};
use runtime::{limits, panics, state};
use sys::napi_raw::{self, JsResult};
use sys::reclaim;
use tools::{fuzz, wast};

type NativeFn = fn(napi_env, &[napi_value]) -> JsResult<napi_value>;

/// The most arguments a registered function reads (missing ones are undefined).
const MAX_ARGS: usize = 6;
const _: () = assert!(MAX_ARGS <= napi_raw::INLINE_ARGS);

/// Declares the experimental Node-API version, under which Node runs finalizers inside garbage
/// collection rather than later from the event loop; reclaim.rs explains why wasm-rt needs that.
#[no_mangle]
pub extern "C" fn node_api_module_get_api_version_v1() -> i32 {
  i32::MAX
}

/// The native side of every function `register` exports; the Rust function is its data.
struct Dispatch;

impl napi_raw::Callback for Dispatch {
  type Data = NativeFn;

  fn call(env: napi_env, f: &NativeFn, call: &napi_raw::CallInfo<'_>) -> napi_value {
    reclaim::drain();
    let result = match catch_unwind(AssertUnwindSafe(|| f(env, &call.args()[..MAX_ARGS]))) {
      Ok(r) => r,
      Err(_) => Err(napi_raw::throw_error(env, &format!("wasm-rt: internal error: {}", panics::last()))),
    };
    napi_raw::finish(env, result)
  }
}

/// `init(hooks)`: hands the native layer the JS pieces it throws and calls; returns the
/// ArrayBuffer of the call slots, for lib/functions.js alone.
fn init(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let hooks = args[0];
  let (call_slots, slots_buffer) = napi_raw::Slots::new(env)?;
  let r = |name: &std::ffi::CStr| -> JsResult<napi::sys::napi_ref> { napi_raw::create_ref(env, napi_raw::get_named(env, hooks, name)?, 1) };
  let s = state::State {
    runtime_error: r(c"RuntimeError")?,
    compile_error: r(c"CompileError")?,
    link_error: r(c"LinkError")?,
    make_exported_function: r(c"makeExportedFunction")?,
    keep_anchor: r(c"keepAnchor")?,
    to_bigint64: r(c"toBigInt64")?,
    results_from_iterable: r(c"resultsFromIterable")?,
    make_memory: r(c"makeMemory")?,
    make_table: r(c"makeTable")?,
    make_global: r(c"makeGlobal")?,
    make_tag: r(c"makeTag")?,
    make_exception: r(c"makeException")?,
    exception_parts: r(c"exceptionParts")?,
    call_slots,
  };
  if !state::set(s) {
    return Err(napi_raw::throw_error(env, "wasm-rt: init called twice"));
  }
  napi_raw::set_failure(r(c"failure")?);
  // A program may empty its environment before it first compiles (esbuild's service does).
  cache::read_environment();
  tier_up::read_environment();
  limits::watchdog::init_thread(napi_raw::get_f64(env, napi_raw::get_named(env, hooks, c"threadId")?)? as u64);
  extern "C" fn torn_down(_: *mut c_void) {
    limits::watchdog::forget_thread();
  }
  napi_raw::on_env_cleanup(env, torn_down)?;
  Ok(slots_buffer)
}

/// `terminateThread(threadId)`: Node is stopping that worker (lib/termination.js).
fn terminate_thread(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  // Only a worker's id: -1 (an exited worker's) cast to u64 would be 0, the main thread.
  let id = napi_raw::get_f64(env, args[0])?;
  if id >= 1.0 && id.fract() == 0.0 {
    limits::watchdog::terminate(&[id as u64]);
  }
  Ok(napi_raw::undefined(env))
}

/// `terminateWorkers()`: the process is ending, and Node stops every worker.
fn terminate_workers(env: napi_env, _: &[napi_value]) -> JsResult<napi_value> {
  limits::watchdog::terminate(&limits::watchdog::workers());
  Ok(napi_raw::undefined(env))
}

const FUNCTIONS: &[(&str, NativeFn)] = &[
  ("init", init),
  ("validate", module::validate),
  ("compile", module::compile),
  ("compileAsync", module::compile_async),
  ("moduleImports", module::imports),
  ("moduleExports", module::exports),
  ("moduleSerialize", module::serialize),
  ("moduleChecks", module::checks),
  ("moduleCompiler", module::compiler),
  ("moduleDeserialize", module::deserialize),
  ("instantiate", instance::instantiate),
  ("instanceLimits", instance::get_limits),
  ("terminateThread", terminate_thread),
  ("terminateWorkers", terminate_workers),
  ("setInstanceLimits", instance::set_limits),
  ("memoryNew", memory::create),
  ("memoryBuffer", memory::buffer),
  ("memoryGrow", memory::grow),
  ("memoryShare", memory::share),
  ("memoryFromShared", memory::from_shared),
  ("isSharedMemoryBuffer", shared_memory::is_buffer),
  ("trapError", bridge::errors::trap_error),
  ("markStringBuiltin", bridge::string_builtins::mark),
  ("sharedWait", shared_memory::wait),
  ("sharedNotify", shared_memory::notify),
  ("tableNew", table::create),
  ("tableLength", table::length),
  ("tableElement", table::element),
  ("isWasmFunction", table::is_wasm_function),
  ("tableGet", table::get),
  ("tableSet", table::set),
  ("tableGrow", table::grow),
  ("globalNew", global::create),
  ("globalType", global::describe),
  ("globalGet", global::get),
  ("globalSet", global::set),
  ("tagNew", tag::create),
  ("tagNewJS", tag::create_js_tag),
  ("tagParams", tag::params),
  ("cacheInfo", cache::info),
  ("setTierUpHelper", tier_up::set_helper),
  ("tierUpDrain", compile::tier_up_helper::drain),
  ("fuzzModule", fuzz::module),
  ("fuzzSignatures", fuzz::signatures),
  ("fuzzImports", fuzz::imports),
  ("fuzzShrink", fuzz::shrink),
  ("wastCommands", wast::script),
  ("wat", wast::wat),
  ("wasiFunctions", wasi::functions),
  ("wasiNew", wasi::create),
  ("wasiBind", wasi::bind),
  ("wasiCall", wasi::call),
  ("wasiExitCode", wasi::exit_code),
];

/// The hooks by which lower layers reach the layers above them.
fn connect_layers() {
  runtime::group::on_store_dropped(tag::store_dropped);
  limits::watchdog::on_terminate_wake(shared_memory::wake_waiters);
  instance::on_wasi_import(wasi::import_for);
  bridge::values::on_function_to_js(bridge::exported::funcref_to_js);
}

#[napi(module_exports)]
pub fn register(exports: Object, env: Env) -> napi::Result<()> {
  panics::install();
  connect_layers();
  let env = env.raw();
  for (name, f) in FUNCTIONS {
    let func = napi_raw::function_static::<Dispatch>(env, name, f).map_err(|_| napi::Error::from_reason("function"))?;
    let cname = std::ffi::CString::new(*name).map_err(|_| napi::Error::from_reason("name"))?;
    napi_raw::set_named(env, exports.raw(), &cname, func).map_err(|_| napi::Error::from_reason("export"))?;
  }
  Ok(())
}
