//! The JS↔wasm bridge: exported functions (JS → wasm), host functions (wasm → JS), value
//! conversion (the spec's ToJSValue / ToWebAssemblyValue) and how traps and JS exceptions cross.

pub mod catchable;
pub mod errors;
pub mod exported;
pub mod func_data;
pub mod host;
pub mod raw_call;
pub mod string_builtins;
mod typed_host;
pub mod values;
