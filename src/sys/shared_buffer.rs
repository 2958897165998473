//! The Rust side of shared_buffer.cc: a SharedArrayBuffer over bytes that wasm-rt owns (a shared
//! memory's), which V8 has no Node-API call for.

use std::ffi::c_void;

use napi::sys::napi_value;

/// What keeps the bytes of a buffer alive; V8 drops it, on any thread, after the last buffer over
/// those bytes is collected.
pub type Owner = Box<dyn Send>;

#[cfg(shared_buffer)]
mod shim {
  use std::ffi::c_void;

  use napi::sys::napi_value;

  unsafe extern "C" {
    pub fn wasm_rt_shared_buffer(data: *mut c_void, length: usize, owner: *mut c_void) -> napi_value;
    pub fn wasm_rt_shared_buffer_data(value: napi_value) -> *mut c_void;
  }

  /// Called by V8, from any thread, when no buffer over the bytes is left.
  #[unsafe(no_mangle)]
  pub extern "C" fn wasm_rt_release_shared(owner: *mut c_void) {
    // SAFETY: `owner` is the box `new` leaked for this buffer, released once.
    drop(unsafe { Box::from_raw(owner.cast::<super::Owner>()) });
  }
}

/// Whether this build has the shim (Node's headers were found when it was built, build.rs).
pub const AVAILABLE: bool = cfg!(shared_buffer);

/// A SharedArrayBuffer over `len` bytes at `data`, holding `owner` until V8 collects it; None in a
/// build without the shim.
///
/// Contract: `owner` keeps the bytes mapped, unmoved, while it lives.
#[cfg(shared_buffer)]
pub fn new(data: *mut u8, len: usize, owner: Owner) -> Option<napi_value> {
  let owner = Box::into_raw(Box::new(owner));
  // SAFETY: the contract above; V8 hands `owner` back to `wasm_rt_release_shared`.
  Some(unsafe { shim::wasm_rt_shared_buffer(data.cast::<c_void>(), len, owner.cast()) })
}

/// Without the shim there is no buffer.
#[cfg(not(shared_buffer))]
pub fn new(_: *mut u8, _: usize, _: Owner) -> Option<napi_value> {
  None
}

/// The address of the bytes under `value` if it is a SharedArrayBuffer (null otherwise, and in a
/// build without the shim).
#[cfg(shared_buffer)]
pub fn data_of(value: napi_value) -> *mut c_void {
  // SAFETY: the shim reads the backing store of `value` if it is a SharedArrayBuffer, and returns null otherwise.
  unsafe { shim::wasm_rt_shared_buffer_data(value) }
}

#[cfg(not(shared_buffer))]
pub fn data_of(_: napi_value) -> *mut c_void {
  std::ptr::null_mut()
}
