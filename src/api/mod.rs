//! The engine side of the JS API's interfaces, one file per interface (Module, Instance,
//! Memory, Table, Global, Tag), and the bridge: how values, calls, traps and exceptions cross
//! between JS and wasm.

pub mod bridge;
pub mod global;
pub mod instance;
pub mod memory;
pub mod module;
pub mod shared_memory;
pub mod table;
pub mod tag;
