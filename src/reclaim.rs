//! Freeing what JS drops.
//!
//! A finalizer only queues its box here; the queue is emptied at the next safe point: the entry
//! of any native function, or, if none comes, a `node_api_post_finalizer` callback. Dropping a
//! store from inside a finalizer would be unsafe if finalizers ran inside garbage collection.
//!
//! Node 20 runs finalizers from the event loop, so a fully synchronous loop frees nothing until
//! it yields. Declaring the experimental Node-API version makes Node run them inside GC (measured:
//! a synchronous loop of 100k instances with memories then stays flat), but Node 20.20 then
//! aborts the process when a GC happens while a Node-API call's exception is being rethrown
//! (`AllowJavascriptExecution::IsAllowed`, seen on table/grow.any.js), so wasm-rt does not.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::ffi::c_void;
use std::ptr;

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

thread_local! {
  static QUEUE: RefCell<Vec<Box<dyn Any>>> = const { RefCell::new(Vec::new()) };
  static POSTED: Cell<bool> = const { Cell::new(false) };
}

/// A Node-API finalizer for data made by `Box::into_raw(Box::new(T))`.
pub unsafe extern "C" fn finalize_box<T: 'static>(env: napi_env, data: *mut c_void, _hint: *mut c_void) {
  // SAFETY: the caller registered `data` as a leaked `Box<T>`, finalized exactly once.
  let b: Box<T> = unsafe { Box::from_raw(data as *mut T) };
  QUEUE.with(|q| q.borrow_mut().push(b));
  if !POSTED.with(|p| p.replace(true)) {
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
    let batch = QUEUE.with(|q| std::mem::take(&mut *q.borrow_mut()));
    if batch.is_empty() {
      return;
    }
    drop(batch);
  }
}
