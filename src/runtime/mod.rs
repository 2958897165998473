//! The runtime under every interface: engines and generations of compiled code (engine.rs), the
//! link groups that own wasmer stores (group.rs), object identity, per-environment state, limits
//! and the watchdog, and panic capture. It knows nothing of the interfaces above it: those that
//! must hear of a store's end or a termination register hooks here.

pub mod engine;
pub mod group;
pub mod identity;
pub mod limits;
pub mod panics;
pub mod state;
