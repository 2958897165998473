//! What wasm-rt reads and writes of wasmer below its safe API: the store cell, raw views of VM
//! structures (memory definitions, function contexts, handles' slots), typed calls of numeric
//! signatures, tunables, and the trust a cached artifact gets. Each function has a safe signature;
//! where a contract remains that the compiler cannot check, its doc comment states it.

use std::cell::{Cell, UnsafeCell};
use std::num::NonZeroUsize;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicI32, Ordering};

use wasmer::sys::NativeEngineExt;
use wasmer::sys::{BaseTunables, Tunables};
use wasmer::{AsStoreMut, AsStoreRef, Engine, Exception, Extern, Function, MemoryType, Module, RuntimeError, Store, StoreMut, TableType};
use wasmer_types::{RawValue, StoreId};
use wasmer_vm::{
  InternalStoreHandle, MaybeInstanceOwned, MemoryError, MemoryStyle, StoreObject, TableStyle, VMFunctionBody, VMFunctionContext, VMMemory, VMMemoryDefinition,
  VMTable, VMTableDefinition, VMTag, VMTrampoline,
};

/// A store that JS calls borrow one at a time: `try_with` hands out the `&mut Store` while no
/// other borrow of it is in progress on this thread, or else the borrow that a host function's
/// call into JS has lent (`lend`), to a call from that JS back into the store.
pub struct StoreCell {
  store: UnsafeCell<Store>,
  busy: Cell<bool>,
  /// The lent borrow, an erased `*mut StoreMut`; null when none is lent or while one is in use.
  lent: Cell<*mut ()>,
}

/// Puts a cell's previous value back, on return or unwind.
struct Restore<'a, T: Copy>(&'a Cell<T>, T);

impl<T: Copy> Drop for Restore<'_, T> {
  fn drop(&mut self) {
    self.0.set(self.1);
  }
}

impl StoreCell {
  pub fn new(store: Store) -> Self {
    Self { store: UnsafeCell::new(store), busy: Cell::new(false), lent: Cell::new(std::ptr::null_mut()) }
  }

  /// Runs `f` with the store, or gives `f` back when a borrow is in progress and none is lent.
  pub fn try_with<F: FnOnce(&mut StoreMut<'_>) -> R, R>(&self, f: F) -> Result<R, F> {
    if self.busy.get() {
      let lent = self.lent.replace(std::ptr::null_mut());
      if lent.is_null() {
        return Err(f);
      }
      let _restore = Restore(&self.lent, lent);
      // SAFETY: `lend` stored it: a live borrow of this store whose holder does not touch it
      // until `lend` returns, which is after this call (nested on the same stack) ends. Taken
      // out of the cell while in use, so no other call gets it meanwhile.
      return Ok(f(unsafe { &mut *lent.cast::<StoreMut<'_>>() }));
    }
    self.busy.set(true);
    let _reset = Restore(&self.busy, false);
    // SAFETY: `busy` was false, so no other borrow of the store exists on this thread, and the
    // cell is !Sync (the store is !Send), so no other thread has one. The borrow ends before
    // `_reset` clears `busy`.
    let store = unsafe { &mut *self.store.get() };
    Ok(f(&mut store.as_store_mut()))
  }

  /// Runs `f`, a host function's call into JS, with `store` (a borrow of this store that the
  /// call in progress holds) lent to `try_with`. What wasmer's `StoreMut::parked` does through
  /// its thread-local context stack, a push and a pop per import call, done with a field.
  pub fn lend<R>(&self, store: &mut StoreMut<'_>, f: impl FnOnce() -> R) -> R {
    debug_assert!(store.objects_mut().id() == self.id(), "a store lent to another's cell");
    let _restore = Restore(&self.lent, self.lent.replace((store as *mut StoreMut<'_>).cast()));
    f()
  }

  pub fn id(&self) -> StoreId {
    // SAFETY: reads the id, which never changes; no `&mut` to the store is created here, and an
    // outstanding one (a call in progress) does not write it.
    unsafe { (*self.store.get()).id() }
  }

  pub fn get_mut(&mut self) -> &mut Store {
    self.store.get_mut()
  }
}

/// The slot index of a tag's handle in its store, stable for the store's life (wasmer does not
/// expose it).
pub fn tag_slot(h: InternalStoreHandle<VMTag>) -> usize {
  const _: () = assert!(size_of::<InternalStoreHandle<VMTag>>() == size_of::<NonZeroUsize>());
  // SAFETY: `InternalStoreHandle` is a transparent wrapper of its NonZeroUsize slot index (equal
  // size asserted above).
  let slot: NonZeroUsize = unsafe { std::mem::transmute(h) };
  slot.get()
}

/// An exception's slot in its store.
pub fn exnref_slot(e: &Exception) -> u32 {
  // SAFETY: an exnref's raw value is its u32 slot in the store; the union member read is the one
  // `into_raw` wrote.
  unsafe { e.vm_exceptionref().into_raw().exnref }
}

/// The context a function runs with: its instance's `VMContext` for a wasm function, the same for
/// every function of one instance (a host function's is its own environment).
pub fn function_context(store: &mut StoreMut<'_>, f: &Function) -> usize {
  match Extern::Function(f.clone()).to_vm_extern().unwrap_sys() {
    wasmer_vm::VMExtern::Function(handle) => {
      let anyfunc = handle.get(store.objects_mut().as_sys()).anyfunc.as_ptr();
      // SAFETY: the anyfunc lives in the store borrowed here; both union members are pointers.
      unsafe { anyfunc.as_ref().vmctx.host_env as usize }
    }
    _ => unreachable!("a Function's extern is a function"),
  }
}

/// A memory's definition (base and current length), read as the memory grows.
///
/// Contract: whoever holds it keeps the memory's backing alive (api/memory.rs: the backing or the
/// store that owns it lives in the same object).
pub struct MemoryDef(NonNull<VMMemoryDefinition>);

impl MemoryDef {
  pub fn new(def: NonNull<VMMemoryDefinition>) -> Self {
    Self(def)
  }

  /// The definition's address: the memory's identity.
  pub fn addr(&self) -> usize {
    self.0.as_ptr() as usize
  }

  pub fn len(&self) -> usize {
    // SAFETY: the type's contract keeps the definition alive.
    unsafe { self.0.as_ref().current_length }
  }

  pub fn base(&self) -> *mut u8 {
    // SAFETY: as in `len`.
    unsafe { self.0.as_ref().base }
  }
}

/// An i32 word of wasm-rt's in an instance (a limit's stop or out-of-fuel flag global), written
/// by the watchdog from any thread.
///
/// Contract: used only while the instance's store lives; runtime/limits/watchdog.rs forgets the
/// flags of a store (under its lock) before the store drops.
#[derive(Clone, Copy)]
pub struct FlagWord(usize);

impl FlagWord {
  pub fn new(addr: usize) -> Self {
    Self(addr)
  }

  pub fn is_null(&self) -> bool {
    self.0 == 0
  }

  fn atomic(&self) -> &AtomicI32 {
    // SAFETY: the type's contract: an aligned i32 global's value, alive while in use.
    unsafe { AtomicI32::from_ptr(self.0 as *mut i32) }
  }

  pub fn store(&self, value: i32) {
    self.atomic().store(value, Ordering::Relaxed);
  }

  pub fn take(&self) -> i32 {
    self.atomic().swap(0, Ordering::Relaxed)
  }
}

/// A wasm function's entry (its body, context and call trampoline), read once when its JS
/// function is made. `raw_call` then does what wasmer's `TypedFunction::call` does per call
/// without that call's lookups: the store's object table, the cross-store checks, a second
/// store-context entry and the `on_called` hook (set only by wasmer-wasix's vfork and asyncify,
/// which wasm-rt's WASI does not use).
///
/// Contract: the store that owns the function outlives the entry, and the entry is called only
/// with that store (api/bridge/func_data.rs keeps the function's group beside it).
#[derive(Clone, Copy)]
pub struct RawEntry {
  body: *const VMFunctionBody,
  vmctx: VMFunctionContext,
  trampoline: VMTrampoline,
  /// The engine's wasm stack size: its tunables are fixed when it is built.
  stack_size: Option<usize>,
}

/// The most parameters a raw call takes.
pub const RAW_MAX_ARITY: usize = 8;

/// The entry of `f`, a function of `store`.
pub fn raw_entry(store: &mut StoreMut<'_>, f: &Function) -> RawEntry {
  match Extern::Function(f.clone()).to_vm_extern().unwrap_sys() {
    wasmer_vm::VMExtern::Function(handle) => {
      let anyfunc = handle.get(store.objects_mut().as_sys()).anyfunc.as_ptr();
      // SAFETY: the anyfunc lives in the store borrowed here, as long as the store.
      let a = unsafe { anyfunc.as_ref() };
      let stack_size = store.engine().tunables().vmconfig().wasm_stack_size;
      RawEntry { body: a.func_ptr, vmctx: a.vmctx, trampoline: a.call_trampoline, stack_size }
    }
    _ => unreachable!("a Function's extern is a function"),
  }
}

/// How many functions `store` holds. The list only grows, so an unchanged count means an
/// unchanged list.
pub fn function_count(store: &mut StoreMut<'_>) -> usize {
  <wasmer_vm::VMFunction as StoreObject>::list(store.objects_mut().as_sys()).len()
}

/// Whether `store` holds a host function: one whose entry it owns itself rather than an
/// instance. Every function wasm can call lives in its own store (wasm-rt links another store's
/// function through a host function of this one), so without one, wasm of this store never
/// calls the host.
pub fn has_host_function(store: &mut StoreMut<'_>) -> bool {
  <wasmer_vm::VMFunction as StoreObject>::list(store.objects_mut().as_sys()).iter().any(|f| matches!(f.anyfunc, MaybeInstanceOwned::Host(_)))
}

/// Calls `e` with `slots` as its arguments (i32 and f32 in the low bits, f64 as its bits); its
/// result, if it has one, comes back in `slots[0]` (upper bits undefined for 32-bit results). The
/// function's trampoline reads each argument as its declared type, so one path serves every
/// numeric signature.
///
/// `may_call_host`: whether the call can reach a host function (the store has one,
/// `has_host_function`, and the callee calls something: compile/leaves.rs), which finds its
/// store through wasmer's store context. Only then is the context installed: its push
/// and pop are a quarter of a call that does not need them. Nothing else in a wasm call reads
/// it (libcalls reach the store through the instance).
pub fn raw_call(store: &mut StoreMut<'_>, e: &RawEntry, slots: &mut [i64; RAW_MAX_ARITY], may_call_host: bool) -> Result<(), RuntimeError> {
  let mut values = [RawValue { u128: 0 }; RAW_MAX_ARITY];
  for (v, s) in values.iter_mut().zip(slots.iter()) {
    *v = RawValue { i64: *s };
  }
  let handler = store.as_store_ref().signal_handler();
  let config = wasmer_vm::VMConfig { wasm_stack_size: e.stack_size };
  let values_ptr = values.as_mut_ptr().cast();
  // SAFETY: `RawEntry`'s contract: the entry belongs to this store, which is alive; the values
  // vector holds a 16-byte slot per parameter and for the result, as the trampoline expects.
  let call = || unsafe { wasmer_vm::wasmer_call_trampoline(handler, &config, e.vmctx, e.trampoline, e.body, values_ptr) };
  // Installed as wasmer's own call installs it, so that host functions find the store.
  let called = if may_call_host { store.parked(call) } else { call() };
  called.map_err(RuntimeError::from)?;
  // SAFETY: every slot was initialised as a whole (u128) and then written as i64 or narrower.
  slots[0] = unsafe { values[0].i64 };
  Ok(())
}

/// What wasm-rt changes of wasmer's tunables, as safe functions (`Tuned` forwards wasmer's unsafe
/// ones through them).
pub trait Tuning: Send + Sync + 'static {
  /// The type a memory of type `ty` is made with.
  fn memory(&self, ty: &MemoryType) -> MemoryType;
  /// The type a table of type `ty` is made with.
  fn table(&self, ty: &TableType) -> TableType;
  /// A memory that exists already, to hand out instead of a new host memory.
  fn host_memory(&self) -> Option<VMMemory>;
}

pub struct Tuned<T>(pub BaseTunables, pub T);

impl<T: Tuning> Tunables for Tuned<T> {
  fn memory_style(&self, memory: &MemoryType) -> MemoryStyle {
    self.0.memory_style(memory)
  }

  fn table_style(&self, table: &TableType) -> TableStyle {
    self.0.table_style(table)
  }

  fn create_host_memory(&self, ty: &MemoryType, style: &MemoryStyle) -> Result<VMMemory, MemoryError> {
    match self.1.host_memory() {
      Some(existing) => Ok(existing),
      None => self.0.create_host_memory(ty, style),
    }
  }

  unsafe fn create_vm_memory(&self, ty: &MemoryType, style: &MemoryStyle, location: NonNull<VMMemoryDefinition>) -> Result<VMMemory, MemoryError> {
    // SAFETY: the caller's contract (a `location` valid for the definition) passes through unchanged.
    unsafe { self.0.create_vm_memory(&self.1.memory(ty), style, location) }
  }

  fn create_host_table(&self, ty: &TableType, style: &TableStyle) -> Result<VMTable, String> {
    self.0.create_host_table(&self.1.table(ty), style)
  }

  unsafe fn create_vm_table(&self, ty: &TableType, style: &TableStyle, location: NonNull<VMTableDefinition>) -> Result<VMTable, String> {
    // SAFETY: the caller's contract (a `location` valid for the definition) passes through unchanged.
    unsafe { self.0.create_vm_table(&self.1.table(ty), style, location) }
  }
}

/// A module from an artifact without wasmer's checks (it trusts the bytes as its own output).
///
/// Contract: `bytes` are an artifact this wasm-rt serialized, checked by compile/cache.rs (key,
/// hash, a folder only this user can write).
pub fn deserialize_trusted(engine: &Engine, bytes: impl wasmer::IntoBytes) -> Result<Module, wasmer::DeserializeError> {
  // SAFETY: the contract above.
  unsafe { Module::deserialize(engine, bytes) }
}

/// Waits on a shared memory's atomic word (`memory.atomic.wait` from JS).
///
/// Contract: `offset` is aligned and lies within the memory (lib/atomics.js checks it).
pub fn atomic_wait(
  memory: &mut wasmer_vm::VMSharedMemory,
  offset: u32,
  expected: wasmer_vm::ExpectedValue,
  timeout: Option<std::time::Duration>,
) -> Result<u32, wasmer_vm::WaiterError> {
  use wasmer_vm::LinearMemory;
  // SAFETY: the contract above.
  unsafe { memory.do_wait(offset, expected, timeout) }
}
