//! WebAssembly.Memory's engine side: creating, growing and linking memories, and the
//! ArrayBuffer that JS sees over the memory itself.
//!
//! **Buffers.** `buffer` is an external ArrayBuffer over the memory's bytes, no copy. wasmer's
//! memories never move (a static reservation, grown in place), so an old buffer never points at
//! freed or moved bytes; it is detached when the memory grows, which the spec requires. A grow
//! from JS detaches at once. A `memory.grow` inside wasm tells nobody, so every memory whose
//! buffer JS holds is *watched*: when control returns to JS (an export returns, an import is
//! called) a watched memory whose length changed has its buffer detached. Each buffer keeps its
//! memory (and so the store or backing under it) alive until the buffer itself is collected.
//!
//! A shared memory's buffer is a frozen SharedArrayBuffer over the same bytes (shared_memory.rs),
//! never detached: after a grow, here or on another thread, `buffer` is a new one of the new
//! length, and old ones keep theirs.

use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::ptr::{self, NonNull};
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicUsize, Ordering};

use napi::sys::{napi_env, napi_ref, napi_value};
use wasmer::{AsStoreMut, Memory, MemoryType, Pages, StoreMut};
use wasmer_vm::{LinearMemory, MemoryStyle, VMMemoryDefinition, VMSharedMemory};

use crate::runtime::group::{self, Group};
use crate::runtime::identity::{self, Key};
use crate::runtime::state;
use crate::sys::napi_raw::{self, JsResult, TAG_BUFFER, TAG_MEMORY};
use crate::sys::vm::MemoryDef;

enum Backing {
  /// Made by `new WebAssembly.Memory`: linkable into any number of stores.
  Free(VMSharedMemory),
  /// Defined by a module: lives in its instance's store.
  Homed(Rc<Group>, Memory),
}

pub struct MemoryData {
  env: napi_env,
  backing: Backing,
  def: MemoryDef,
  shared: bool,
  buffer: Cell<napi_ref>,
  buffer_len: Cell<usize>,
  /// What this environment reported to V8 for the memory (see `account`), taken back exactly on
  /// drop: the memory may have grown since, here or on another thread, and V8 12 on aborts the
  /// process when its external-memory count would go below zero.
  accounted: i64,
}

impl MemoryData {
  fn byte_len(&self) -> usize {
    self.def.len()
  }

  fn base(&self) -> *mut u8 {
    self.def.base()
  }

  /// The memory's bytes as they are now: base and length.
  pub fn raw(&self) -> (*mut u8, usize) {
    (self.base(), self.byte_len())
  }

  fn key(&self) -> Key {
    Key::Memory(self.def.addr())
  }

  /// Retires the current buffer: detached for an unshared memory, as the spec requires;
  /// forgotten for a shared one, whose buffers never detach.
  fn retire_buffer(&self) {
    let r = self.buffer.replace(ptr::null_mut());
    if r.is_null() {
      return;
    }
    if !self.shared {
      if let Some(b) = napi_raw::ref_value(self.env, r) {
        napi_raw::detach_arraybuffer(self.env, b);
      }
    }
    napi_raw::delete_ref(self.env, r);
  }

  /// A clone of the memory that keeps its bytes alive on any thread.
  fn shared_clone(&self) -> JsResult<VMSharedMemory> {
    match &self.backing {
      Backing::Free(shared) => Ok(shared.clone()),
      Backing::Homed(group, memory) => group.enter(|store| vm_clone(store, memory).map_err(|e| napi_raw::throw_error(self.env, &format!("wasm-rt: {e}")))),
    }
  }
}

/// wasmer's own handle on a store's shared memory, which keeps its bytes alive on any thread.
fn vm_clone(store: &mut StoreMut<'_>, memory: &Memory) -> Result<VMSharedMemory, wasmer::MemoryError> {
  let wasmer_vm::VMExtern::Memory(handle) = wasmer::Extern::Memory(memory.clone()).to_vm_extern().unwrap_sys() else {
    unreachable!("a memory's extern is a memory")
  };
  handle.get(store.objects_mut().as_sys()).as_shared()
}

/// Lets the watchdog wake the waiters of a shared memory an instance defines (see
/// limits/instrument.rs), exported or not.
pub fn watch_waits(store: &mut StoreMut<'_>, memory: &Memory) {
  if let Ok(vm) = vm_clone(store, memory) {
    crate::api::shared_memory::watch_waits(&vm);
  }
}

impl Drop for MemoryData {
  fn drop(&mut self) {
    if self.accounted != 0 {
      napi_raw::adjust_external_memory(self.env, -self.accounted);
    }
    let r = self.buffer.get();
    if !r.is_null() {
      napi_raw::delete_ref(self.env, r);
    }
    identity::forget(self.env, self.key());
  }
}

thread_local! {
  static WATCHED: RefCell<Vec<Weak<MemoryData>>> = const { RefCell::new(Vec::new()) };
}

/// How many buffers all threads watch: a thread-local read in a dynamically loaded library goes
/// through `__tls_get_addr`, which the call path cannot afford when nothing is watched.
static WATCHING: AtomicUsize = AtomicUsize::new(0);

/// Adds `m` to the watch list. A program that reads buffers without calling wasm never reaches
/// `sync_buffers`, so the list also drops dead entries whenever it has doubled.
fn watch(m: &Rc<MemoryData>) {
  thread_local! {
    static PRUNE_AT: Cell<usize> = const { Cell::new(64) };
  }
  WATCHED.with(|w| {
    let mut w = w.borrow_mut();
    w.push(Rc::downgrade(m));
    WATCHING.fetch_add(1, Ordering::Relaxed);
    if w.len() >= PRUNE_AT.with(Cell::get) {
      let before = w.len();
      w.retain(|e| e.strong_count() > 0);
      WATCHING.fetch_sub(before - w.len(), Ordering::Relaxed);
      PRUNE_AT.with(|p| p.set((w.len() * 2).max(64)));
    }
  });
}

/// Detaches the buffers of watched memories that wasm grew. Called whenever control returns to
/// JS; costs one atomic read when no thread holds a buffer.
pub fn sync_buffers() {
  if WATCHING.load(Ordering::Relaxed) == 0 || WATCHED.with(|w| w.borrow().is_empty()) {
    return;
  }
  let list = WATCHED.with(|w| std::mem::take(&mut *w.borrow_mut()));
  let before = list.len();
  let mut keep = Vec::with_capacity(list.len());
  for weak in list {
    let Some(m) = weak.upgrade() else { continue };
    if m.buffer.get().is_null() {
      continue;
    }
    if m.byte_len() != m.buffer_len.get() {
      m.retire_buffer();
      continue;
    }
    keep.push(weak);
  }
  WATCHING.fetch_sub(before - keep.len(), Ordering::Relaxed);
  WATCHED.with(|w| w.borrow_mut().extend(keep));
}

pub fn data_of(env: napi_env, v: napi_value) -> Option<Rc<MemoryData>> {
  napi_raw::unwrap::<MemoryData>(env, v, &TAG_MEMORY)
}

fn this_memory(env: napi_env, v: napi_value) -> JsResult<Rc<MemoryData>> {
  data_of(env, v).ok_or_else(|| napi_raw::throw_type_error(env, "Receiver is not a WebAssembly.Memory"))
}

fn attach(env: napi_env, obj: napi_value, data: MemoryData) -> JsResult<()> {
  let key = data.key();
  napi_raw::wrap(env, obj, &TAG_MEMORY, data)?;
  identity::remember(env, key, obj)
}

/// `memoryNew(memory, initial, maximum | undefined, shared)`: attaches a new memory to the blank
/// JS object `memory`. Limits are already checked by lib/memory.js.
pub fn create(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let initial = napi_raw::get_f64(env, args[1])? as u32;
  let maximum = napi_raw::get_optional_u32(env, args[2])?;
  let shared = napi_raw::get_bool(env, args[3])?;
  let ty = MemoryType::new(Pages(initial), maximum.map(Pages), shared);
  let memory = VMSharedMemory::new(&ty, &MemoryStyle::Static)
    .map_err(|e| napi_raw::throw_range_error(env, &format!("WebAssembly.Memory(): could not allocate memory: {e}")))?;
  let def = memory.vmmemory();
  let accounted = crate::runtime::engine::memory_cost(memory.size().bytes().0);
  napi_raw::adjust_external_memory(env, accounted);
  if shared {
    crate::api::shared_memory::watch_waits(&memory);
  }
  attach(
    env,
    args[0],
    MemoryData {
      env,
      backing: Backing::Free(memory),
      def: MemoryDef::new(def),
      shared,
      buffer: Cell::new(ptr::null_mut()),
      buffer_len: Cell::new(0),
      accounted,
    },
  )?;
  Ok(napi_raw::undefined(env))
}

/// `memoryBuffer(memory)`: the current buffer, made anew after the memory grew.
pub fn buffer(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let m = this_memory(env, args[0])?;
  let len = m.byte_len();
  let current = m.buffer.get();
  if !current.is_null() {
    if let Some(b) = napi_raw::ref_value(env, current) {
      if m.buffer_len.get() == len {
        return Ok(b);
      }
    }
    m.retire_buffer();
  }
  let buffer = if m.shared {
    shared_buffer(env, &m, len)?
  } else {
    // The memory's backing outlives the buffer: the buffer's wrap keeps the memory alive (below),
    // and a grow detaches the buffer before the backing can move.
    let ab = napi_raw::external_arraybuffer(env, m.base().cast::<c_void>(), len)?;
    // The buffer keeps the memory alive through a wrap, not through the external data's own
    // finalizer: Node runs that one from the event loop only, so a synchronous loop would hold
    // every memory whose buffer it ever read.
    napi_raw::wrap_rc(env, ab, &TAG_BUFFER, m.clone())?;
    watch(&m);
    ab
  };
  m.buffer.set(napi_raw::create_ref(env, buffer, 0)?);
  m.buffer_len.set(len);
  Ok(buffer)
}

/// A frozen SharedArrayBuffer over the first `len` bytes of a shared memory.
fn shared_buffer(env: napi_env, m: &MemoryData, len: usize) -> JsResult<napi_value> {
  let sab = crate::api::shared_memory::buffer(env, m.shared_clone()?, m.base(), len)?;
  napi_raw::freeze(env, sab)?;
  Ok(sab)
}

/// `memoryShare(memory)`: a SharedArrayBuffer that carries a shared memory made in JS to another
/// thread (lib/post-message.js), where `memoryFromShared` makes a Memory of the same bytes.
pub fn share(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let m = this_memory(env, args[0])?;
  match &m.backing {
    Backing::Free(_) if m.shared => buffer(env, args),
    Backing::Free(_) => Err(napi_raw::throw_type_error(env, "an unshared WebAssembly.Memory cannot be shared with another thread")),
    // Its clones would point into the instance that defines it, which this thread may free.
    Backing::Homed(..) => Err(napi_raw::throw_type_error(
      env,
      "wasm-rt: a shared memory defined by a module cannot be posted to another thread; make it with new WebAssembly.Memory and import it",
    )),
  }
}

/// `memoryFromShared(blank, buffer)`: the Memory of this thread for the shared memory that
/// `buffer`, made by `memoryShare` on some thread, carries: the one JS already has, else `blank`.
pub fn from_shared(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let memory = crate::api::shared_memory::memory_of(args[1])
    .ok_or_else(|| napi_raw::throw_type_error(env, "wasm-rt: this SharedArrayBuffer does not carry a shared WebAssembly.Memory"))?;
  let def = memory.vmmemory();
  if let Some(obj) = identity::lookup(env, Key::Memory(def.as_ptr() as usize)) {
    return Ok(obj);
  }
  let accounted = crate::runtime::engine::memory_cost(memory.size().bytes().0);
  napi_raw::adjust_external_memory(env, accounted);
  attach(
    env,
    args[0],
    MemoryData {
      env,
      backing: Backing::Free(memory),
      def: MemoryDef::new(def),
      shared: true,
      buffer: Cell::new(ptr::null_mut()),
      buffer_len: Cell::new(0),
      accounted,
    },
  )?;
  Ok(args[0])
}

/// `memoryGrow(memory, delta)`: the old size in pages; RangeError when the memory cannot grow.
pub fn grow(env: napi_env, args: &[napi_value]) -> JsResult<napi_value> {
  let m = this_memory(env, args[0])?.clone();
  let delta = napi_raw::get_f64(env, args[1])? as u32;
  let grown = match &m.backing {
    Backing::Free(shared) => shared.clone().grow(Pages(delta)).map_err(|e| e.to_string()),
    Backing::Homed(group, memory) => group.enter(|store| Ok(memory.grow(store, delta).map_err(|e| e.to_string())))?,
  };
  let old = grown.map_err(|e| napi_raw::throw_range_error(env, &format!("WebAssembly.Memory.grow(): Maximum memory size exceeded ({e})")))?;
  m.retire_buffer();
  napi_raw::uint32(env, old.0)
}

/// The memory to link for an import, in `group`'s store; LinkError if it cannot be linked there.
pub fn for_import(env: napi_env, group: &Rc<Group>, store: &mut StoreMut<'_>, m: &MemoryData) -> JsResult<Memory> {
  match &m.backing {
    Backing::Free(shared) => {
      crate::runtime::engine::attach_memory(store, shared).map_err(|e| state::throw_link_error(env, &format!("wasm-rt: could not link the memory: {e}")))
    }
    Backing::Homed(g, memory) if Rc::ptr_eq(g, group) => Ok(memory.clone()),
    Backing::Homed(..) => Err(state::throw_link_error(env, group::LINK_ACROSS)),
  }
}

/// The group a memory import ties the instance to, if any.
pub fn home_group(env: napi_env, v: napi_value) -> Option<Rc<Group>> {
  match &data_of(env, v)?.backing {
    Backing::Homed(g, _) => Some(g.clone()),
    Backing::Free(_) => None,
  }
}

/// The JS object for a memory an instance exports: the existing one if JS has seen this memory.
pub fn exported(env: napi_env, group: &Rc<Group>, store: &mut StoreMut<'_>, memory: Memory) -> JsResult<napi_value> {
  let key = group::key_of(store, memory.clone());
  if let Some(obj) = identity::lookup(env, key) {
    return Ok(obj);
  }
  let Key::Memory(addr) = key else { unreachable!("a memory's key") };
  let def = MemoryDef::new(NonNull::new(addr as *mut VMMemoryDefinition).expect("a memory definition is never null"));
  let shared = memory.ty(store).shared;
  let obj = napi_raw::call(env, napi_raw::undefined(env), state::get(env, |s| s.make_memory)?, &[])?;
  if let Some(vm) = shared.then(|| vm_clone(store, &memory).ok()).flatten() {
    crate::api::shared_memory::watch_waits(&vm);
  }
  attach(
    env,
    obj,
    MemoryData { env, backing: Backing::Homed(group.clone(), memory), def, shared, buffer: Cell::new(ptr::null_mut()), buffer_len: Cell::new(0), accounted: 0 },
  )?;
  Ok(obj)
}
