//! Link groups: which wasmer `Store` a JS object lives in, when that store is freed, and how a
//! call re-enters it.
//!
//! **Lifetime.** A wasmer `Store` frees nothing until it drops: its object lists only grow. One
//! store per process would keep every instance ever created. So wasm-rt creates one store per
//! *link group*: an instance with no wasm imports starts a new group; one that imports another
//! group's exported function joins that group (imports from two groups: functions of the other
//! group are linked through a proxy host function that calls their JS wrapper). A `Group` is held
//! through `Rc` by every native object a JS wrapper points to (module instances, exported
//! functions); the finalizer of the last wrapper drops the store and everything in it.
//!
//! **JS values held by wasm.** Import callables and externref values are kept alive by the
//! group's *anchor*, a JS array referenced from JS by every wrapper of the group (exported
//! functions, instances, and Globals and Tables of externref, which may outlive both). Native code holds only a weak reference to the anchor: a strong native
//! reference would hide the usual cycle (import closure → exports → group → closure) from the
//! garbage collector and leak every instance. While any wrapper lives the anchor lives, and
//! nothing can run wasm of a group that has no wrapper.
//!
//! **Memories, tables, globals and tags.** wasmer objects cannot cross stores, so a JS-created
//! table, global or tag starts in a *lone* group of its own (a store with no instance) and moves,
//! state and JS identity intact, into the group of the first instance that links it; after that
//! it stays. A JS-created memory needs no group: its backing is wasmer's clonable shared-memory
//! object (with a non-shared type when the memory is not shared), and each store that links it
//! gets a clone of the same backing. An instance joins the group of whatever wasm objects it
//! imports; objects homed in two different instance groups cannot be linked together, except
//! functions (through a proxy) and JS-created memories.
//!
//! **Reentrancy.** A call from JS borrows the store mutably for its whole duration. Host
//! functions call JS with that borrow *lent* (`Group::lend`); if JS then calls back into the same
//! group, the inner call gets the lent borrow instead of a second, aliasing `&mut Store`
//! (sys/vm.rs's `StoreCell`). Each group lends its own, so calls may alternate between groups.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

use napi::sys::{napi_env, napi_ref, napi_value};
use wasmer::{AsStoreMut, Extern, Function, Store, StoreMut};

use crate::runtime::engine::{self, Compiled, Compiler};
use crate::sys::napi_raw::{self, JsResult};
use crate::sys::vm::{self, StoreCell};

pub struct Group {
  env: napi_env,
  compiler: Compiler,
  store: StoreCell,
  anchor: Cell<napi_ref>,
  /// Slots handed out: a new anchor (should one ever be collected) does not reuse them, so a
  /// stale slot reads undefined, never another value.
  slots: Cell<u32>,
  /// Exported-function identity: anyfunc address → weak reference to its JS wrapper.
  functions: RefCell<HashMap<usize, napi_ref>>,
  instances: Cell<u32>,
  /// Bytes reported to V8 for the memories this group's instances define (see memory.rs).
  external: Cell<i64>,
  /// The compiled modules of this group's instances: their code must outlive the store, which
  /// is declared (so dropped) before them.
  modules: RefCell<Vec<Arc<Compiled>>>,
  /// The store's function count when last looked, and whether it held a host function then
  /// (`may_call_host`).
  host_scan: Cell<(usize, bool)>,
}

impl Group {
  pub fn new(env: napi_env, compiler: Compiler) -> Rc<Self> {
    Rc::new(Self {
      env,
      compiler,
      store: StoreCell::new(Store::new(engine::store_engine(compiler))),
      anchor: Cell::new(std::ptr::null_mut()),
      slots: Cell::new(0),
      functions: RefCell::new(HashMap::new()),
      instances: Cell::new(0),
      external: Cell::new(0),
      modules: RefCell::new(Vec::new()),
      host_scan: Cell::new((0, false)),
    })
  }

  /// Records an instance, and the cost of the memories it defines (see memory.rs).
  pub fn note_instance(&self, memory_bytes: &[usize]) {
    self.instances.set(self.instances.get() + 1);
    let cost: i64 = memory_bytes.iter().map(|b| crate::runtime::engine::memory_cost(*b)).sum();
    if cost > 0 {
      napi_raw::adjust_external_memory(self.env, cost);
      self.external.set(self.external.get() + cost);
    }
  }

  /// Keeps `module`'s code for as long as this store lives, and makes its types known to it.
  pub fn keep(&self, store: &impl wasmer::AsStoreRef, module: &Arc<Compiled>) {
    module.register(store);
    let mut modules = self.modules.borrow_mut();
    if !modules.iter().any(|m| Arc::ptr_eq(m, module)) {
      modules.push(module.clone());
    }
  }

  /// A group without instances: it holds one JS-created table, global or tag, which may still
  /// move to another group.
  pub fn is_lone(&self) -> bool {
    self.instances.get() == 0
  }

  /// Runs `f` with this group's store: the store itself when no call is in progress, else the
  /// store that the call in progress lent to the JS it calls (reentry from a JS import, `lend`).
  pub fn enter<R>(&self, f: impl FnOnce(&mut StoreMut<'_>) -> JsResult<R>) -> JsResult<R> {
    self.store.try_with(f).unwrap_or_else(|_| {
      Err(napi_raw::throw_error(
        self.env,
        "wasm-rt: this call re-enters a wasm instance from JS code that an operation on the instance's store runs \
         outside a call of an import; only imports may call back into their instances",
      ))
    })
  }

  /// Runs `f`, the call of an import's JS function, with `store` (this group's store, borrowed
  /// by the wasm call in progress) lent to calls from that JS back into this group's instances.
  pub fn lend<R>(&self, store: &mut StoreMut<'_>, f: impl FnOnce() -> R) -> R {
    self.store.lend(store, f)
  }

  /// Whether wasm of this group's store can call a host function (sys/vm.rs `raw_call`). No JS
  /// runs during a call that cannot, so nothing adds one while it runs.
  pub fn may_call_host(&self, store: &mut StoreMut<'_>) -> bool {
    let count = vm::function_count(store);
    let (seen, host) = self.host_scan.get();
    if seen == count {
      return host;
    }
    let host = vm::has_host_function(store);
    self.host_scan.set((count, host));
    host
  }

  pub fn compiler(&self) -> Compiler {
    self.compiler
  }

  /// The anchor array, created on first use.
  pub fn anchor(&self) -> JsResult<napi_value> {
    let r = self.anchor.get();
    if !r.is_null() {
      if let Some(v) = napi_raw::ref_value(self.env, r) {
        return Ok(v);
      }
      napi_raw::delete_ref(self.env, r);
    }
    let a = napi_raw::array(self.env, 0)?;
    self.anchor.set(napi_raw::create_ref(self.env, a, 0)?);
    Ok(a)
  }

  /// Keeps `v` alive as long as the group's wrappers; returns its slot in the anchor.
  pub fn hold(&self, v: napi_value) -> JsResult<u32> {
    let anchor = self.anchor()?;
    let i = self.slots.get();
    napi_raw::set_element(self.env, anchor, i, v)?;
    self.slots.set(i + 1);
    Ok(i)
  }

  /// Makes JS object `owner` keep the anchor alive: a Global or Table whose externref values
  /// live here, which may outlive every instance and function wrapper of the group.
  pub fn anchor_kept_by(&self, owner: napi_value) -> JsResult<()> {
    let keep = crate::runtime::state::get(self.env, |s| s.keep_anchor)?;
    napi_raw::call(self.env, napi_raw::undefined(self.env), keep, &[owner, self.anchor()?]).map(|_| ())
  }

  pub fn held(&self, slot: u32) -> JsResult<napi_value> {
    napi_raw::get_element(self.env, self.anchor()?, slot)
  }

  pub fn cached_function(&self, key: usize) -> Option<napi_value> {
    let r = *self.functions.borrow().get(&key)?;
    napi_raw::ref_value(self.env, r)
  }

  pub fn cache_function(&self, key: usize, wrapper: napi_value) -> JsResult<()> {
    let r = napi_raw::create_ref(self.env, wrapper, 0)?;
    if let Some(old) = self.functions.borrow_mut().insert(key, r) {
      napi_raw::delete_ref(self.env, old);
    }
    Ok(())
  }

  /// Called when a wrapper is collected; a newer wrapper for the same key stays cached.
  pub fn forget_function(&self, key: usize) {
    let mut map = self.functions.borrow_mut();
    if let Some(&r) = map.get(&key) {
      if napi_raw::ref_value(self.env, r).is_none() {
        map.remove(&key);
        napi_raw::delete_ref(self.env, r);
      }
    }
  }
}

/// What a layer above does when a store is freed, with the store's id (tag.rs forgets the tags
/// homed in it): registered once by lib.rs, so that this layer imports nothing above it.
static STORE_DROPPED: OnceLock<fn(napi_env, u64)> = OnceLock::new();

pub fn on_store_dropped(f: fn(napi_env, u64)) {
  // Registered once per process; later calls (a Worker's load) set the same function.
  let _ = STORE_DROPPED.set(f);
}

impl Drop for Group {
  fn drop(&mut self) {
    if self.external.get() != 0 {
      napi_raw::adjust_external_memory(self.env, -self.external.get());
    }
    let id = self.store.get_mut().id().as_raw().get() as u64;
    // Before the store (and the flags the watchdog writes) is freed.
    crate::runtime::limits::forget_store(id);
    if let Some(dropped) = STORE_DROPPED.get() {
      dropped(self.env, id);
    }
    for (_, r) in self.functions.get_mut().drain() {
      napi_raw::delete_ref(self.env, r);
    }
    let anchor = self.anchor.get();
    if !anchor.is_null() {
      napi_raw::delete_ref(self.env, anchor);
    }
  }
}

/// A table, global or tag and the group whose store holds it.
#[derive(Clone)]
pub struct Home<T> {
  pub group: Rc<Group>,
  pub ext: T,
}

pub enum Standing<T> {
  Linked(T),
  Lone(Home<T>),
}

pub const LINK_ACROSS: &str = "wasm-rt: this instance would link objects that live in two different wasmer stores \
  (each made by another instance); wasmer cannot share a module-defined memory, table, global or tag across stores";

/// Where a JS-visible table, global or tag lives; it changes once, when a lone object moves.
pub struct Placed<T> {
  home: RefCell<Home<T>>,
}

impl<T: Clone> Placed<T> {
  pub fn new(group: Rc<Group>, ext: T) -> Self {
    Self { home: RefCell::new(Home { group, ext }) }
  }

  /// A copy of the current home; no borrow outlives the call, since JS may run next.
  pub fn home(&self) -> Home<T> {
    self.home.borrow().clone()
  }

  /// The instance group this object is tied to; None while it is lone (and may still move).
  pub fn linked_group(&self) -> Option<Rc<Group>> {
    let group = self.home().group;
    (!group.is_lone()).then_some(group)
  }

  /// Where the object stands before it is linked into `target`: already there, or lone and
  /// free to move. LinkError if it lives in another instance group.
  pub fn before_link(&self, env: napi_env, target: &Rc<Group>) -> JsResult<Standing<T>> {
    let home = self.home();
    if Rc::ptr_eq(&home.group, target) {
      Ok(Standing::Linked(home.ext))
    } else if home.group.is_lone() {
      Ok(Standing::Lone(home))
    } else {
      Err(crate::runtime::state::throw_link_error(env, LINK_ACROSS))
    }
  }

  /// The group a lone object must first move to before it can hold `v`: that of `v` when `v`
  /// is a wasm function of another group.
  pub fn drawn_by(&self, g: Option<Rc<Group>>) -> Option<Rc<Group>> {
    let g = g?;
    let home = self.home();
    (!Rc::ptr_eq(&home.group, &g) && home.group.is_lone()).then_some(g)
  }

  pub fn move_to(&self, home: Home<T>) {
    *self.home.borrow_mut() = home;
  }

  /// Runs `f` in the object's store.
  pub fn enter<R>(&self, f: impl FnOnce(&Rc<Group>, &T, &mut StoreMut<'_>) -> JsResult<R>) -> JsResult<R> {
    let Home { group, ext } = self.home();
    group.enter(|store| f(&group, &ext, store))
  }
}

pub fn vm_extern(ext: impl Into<Extern>) -> wasmer_vm::VMExtern {
  ext.into().to_vm_extern().unwrap_sys()
}

/// The identity key of a table, global or tag in `store`.
pub fn key_of(store: &mut StoreMut<'_>, ext: impl Into<Extern>) -> crate::runtime::identity::Key {
  use crate::runtime::identity::Key;
  let objects = store.objects_mut().as_sys();
  match vm_extern(ext) {
    wasmer_vm::VMExtern::Table(h) => Key::Table(h.get(objects).vmtable().as_ptr() as usize),
    wasmer_vm::VMExtern::Global(h) => Key::Global(h.get(objects).vmglobal().as_ptr() as usize),
    wasmer_vm::VMExtern::Memory(h) => {
      use wasmer_vm::LinearMemory;
      Key::Memory(h.get(objects).vmmemory().as_ptr() as usize)
    }
    wasmer_vm::VMExtern::Tag(h) => Key::Tag(objects.id().as_raw().get() as u64, crate::sys::vm::tag_slot(h)),
    wasmer_vm::VMExtern::Function(_) => unreachable!("functions are keyed by function_key"),
  }
}

/// Whether `f` is a dynamic host function (a JS import of a signature bridge/host.rs does not
/// link as a typed function). wasmer cannot hold those as funcref values: it panics when one is
/// put in a table or passed as a funcref argument. Typed host functions it can.
pub fn is_dynamic_function(store: &mut StoreMut<'_>, f: &Function) -> bool {
  match Extern::Function(f.clone()).to_vm_extern().unwrap_sys() {
    wasmer_vm::VMExtern::Function(handle) => handle.get(store.objects_mut().as_sys()).kind == wasmer_vm::VMFunctionKind::Dynamic,
    _ => false,
  }
}

/// The identity of a wasm function (the spec's funcaddr): the address of its
/// `VMCallerCheckedAnyfunc`. wasmer hands out a fresh `Function` handle each time an instance
/// export is looked up, so handles cannot serve as identity; the anyfunc address is the same for
/// every handle of one function, also when another instance imports and re-exports it.
pub fn function_key(store: &mut StoreMut<'_>, f: &Function) -> usize {
  let vm = Extern::Function(f.clone()).to_vm_extern().unwrap_sys();
  match vm {
    wasmer_vm::VMExtern::Function(handle) => handle.get(store.objects_mut().as_sys()).anyfunc.as_ptr().as_ptr() as usize,
    _ => unreachable!("a Function's extern is a function"),
  }
}
