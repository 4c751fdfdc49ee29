//! `generate` as a library: the modules of the `generate` binary
//! (`main.rs` only parses the command line and calls [`run`]), and
//! [`fuzz`], the in-memory pipeline the fuzz target and its seed test share.

#![forbid(unsafe_code)]

pub mod cli;
mod enrich;
pub mod fuzz;
mod lock;
mod orphans;
mod par;
mod pipeline;
mod prefetch;
mod py;
mod render;
mod strict;
mod validate;
mod warnings;
mod write;
mod zones;

pub use pipeline::run;
