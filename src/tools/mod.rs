//! The native halves of the command-line tools: the wast script runner and the fuzzer's module
//! generator. Nothing in the API uses them.

pub mod fuzz;
pub mod wast;
