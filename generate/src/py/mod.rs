//! The pieces of Python semantics that the generator and the validator
//! depend on.
//!
//! Upstream's files and messages are whatever Python makes of the values it
//! read: `f"{x}"` prints `True`, `10.0` or `None`; `int(" 5 ")` is 5;
//! `x or {}` treats every falsy value as empty; `1 == 1.0 == True`, also as
//! dict keys. Reproducing those rules here keeps the generated text and the
//! validation messages identical for odd but valid inputs. Where Python
//! would raise an uncaught exception (a traceback), we return an [`Error`]
//! that says what is wrong instead.
//!
//! [`repr`]: `str()` and `repr()` of values; [`parse`]: `int()` and
//! `float()`.

mod parse;
mod repr;

pub use parse::{parse_float, parse_i128, parse_int, trunc};
pub use repr::{float_repr, py_repr, py_str, PyStr};

use indexmap::IndexMap;
use py::yaml::{Map, Value};
use shared::Error;
use std::hash::Hash;

/// What a value is, in YAML words ("string", "mapping", "null"), for the
/// generator's own error messages.
pub fn kind(v: &Value) -> &'static str {
    v.kind()
}

/// `type(value).__name__`.
pub fn py_type_name(v: &Value) -> &'static str {
    match v {
        Value::Timestamp(s) if !s.contains([' ', 'T', 't']) => "date",
        _ => v.type_name(),
    }
}

/// The type of a value for the validator's own "must be a mapping, got …"
/// messages: Python's type name, except that YAML's empty value reads as
/// `null`.
pub fn py_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        _ => py_type_name(v),
    }
}

/// `str.isspace()` for one character: Unicode White_Space plus the four
/// ASCII separators \x1c-\x1f.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// `str.strip()` with no argument.
pub fn strip(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// `x or {}` where the result is then used as a mapping: falsy values are
/// empty, a mapping is itself, anything else makes Python fail.
pub fn map_or_empty<'a>(
    v: Option<&'a Value>,
    what: &dyn Fn() -> String,
) -> Result<Option<&'a Map>, Error> {
    match v {
        None => Ok(None),
        Some(Value::Map(m)) => Ok(Some(m)),
        Some(other) if !other.truthy() => Ok(None),
        Some(other) => Err(Error::new(format!(
            "{} must be a mapping, got {}",
            what(),
            kind(other)
        ))),
    }
}

/// `key in container` for a container read from the file.
pub fn contains(container: &Value, key: &Value) -> Result<bool, Error> {
    match (container, key) {
        (Value::Map(m), k) => Ok(m.contains_key(k)),
        (Value::Seq(s), k) => Ok(s.iter().any(|x| x == k)),
        (Value::Str(s), Value::Str(k)) => Ok(s.contains(k.as_str())),
        (other, _) => Err(Error::new(format!(
            "expected a mapping, got {}",
            kind(other)
        ))),
    }
}

/// `container[key]`, with Python's failure when the key is absent.
pub fn index<'a>(container: &'a Value, key: &Value) -> Result<&'a Value, Error> {
    match container {
        Value::Map(m) => m
            .get(key)
            .ok_or_else(|| Error::new(format!("missing key {}", py_repr(key)))),
        Value::Seq(s) => {
            let i = key
                .as_int()
                .ok_or_else(|| Error::new("list indices must be integers"))?;
            let len = s.len() as i128;
            let i = if i < 0 { i + len } else { i };
            if (0..len).contains(&i) {
                Ok(&s[i as usize])
            } else {
                Err(Error::new("list index out of range"))
            }
        }
        other => Err(Error::new(format!(
            "expected a mapping, got {}",
            kind(other)
        ))),
    }
}

/// A string map key.
pub fn key(s: &str) -> Value {
    Value::Str(s.to_owned())
}

/// A Python `dict` with keys compared by Python equality (`1 == 1.0 ==
/// True`, which `Value`'s `Hash` and `Eq` follow), insertion ordered;
/// assigning an existing key keeps its place.
#[derive(Debug, Clone)]
pub struct PyDict<K, V> {
    items: IndexMap<K, V>,
}

impl<K, V> Default for PyDict<K, V> {
    fn default() -> Self {
        PyDict {
            items: IndexMap::new(),
        }
    }
}

impl<K: Hash + Eq, V> PyDict<K, V> {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn get(&self, key: &K) -> Option<&V> {
        self.items.get(key)
    }
    pub fn contains(&self, key: &K) -> bool {
        self.items.contains_key(key)
    }
    pub fn insert(&mut self, key: K, value: V) {
        self.items.insert(key, value);
    }
    /// `d.setdefault(key, V::default())`.
    pub fn entry_or_default(&mut self, key: K) -> &mut V
    where
        V: Default,
    {
        self.items.entry(key).or_default()
    }
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.items.iter()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests;
