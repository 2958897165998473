//! The lowest layer, and the only one with `unsafe` besides the WASI host calls: Node-API and V8
//! as wasm-rt calls them (napi_raw.rs: raw Node-API calls, native callbacks, object type tags;
//! reclaim.rs: finalizers that run where Node allows; v8.rs: V8's termination flag;
//! shared_buffer.rs and .cc: the C++ shim for a SharedArrayBuffer over a wasm memory, built by
//! build.rs), wasmer below its safe API (vm.rs), and the operating system (os.rs). Every function
//! here has a safe signature; where a contract remains that the compiler cannot check (a pointer
//! that must outlive something), its doc comment says "Contract:" and names who keeps it.

pub mod js_thread;
pub mod napi_raw;
pub mod os;
pub mod reclaim;
pub mod shared_buffer;
pub mod v8;
pub mod vm;
