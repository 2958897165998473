//! The lowest layer: Node-API and V8 as wasm-rt calls them. Raw Node-API calls and object type
//! tags (napi_raw.rs), finalizers that run where Node allows (reclaim.rs), V8's termination flag
//! (v8.rs), and the C++ shim for a SharedArrayBuffer over a wasm memory (shared_buffer.cc, built
//! by build.rs).

pub mod napi_raw;
pub mod reclaim;
pub mod shared_buffer;
pub mod v8;
