//! Freeing what JS drops, also inside a synchronous loop.
//!
//! Node 20 runs Node-API finalizers from the event loop, so a synchronous loop that creates and
//! drops instances would keep every store (and its 8 GiB memory reservations) until the loop
//! ends. A module that declares the experimental Node-API version has its finalizers run inside
//! the garbage collection instead (see `node_api_module_get_api_version_v1` in lib.rs). There, a
//! finalizer may not call into JS, and dropping a store can delete references, so a finalizer
//! only queues its box here. The queue is emptied at the next safe point: the entry of any
//! native function, or, if none comes, a `node_api_post_finalizer` callback on the event loop.
//!
//! Node aborts if such a finalizer runs while a Node-API exception waits in the env to be
//! rethrown, so natives never leave one there: napi_raw.rs records a failing call's exception and
//! throws it only as the call returns.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::ptr;
use std::rc::Rc;

use napi::sys::{napi_env, napi_status};

extern "C" {
  // Node-API's experimental part, present in Node ≥ 20.10; not in napi-sys.
  fn node_api_post_finalizer(
    env: napi_env,
    finalize_cb: Option<unsafe extern "C" fn(napi_env, *mut c_void, *mut c_void)>,
    data: *mut c_void,
    hint: *mut c_void,
  ) -> napi_status;
}

/// What is still queued when the thread ends (the process exiting, a worker finishing) is
/// leaked, not dropped: dropping it then would call Node-API on an environment that is going away
/// and read thread-locals that are already destroyed — a panic that cannot unwind, so an abort
/// (found by `wasm-rt fuzz`: exit after an uncaught exception).
struct Queue(RefCell<Vec<Box<dyn Any>>>);

impl Drop for Queue {
  fn drop(&mut self) {
    std::mem::forget(std::mem::take(self.0.get_mut()));
  }
}

thread_local! {
  static QUEUE: Queue = const { Queue(RefCell::new(Vec::new())) };
  static POSTED: Cell<bool> = const { Cell::new(false) };
}

/// A Node-API finalizer for a count made by `Rc::into_raw(Rc<T>)` (napi_raw::wrap_rc).
pub unsafe extern "C" fn finalize_rc<T: 'static>(env: napi_env, data: *mut c_void, _hint: *mut c_void) {
  // SAFETY: the caller registered `data` as one leaked count of an `Rc<T>`, finalized once.
  let mut b: Option<Box<dyn Any>> = Some(Box::new(unsafe { Rc::from_raw(data as *const T) }));
  if QUEUE.try_with(|q| q.0.borrow_mut().extend(b.take())).is_err() {
    // The thread is ending (see `Queue`).
    std::mem::forget(b);
    return;
  }
  if !POSTED.with(|p| p.replace(true)) {
    // SAFETY: a valid env on its own thread; `drain_posted` takes no data.
    unsafe { node_api_post_finalizer(env, Some(drain_posted), ptr::null_mut(), ptr::null_mut()) };
  }
}

unsafe extern "C" fn drain_posted(_env: napi_env, _data: *mut c_void, _hint: *mut c_void) {
  POSTED.with(|p| p.set(false));
  drain();
}

/// Drops everything queued. Call only where no borrow of wasm-rt's native state is held.
pub fn drain() {
  loop {
    let batch = QUEUE.try_with(|q| std::mem::take(&mut *q.0.borrow_mut())).unwrap_or_default();
    if batch.is_empty() {
      return;
    }
    drop(batch);
  }
}
