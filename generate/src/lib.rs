//! `generate` as a library: the modules of the `generate` binary
//! (`main.rs` parses the command line, reads the environment into a
//! [`config::Config`] and calls [`run`]), and [`fuzz`], which runs the same
//! pipeline on any bytes for the fuzz target and its seed test.

#![forbid(unsafe_code)]

pub mod cli;
pub mod config;
mod enrich;
mod files;
pub mod fuzz;
mod lock;
mod orphans;
mod output;
mod par;
mod pipeline;
mod prefetch;
mod pyops;
mod render;
mod strict;
mod validate;
mod warnings;
mod write;
mod zones;

pub use pipeline::{run, End};
