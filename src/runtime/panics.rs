//! A panic in wasm-rt or in wasmer is caught where native code meets JS and becomes a JS error.
//! The hook keeps the panic's message and place for that error instead of printing them to
//! stderr, so a handled failure (a compiler that panics on one module) stays quiet.

use std::sync::{Mutex, Once};

static LAST: Mutex<Option<String>> = Mutex::new(None);

pub fn install() {
  static ONCE: Once = Once::new();
  ONCE.call_once(|| {
    std::panic::set_hook(Box::new(|info| {
      *LAST.lock().unwrap_or_else(|e| e.into_inner()) = Some(info.to_string().replace('\n', " "));
    }));
  });
}

/// What the most recent panic said, for the error that reports it.
pub fn last() -> String {
  LAST.lock().unwrap_or_else(|e| e.into_inner()).take().unwrap_or_else(|| "no panic message".to_owned())
}
