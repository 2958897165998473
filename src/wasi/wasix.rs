//! The preview1 functions wasm-rt takes from wasmer-wasix as they are: args, environ, random
//! and sched_yield. Each is wasmer-wasix's own host function, linked in the instance's store and
//! called through a guard that answers "not started" as node:wasi does (wasmer-wasix panics when
//! called before its environment knows the instance).

use std::rc::{Rc, Weak};
use std::sync::OnceLock;

use wasmer::{AsStoreMut, Extern, Function, Imports, Instance, StoreMut};
use wasmer_wasix::{WasiEnv, WasiEnvBuilder, WasiFunctionEnv, WasiModuleInstanceHandles, WasiModuleTreeHandles, WasiVersion};

use crate::runtime::engine::{self, Compiler};
use crate::runtime::group::Group;

pub const NAMES: &[&str] = &["args_get", "args_sizes_get", "environ_get", "environ_sizes_get", "random_get", "sched_yield"];

/// wasmer-wasix needs a tokio runtime entered while it builds an environment. The functions
/// wasm-rt uses from it never wait on tokio, so one current-thread runtime, never driven,
/// serves every thread of the process and starts no thread of its own.
fn runtime() -> &'static tokio::runtime::Runtime {
  static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
  RT.get_or_init(|| tokio::runtime::Builder::new_current_thread().build().expect("a current-thread tokio runtime"))
}

/// The environment a WASI object gives the guest: exactly its args and env.
pub fn build(args: &[String], env: &[String]) -> Result<WasiEnv, String> {
  let _entered = runtime().enter();
  let mut b = WasiEnvBuilder::new("");
  *b.get_args_mut() = args.to_vec();
  for pair in env {
    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
    b.add_env(k, v);
  }
  b.set_engine(engine::store_engine(Compiler::Cranelift));
  b.build().map_err(|e| e.to_string())
}

/// The errno a wasmer-wasix function returned, in preview1's numbering: it answers an
/// out-of-bounds pointer with WASIX's EMEMVIOLATION (78), which preview1 lacks; wasm-rt's own
/// functions and node:wasi answer EOVERFLOW.
pub fn errno_of(results: &[wasmer::Value]) -> i32 {
  const MEMVIOLATION: i32 = 78;
  match results.first().and_then(wasmer::Value::i32).unwrap_or(0) {
    MEMVIOLATION => super::abi::OUT_OF_BOUNDS as i32,
    e => e,
  }
}

/// An instance whose only export is `memory`, for wasmer-wasix to serve when the guest's own
/// instance is not at hand (see `bind` in mod.rs).
pub fn memory_instance(store: &mut StoreMut<'_>, memory: wasmer::Memory) -> Result<Instance, String> {
  let ty = memory.ty(store);
  let max = ty.maximum.map(|m| m.0.to_string()).unwrap_or_default();
  let text = format!(r#"(module (import "" "memory" (memory {} {max}{})) (export "memory" (memory 0)))"#, ty.minimum.0, if ty.shared { " shared" } else { "" });
  let bytes = wat::parse_str(&text).map_err(|e| e.to_string())?;
  let module = crate::compile::pipeline::compile_internal(&bytes).map_err(|e| e.to_string())?;
  module.register(store);
  let mut imports = Imports::new();
  imports.define("", "memory", memory);
  Instance::new(store, &module, &imports).map_err(|e| e.to_string())
}

/// wasmer-wasix's functions in one group's store.
pub struct Linked {
  pub group: Weak<Group>,
  fenv: WasiFunctionEnv,
  imports: Imports,
  pub initialized: bool,
}

impl Linked {
  pub fn new(group: &Rc<Group>, store: &mut StoreMut<'_>, env: &WasiEnv) -> Self {
    let _entered = runtime().enter();
    let fenv = WasiFunctionEnv::new(store, env.clone());
    let imports = wasmer_wasix::generate_import_object_from_env(store, &fenv.env, WasiVersion::Snapshot1);
    Self { group: Rc::downgrade(group), fenv, imports, initialized: false }
  }

  pub fn function(&self, name: &str) -> Option<Function> {
    match self.imports.get_export("wasi_snapshot_preview1", name) {
      Some(Extern::Function(f)) => Some(f),
      _ => None,
    }
  }

  /// Tells wasmer-wasix which instance and memory its functions serve.
  pub fn initialize(&mut self, store: &mut impl AsStoreMut, instance: &Instance) -> Result<(), String> {
    let memory = instance.exports.get_memory("memory").map_err(|e| e.to_string())?.clone();
    let handles = WasiModuleInstanceHandles::new(memory, store, instance.clone(), None);
    self.fenv.initialize_handles_and_layout(store, instance.clone(), WasiModuleTreeHandles::Static(handles), None, false).map_err(|e| e.to_string())?;
    self.initialized = true;
    Ok(())
  }
}
