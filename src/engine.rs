//! One wasmer engine per compiler, shared by every store of the process.

use std::cell::RefCell;
use std::ptr::NonNull;
use std::sync::{Arc, RwLock};

use wasmer::sys::{BaseTunables, CompilerConfig, Cranelift, EngineBuilder, NativeEngineExt, Singlepass, Tunables};
use wasmer::{AsStoreMut, AsStoreRef, Engine, Memory, MemoryType, Pages, TableType};
use wasmer_vm::{LinearMemory, MemoryError, MemoryStyle, TableStyle, VMMemory, VMMemoryDefinition, VMSharedMemory, VMTable, VMTableDefinition};

use crate::limits::instrument::Instrument;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Compiler {
  Cranelift,
  Singlepass,
}

impl Compiler {
  pub fn name(self) -> &'static str {
    match self {
      Self::Cranelift => "cranelift",
      Self::Singlepass => "singlepass",
    }
  }

  pub fn parse(name: &str) -> Option<Self> {
    match name {
      "cranelift" => Some(Self::Cranelift),
      "singlepass" => Some(Self::Singlepass),
      _ => None,
    }
  }
}

/// What each compiler's engine is configured with beyond wasmer's defaults (`build`), part of
/// the code cache's key: an artifact compiled under other settings must not be found.
pub const SETTINGS: [&str; 2] = ["all supported features", "all supported features, nan canonicalization off"];

/// What a module's code carries so that it can be stopped (limits/instrument.rs): nothing (the
/// main thread's default: wasmer's middleware path makes singlepass compile ~20 % slower, and the
/// checks cost compiled code ~5 %), the checks that let a deadline or a worker's termination stop
/// it (a worker's default, and any module given a timeout), or those and fuel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Checks {
  None = 0,
  Stop = 1,
  Fuel = 2,
}

impl Checks {
  pub fn label(self) -> &'static str {
    match self {
      Self::None => "",
      Self::Stop => ", stop checks v4",
      Self::Fuel => ", stop checks v4, fuel metering v2",
    }
  }

  pub fn parse(name: &str) -> Option<Self> {
    match name {
      "none" => Some(Self::None),
      "stop" => Some(Self::Stop),
      "fuel" => Some(Self::Fuel),
      _ => None,
    }
  }

  pub fn name(self) -> &'static str {
    match self {
      Self::None => "none",
      Self::Stop => "stop",
      Self::Fuel => "fuel",
    }
  }
}

/// Each compiler gets every wasm feature it supports on this target, so that a module using
/// one it lacks fails to compile with a CompileError naming that feature; and the `checks`.
fn build(compiler: Compiler, checks: Checks) -> Engine {
  let with = |mut config: Box<dyn CompilerConfig>| -> Engine {
    if checks != Checks::None {
      config.push_middleware(Arc::new(Instrument::new(checks == Checks::Fuel)));
    }
    let target = wasmer::sys::Target::default();
    let features = config.supported_features_for_target(&target);
    let mut engine: Engine = EngineBuilder::new(config).set_features(Some(features)).engine().into();
    engine.set_tunables(Linking(BaseTunables::default()));
    engine
  };
  match compiler {
    Compiler::Cranelift => with(Box::new(Cranelift::new())),
    // wasmer's singlepass canonicalizes NaNs by default; the spec lets NaN bits vary, V8 and
    // wasmer's cranelift leave them, and the check costs float-heavy code (measured below).
    Compiler::Singlepass => with({
      let mut config = Singlepass::new();
      config.canonicalize_nans(false);
      Box::new(config)
    }),
  }
}

static ENGINES: RwLock<[Option<Engine>; 6]> = RwLock::new([None, None, None, None, None, None]);

fn slot(compiler: Compiler, checks: Checks) -> usize {
  compiler as usize + 2 * checks as usize
}

/// The engine of `compiler` (an `Arc` inside: cloning is cheap).
pub fn engine(compiler: Compiler) -> Engine {
  engine_for(compiler, Checks::None)
}

/// The engine of `compiler` that compiles in `checks`.
pub fn engine_for(compiler: Compiler, checks: Checks) -> Engine {
  if let Some(e) = &ENGINES.read().unwrap_or_else(|e| e.into_inner())[slot(compiler, checks)] {
    return e.clone();
  }
  let mut engines = ENGINES.write().unwrap_or_else(|e| e.into_inner());
  engines[slot(compiler, checks)].get_or_insert_with(|| build(compiler, checks)).clone()
}

/// Makes `module`'s function types known to the engine of `store`. wasmer looks up the type of a
/// funcref that reaches the host (`table.get`, a funcref result or global) in the registry of
/// the store's engine, and panicked ("Signature not found in store") for a module compiled by an
/// engine with checks: every module of a worker, and any limited one. The registry also refuses
/// two types of one hash, which keeps `call_indirect`'s hash check sound within the store.
pub fn register_types(store: &impl AsStoreRef, module: &wasmer::Module) {
  let store = store.as_store_ref();
  let engine = store.engine().as_sys();
  for ty in module.info().signatures.values() {
    engine.register_signature(ty);
  }
}

/// Puts a fresh engine in place of one a compiler panic left unusable: wasmer compiles while
/// holding the engine's lock, and a panic poisons it for every later compile. Stores made before
/// keep the old engine; what they already run keeps working.
pub fn renew(compiler: Compiler, checks: Checks) {
  ENGINES.write().unwrap_or_else(|e| e.into_inner())[slot(compiler, checks)] = Some(build(compiler, checks));
}

thread_local! {
  static ATTACHING: RefCell<Option<VMSharedMemory>> = const { RefCell::new(None) };
  /// The caps of the instantiation in progress on this thread (`with_caps`).
  static CAPS: std::cell::Cell<Caps> = const { std::cell::Cell::new(Caps { memory_pages: None, table_elements: None }) };
}

/// Caps on what an instance defines: its memories cannot grow past `memory_pages`, its tables
/// past `table_elements` (the maximum they are created with is held to the cap).
#[derive(Clone, Copy, Debug, Default)]
pub struct Caps {
  pub memory_pages: Option<u32>,
  pub table_elements: Option<u32>,
}

/// Runs `f` (an instantiation) with `caps` applied to the memories and tables it creates.
pub fn with_caps<R>(caps: Caps, f: impl FnOnce() -> R) -> R {
  struct Reset(Caps);
  impl Drop for Reset {
    fn drop(&mut self) {
      CAPS.with(|c| c.set(self.0));
    }
  }
  let _reset = Reset(CAPS.with(|c| c.replace(caps)));
  f()
}

fn capped_memory(ty: &MemoryType) -> MemoryType {
  let mut t = *ty;
  if let Some(cap) = CAPS.with(|c| c.get().memory_pages) {
    t.maximum = Some(Pages(t.maximum.map_or(cap, |m| m.0.min(cap)).max(t.minimum.0)));
  }
  t
}

/// wasmer's own tunables, except that a memory JS created can be put into a store: wasmer's
/// public API only creates memories, so `attach_memory` hands the existing backing to the next
/// "create a host memory" request on this thread.
struct Linking(BaseTunables);

impl Tunables for Linking {
  fn memory_style(&self, memory: &MemoryType) -> MemoryStyle {
    self.0.memory_style(memory)
  }

  fn table_style(&self, table: &TableType) -> TableStyle {
    self.0.table_style(table)
  }

  fn create_host_memory(&self, ty: &MemoryType, style: &MemoryStyle) -> Result<VMMemory, MemoryError> {
    match ATTACHING.with(|a| a.borrow_mut().take()) {
      Some(existing) => Ok(VMMemory::from(existing)),
      None => self.0.create_host_memory(ty, style),
    }
  }

  unsafe fn create_vm_memory(&self, ty: &MemoryType, style: &MemoryStyle, location: NonNull<VMMemoryDefinition>) -> Result<VMMemory, MemoryError> {
    unsafe { self.0.create_vm_memory(&capped_memory(ty), style, location) }
  }

  fn create_host_table(&self, ty: &TableType, style: &TableStyle) -> Result<VMTable, String> {
    self.0.create_host_table(&capped(ty), style)
  }

  unsafe fn create_vm_table(&self, ty: &TableType, style: &TableStyle, location: NonNull<VMTableDefinition>) -> Result<VMTable, String> {
    unsafe { self.0.create_vm_table(&capped(ty), style, location) }
  }
}

/// The largest table a JS embedding allocates (JS API, "Implementation-defined limits").
pub const TABLE_SIZE_LIMIT: u32 = 10_000_000;

/// A table's type with its maximum held to the embedding's limit. wasmer's `table.grow` checks
/// only the maximum before resizing its element vector, so a wasm `table.grow` of 2^32 - 1 on a
/// table without one aborted the process (out of memory; found by `wasm-rt fuzz`); past the
/// limit a grow now fails with -1, as on V8.
fn capped(ty: &TableType) -> TableType {
  let cap = CAPS.with(|c| c.get().table_elements).map_or(TABLE_SIZE_LIMIT, |c| c.min(TABLE_SIZE_LIMIT));
  let mut t = *ty;
  t.maximum = Some(t.maximum.map_or(cap, |m| m.min(cap)).max(t.minimum));
  t
}

/// Puts a clone of `memory`'s backing into `store`.
pub fn attach_memory(store: &mut impl AsStoreMut, memory: &VMSharedMemory) -> Result<Memory, MemoryError> {
  let ty = memory.ty();
  ATTACHING.with(|a| *a.borrow_mut() = Some(memory.clone()));
  let attached = Memory::new(store, ty);
  ATTACHING.with(|a| a.borrow_mut().take());
  attached
}
