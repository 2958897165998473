//! Object identity across the boundary: the same wasm memory, table, global or tag always maps to
//! the same JS object, whether JS created it, an instance exported it or another re-exported it.
//! The map holds weak references, keyed by what wasmer keeps stable for the object's life: the
//! address of its VM definition (memories, tables, globals) or its store slot (tags).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use napi::sys::{napi_env, napi_ref, napi_value};

use crate::sys::napi_raw::{self, JsResult};

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Key {
  Memory(usize),
  Table(usize),
  Global(usize),
  Tag(u64, usize),
}

thread_local! {
  static OBJECTS: RefCell<HashMap<Key, napi_ref>> = RefCell::new(HashMap::new());
}

/// The live JS object for `key`, if there is one.
pub fn lookup(env: napi_env, key: Key) -> Option<napi_value> {
  let r = OBJECTS.with(|m| m.borrow().get(&key).copied())?;
  napi_raw::ref_value(env, r)
}

pub fn remember(env: napi_env, key: Key, obj: napi_value) -> JsResult<()> {
  let r = napi_raw::create_ref(env, obj, 0)?;
  if let Some(old) = OBJECTS.with(|m| m.borrow_mut().insert(key, r)) {
    napi_raw::delete_ref(env, old);
  }
  Ok(())
}

/// Drops the entry for `key` unless a live object holds it (a newer object may have taken over
/// the key after the old one was collected).
pub fn forget(env: napi_env, key: Key) {
  // try_with: a drop while the thread ends finds the map gone (see reclaim.rs).
  let dead = OBJECTS
    .try_with(|m| {
      let mut m = m.borrow_mut();
      match m.get(&key) {
        Some(&r) if napi_raw::ref_value(env, r).is_none() => m.remove(&key),
        _ => None,
      }
    })
    .ok()
    .flatten();
  if let Some(r) = dead {
    napi_raw::delete_ref(env, r);
  }
}

/// The identity entry of one native object: forgotten when the object is dropped, moved when
/// the object moves to another store.
pub struct Tracked {
  env: napi_env,
  key: Cell<Key>,
}

impl Tracked {
  pub fn new(env: napi_env, key: Key) -> Self {
    Self { env, key: Cell::new(key) }
  }

  pub fn rekey(&self, to: Key) {
    rekey(self.env, self.key.replace(to), to);
  }
}

impl Drop for Tracked {
  fn drop(&mut self) {
    forget(self.env, self.key.get());
  }
}

/// Moves the entry of a migrated object to its new key.
fn rekey(env: napi_env, from: Key, to: Key) {
  let r = OBJECTS.with(|m| m.borrow_mut().remove(&from));
  if let Some(r) = r {
    if let Some(old) = OBJECTS.with(|m| m.borrow_mut().insert(to, r)) {
      napi_raw::delete_ref(env, old);
    }
  }
}
