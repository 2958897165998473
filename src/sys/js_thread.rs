//! Data that wasmer requires to be `Send + Sync` but that holds JS handles.
//!
//! wasmer asks host functions' closures and environments to be `Send + Sync`, yet a wasm-rt store
//! never leaves the JS thread that created it (`Store` is !Send and stores live per environment),
//! so what such a closure holds (a napi_env, references, `Rc`s) is only ever touched on that
//! thread. This wrapper says so once, instead of an `unsafe impl` per type.

use std::ops::Deref;

pub struct JsThread<T>(T);

// SAFETY: see the module comment: the value is created, used and dropped on its JS thread only;
// wasmer moves it through its own frames on that thread.
unsafe impl<T> Send for JsThread<T> {}
// SAFETY: as for `Send` above.
unsafe impl<T> Sync for JsThread<T> {}

impl<T> JsThread<T> {
  pub fn new(value: T) -> Self {
    Self(value)
  }
}

impl<T: Clone> Clone for JsThread<T> {
  fn clone(&self) -> Self {
    Self(self.0.clone())
  }
}

impl<T> Deref for JsThread<T> {
  type Target = T;

  fn deref(&self) -> &T {
    &self.0
  }
}
