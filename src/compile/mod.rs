//! From wasm bytes to a compiled module: the pipeline (dedup across the process, prechecks that
//! work around wasmer, custom-section stripping, tiering), the rewrites that run before wasmer
//! sees a module (elem_init.rs, non_null.rs, the exception marker of catches.rs), the exported
//! functions that call nothing (leaves.rs), the code cache and the tier-up helper.

pub mod cache;
pub mod catches;
pub mod elem_init;
pub mod leaves;
pub mod non_null;
pub mod pipeline;
pub mod tier_up;
pub mod tier_up_helper;
