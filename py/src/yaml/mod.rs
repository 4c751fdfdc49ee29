//! YAML with PyYAML's meaning.
//!
//! anklume's files were written for PyYAML (`safe_load` / `safe_dump`), which
//! follows YAML 1.1: `yes`/`on` are booleans, `010` is octal, duplicate keys
//! keep the last value. serde_yaml follows YAML 1.2 and cannot see whether a
//! scalar was quoted, so we read parser events (yaml-rust2) and resolve plain
//! scalars with PyYAML's own rules ([`load`]), and write text the way
//! PyYAML's emitter does ([`emit`]).

mod construct;
pub mod emit;
mod emit_analyze;
mod emit_scalar;
#[doc(hidden)]
pub mod fast;
pub mod load;
mod resolve;
pub mod value;

pub use load::{load_str, load_str_slow, LoadError};
pub use value::{fresh_id, Map, NodeId, Seq, Value};
