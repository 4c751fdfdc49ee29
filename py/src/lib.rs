//! Python's and PyYAML's rules, each once, for every tool whose output
//! upstream's Python code defined.
//!
//! - [`yaml`]: YAML read and written the way PyYAML does (YAML 1.1 scalars,
//!   `safe_load`, the dumper's text), over Python-valued [`yaml::Value`]s.
//! - [`float_repr`]: Python's `repr(float)`.
//! - [`oracle`]: the pinned Python oracles (PyYAML, ansible-inventory) the
//!   tests compare against.
//!
//! Nothing here reads a file or runs a program for a tool: that is
//! `shared`'s side, and tools that need no Python rule do not compile this.

#![forbid(unsafe_code)]

mod float;
pub mod oracle;
pub mod yaml;

pub use float::{float_repr, write_float_repr};
