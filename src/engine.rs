//! One wasmer engine per compiler, shared by every store of the process.

use std::cell::RefCell;
use std::ptr::NonNull;
use std::sync::RwLock;

use wasmer::sys::{BaseTunables, CompilerConfig, Cranelift, EngineBuilder, NativeEngineExt, Singlepass, Tunables};
use wasmer::{AsStoreMut, Engine, Memory, MemoryType, TableType};
use wasmer_vm::{LinearMemory, MemoryError, MemoryStyle, TableStyle, VMMemory, VMMemoryDefinition, VMSharedMemory, VMTable, VMTableDefinition};

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

/// Each compiler gets every wasm feature it supports on this target, so that a module using
/// one it lacks fails to compile with a CompileError naming that feature.
fn build(compiler: Compiler) -> Engine {
  fn with<C: CompilerConfig + 'static>(config: C) -> Engine {
    let target = wasmer::sys::Target::default();
    let features = config.supported_features_for_target(&target);
    let mut engine: Engine = EngineBuilder::new(config).set_features(Some(features)).engine().into();
    engine.set_tunables(Linking(BaseTunables::default()));
    engine
  }
  match compiler {
    Compiler::Cranelift => with(Cranelift::new()),
    // wasmer's singlepass canonicalizes NaNs by default; the spec lets NaN bits vary, V8 and
    // wasmer's cranelift leave them, and the check costs float-heavy code (measured below).
    Compiler::Singlepass => with({
      let mut config = Singlepass::new();
      config.canonicalize_nans(false);
      config
    }),
  }
}

static ENGINES: RwLock<[Option<Engine>; 2]> = RwLock::new([None, None]);

fn slot(compiler: Compiler) -> usize {
  match compiler {
    Compiler::Cranelift => 0,
    Compiler::Singlepass => 1,
  }
}

/// The engine of `compiler` (an `Arc` inside: cloning is cheap).
pub fn engine(compiler: Compiler) -> Engine {
  if let Some(e) = &ENGINES.read().unwrap_or_else(|e| e.into_inner())[slot(compiler)] {
    return e.clone();
  }
  let mut engines = ENGINES.write().unwrap_or_else(|e| e.into_inner());
  engines[slot(compiler)].get_or_insert_with(|| build(compiler)).clone()
}

/// Puts a fresh engine in place of one a compiler panic left unusable: wasmer compiles while
/// holding the engine's lock, and a panic poisons it for every later compile. Stores made before
/// keep the old engine; what they already run keeps working.
pub fn renew(compiler: Compiler) {
  ENGINES.write().unwrap_or_else(|e| e.into_inner())[slot(compiler)] = Some(build(compiler));
}

thread_local! {
  static ATTACHING: RefCell<Option<VMSharedMemory>> = const { RefCell::new(None) };
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
    unsafe { self.0.create_vm_memory(ty, style, location) }
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
  let mut t = *ty;
  t.maximum = Some(t.maximum.map_or(TABLE_SIZE_LIMIT, |m| m.min(TABLE_SIZE_LIMIT)).max(t.minimum));
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
