//! Python's and PyYAML's rules, each once, for every tool whose output
//! upstream's Python code defined.
//!
//! Upstream's files and messages are whatever Python makes of the values it
//! read: `f"{x}"` prints `True`, `10.0` or `None`; `int(" 5 ")` is 5;
//! `1 == 1.0 == True`, also as dict keys. Reproducing those rules keeps the
//! generated text and the messages identical for odd but valid inputs.
//!
//! - [`yaml`]: YAML read and written the way PyYAML does (YAML 1.1 scalars,
//!   `safe_load`, the dumper's text), over Python-valued [`yaml::Value`]s.
//! - [`float_repr`], [`round2`]: Python's floats as text.
//! - [`py_str`], [`py_repr`], [`py_type_name`]: `str()`, `repr()`, `type()`.
//! - [`parse_int`], [`parse_float`]: `int()` and `float()` of text.
//! - [`strip`], [`stem`], [`universal_newlines`]: text and path rules.
//! - [`PyDict`]: a `dict` whose keys compare like Python's.
//! - [`oracle`]: the pinned Python oracles (PyYAML, ansible-inventory) the
//!   tests compare against.
//!
//! Nothing here reads a file or runs a program for a tool: that is
//! `shared`'s side, and tools that need no Python rule do not compile this.
//! Messages in a tool's own words stay in the tool.

#![forbid(unsafe_code)]

mod dict;
mod float;
pub mod oracle;
mod parse;
mod repr;
mod text;
pub mod yaml;

pub use dict::PyDict;
pub use float::{float_repr, round2, write_float_repr};
pub use parse::{parse_float, parse_i128, parse_int, PyInt};
pub use repr::{py_repr, py_str, py_type_name, PyStr};
pub use text::{is_space, stem, strip, universal_newlines};

#[cfg(test)]
mod tests;
