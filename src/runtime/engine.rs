//! wasmer engines: per compiler and checks, in generations that free their code (`compile`),
//! and one per compiler on which every store runs (`store_engine`).

use std::cell::RefCell;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use wasmer::sys::{BaseTunables, CompilerConfig, Cranelift, EngineBuilder, NativeEngineExt, Singlepass};
use wasmer::{AsStoreMut, AsStoreRef, Engine, Memory, MemoryType, Module, Pages, TableType};
use wasmer_vm::{LinearMemory, MemoryError, VMMemory, VMSharedMemory};

use crate::runtime::limits::instrument::Instrument;
use crate::sys::vm::{Tuned, Tuning};

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

  /// The checks that `checks as u8` wrote (code cache serialization, tier-up jobs).
  pub fn from_index(i: u64) -> Option<Self> {
    match i {
      0 => Some(Self::None),
      1 => Some(Self::Stop),
      2 => Some(Self::Fuel),
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
    engine.set_tunables(Tuned(BaseTunables::default(), Linking));
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

/// **Generations.** wasmer frees machine code only when the engine that compiled it drops: an
/// engine's code memories only grow (research/node-versions-and-code-memory.md; measured: 20,000
/// distinct small modules compiled and dropped, 460 MiB for the rest of the process, and every
/// trap slower as libgcc searches every module's unwind tables ever registered). So modules are
/// compiled by the *current generation* of each engine, which is replaced by a fresh one after
/// `GENERATION_MODULES` modules or `GENERATION_BYTES` of wasm; each module (`Compiled`) holds
/// its generation, and a generation's code returns to the system when its last module drops.
/// Stores do not hold a generation: they run on `store_engine`, which compiles nothing but
/// wasm-rt's own small modules, kept for the life of the process.
const GENERATION_MODULES: u32 = 128;
const GENERATION_BYTES: usize = 32 << 20;

struct Generation {
  engine: Engine,
  modules: u32,
  bytes: usize,
}

static ENGINES: RwLock<[Option<Generation>; 6]> = RwLock::new([None, None, None, None, None, None]);

fn slot(compiler: Compiler, checks: Checks) -> usize {
  compiler as usize + 2 * checks as usize
}

/// The engine of `compiler` on which stores run (an `Arc` inside: cloning is cheap). Any engine
/// can run a module compiled by another once it knows the module's types (`Compiled::register`).
pub fn store_engine(compiler: Compiler) -> Engine {
  static STORE_ENGINES: [OnceLock<Engine>; 2] = [OnceLock::new(), OnceLock::new()];
  STORE_ENGINES[compiler as usize].get_or_init(|| build(compiler, Checks::None)).clone()
}

/// A module's compiled code, with the engine generation that holds it.
pub struct Compiled {
  /// Declared first, so dropped first: the artifact unregisters its trap information before its
  /// code can be freed (wasmer's `Module` notes the same order).
  module: Module,
  _generation: Engine,
  /// The compilers whose store engine knows this module's function types, as bits.
  registered: AtomicU8,
}

impl std::ops::Deref for Compiled {
  type Target = Module;
  fn deref(&self) -> &Module {
    &self.module
  }
}

impl Compiled {
  /// Makes this module's function types known to `store`'s engine. wasmer looks up the type of
  /// a funcref that reaches the host (`table.get`, a funcref result or global) in the registry
  /// of the store's engine, and panics ("Signature not found in store") for a type it lacks.
  /// The registry also refuses two types of one hash, which keeps `call_indirect`'s hash check
  /// sound within the store.
  pub fn register(&self, store: &impl AsStoreRef) {
    let store = store.as_store_ref();
    let id = store.engine().id();
    let Some(compiler) = [Compiler::Cranelift, Compiler::Singlepass].into_iter().find(|c| store_engine(*c).id() == id) else {
      return;
    };
    let bit = 1 << compiler as u8;
    if self.registered.fetch_or(bit, Ordering::Relaxed) & bit != 0 {
      return;
    }
    let engine = store.engine().as_sys();
    for ty in self.module.info().signatures.values() {
      engine.register_signature(ty);
    }
  }
}

/// Compiles (or loads) a module with `make`, given the current generation of the engine of
/// `compiler` and `checks`; `wasm_len` counts toward that generation's turn.
pub fn compile<E>(compiler: Compiler, checks: Checks, wasm_len: usize, make: impl FnOnce(&Engine) -> Result<Module, E>) -> Result<Arc<Compiled>, E> {
  let engine = current(compiler, checks);
  let module = make(&engine)?;
  let mut engines = ENGINES.write().unwrap_or_else(|e| e.into_inner());
  if let Some(g) = &mut engines[slot(compiler, checks)] {
    if g.engine.id() == engine.id() {
      g.modules += 1;
      g.bytes += wasm_len;
      if g.modules >= GENERATION_MODULES || g.bytes >= GENERATION_BYTES {
        engines[slot(compiler, checks)] = None;
      }
    }
  }
  Ok(Arc::new(Compiled { module, _generation: engine, registered: AtomicU8::new(0) }))
}

/// A module of wasm-rt's own (a few per process, kept for its life), compiled by the store
/// engine of cranelift, so that it pins no generation.
pub fn compile_permanent<E>(make: impl FnOnce(&Engine) -> Result<Module, E>) -> Result<Arc<Compiled>, E> {
  let engine = store_engine(Compiler::Cranelift);
  let module = make(&engine)?;
  Ok(Arc::new(Compiled { module, _generation: engine, registered: AtomicU8::new(0) }))
}

fn current(compiler: Compiler, checks: Checks) -> Engine {
  if let Some(g) = &ENGINES.read().unwrap_or_else(|e| e.into_inner())[slot(compiler, checks)] {
    return g.engine.clone();
  }
  let mut engines = ENGINES.write().unwrap_or_else(|e| e.into_inner());
  engines[slot(compiler, checks)].get_or_insert_with(|| Generation { engine: build(compiler, checks), modules: 0, bytes: 0 }).engine.clone()
}

/// Retires the current generation of an engine that a compiler panic left unusable: wasmer
/// compiles while holding the engine's lock, and a panic poisons it for every later compile.
/// Modules compiled before keep the old engine; what they already run keeps working.
pub fn renew(compiler: Compiler, checks: Checks) {
  ENGINES.write().unwrap_or_else(|e| e.into_inner())[slot(compiler, checks)] = None;
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

/// How many `with_caps` scopes that set a cap are in progress, on all threads. While none is,
/// every thread's caps are the default, and a scope of default caps (each import call's) has
/// nothing to change: it skips the thread-local.
static CAPPED: AtomicUsize = AtomicUsize::new(0);

/// Runs `f` (an instantiation) with `caps` applied to the memories and tables it creates.
pub fn with_caps<R>(caps: Caps, f: impl FnOnce() -> R) -> R {
  let sets = caps.memory_pages.is_some() || caps.table_elements.is_some();
  // This thread's own scopes counted before it could read a non-zero count here.
  if !sets && CAPPED.load(Ordering::Relaxed) == 0 {
    return f();
  }
  struct Reset(Caps, bool);
  impl Drop for Reset {
    fn drop(&mut self) {
      CAPS.with(|c| c.set(self.0));
      if self.1 {
        CAPPED.fetch_sub(1, Ordering::Relaxed);
      }
    }
  }
  if sets {
    CAPPED.fetch_add(1, Ordering::Relaxed);
  }
  let _reset = Reset(CAPS.with(|c| c.replace(caps)), sets);
  f()
}

/// What a memory costs in V8's external-memory accounting: its bytes, plus a share for the
/// address space each memory reserves (wasmer: 8 GiB). A process runs out of address space after
/// ~16k live memories, long before their bytes matter, and V8 only collects the JS objects that
/// keep them alive when it sees memory pressure; reporting each reservation makes it collect
/// every few hundred memories.
pub fn memory_cost(bytes: usize) -> i64 {
  const RESERVATION_SHARE: i64 = 256 << 10;
  bytes as i64 + RESERVATION_SHARE
}

fn capped_memory(ty: &MemoryType) -> MemoryType {
  let mut t = *ty;
  if let Some(cap) = CAPS.with(|c| c.get().memory_pages) {
    t.maximum = Some(Pages(t.maximum.map_or(cap, |m| m.0.min(cap)).max(t.minimum.0)));
  }
  t
}

/// wasmer's own tunables, except that a memory JS created can be put into a store (wasmer's
/// public API only creates memories, so `attach_memory` hands the existing backing to the next
/// "create a host memory" request on this thread), and memories and tables are held to the
/// embedding's limits.
struct Linking;

impl Tuning for Linking {
  fn memory(&self, ty: &MemoryType) -> MemoryType {
    capped_memory(ty)
  }

  fn table(&self, ty: &TableType) -> TableType {
    capped(ty)
  }

  fn host_memory(&self) -> Option<VMMemory> {
    ATTACHING.with(|a| a.borrow_mut().take()).map(VMMemory::from)
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
