//! The in-memory YAML value, shaped like what PyYAML's `safe_load` returns.
//!
//! anklume's files were read by PyYAML, so a value here must keep the Python
//! meaning: ints are unbounded-ish (`i128`), mapping keys may be any scalar,
//! `1`, `1.0` and `true` are the same key, and assigning an existing key keeps
//! its position. Containers carry an optional identity so that a node shared
//! in two places (a YAML alias, or the generator reusing one object) can be
//! written back with `&id001` anchors the way PyYAML does.

use indexmap::IndexMap;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};

/// A YAML value with Python semantics.
#[derive(Debug, Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    /// A `date` or `datetime` as Python would write it back
    /// (`2024-01-01`, `2024-01-01 10:00:00+01:00`).
    Timestamp(String),
    Binary(Vec<u8>),
    Seq(Seq),
    Map(Map),
}

/// Identity of a container; 0 means "not shared with anything".
pub type NodeId = u64;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A fresh identity, unique within the process.
pub fn fresh_id() -> NodeId {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// A sequence (Python `list`).
#[derive(Debug, Clone, Default)]
pub struct Seq {
    pub id: NodeId,
    pub items: Vec<Value>,
}

/// A mapping (Python `dict`): insertion ordered, last duplicate wins.
#[derive(Debug, Clone, Default)]
pub struct Map {
    pub id: NodeId,
    pub entries: IndexMap<Value, Value>,
}

impl Seq {
    pub fn new() -> Self {
        Seq::default()
    }
}

impl Map {
    pub fn new() -> Self {
        Map::default()
    }
    /// Look up a string key (the common case in infra.yml).
    pub fn get_str(&self, key: &str) -> Option<&Value> {
        self.entries.get(&Value::Str(key.to_owned()))
    }
    pub fn get_str_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.entries.get_mut(&Value::Str(key.to_owned()))
    }
    /// Insert or replace, keeping the position of an existing key (Python dict).
    pub fn insert(&mut self, key: impl Into<Value>, value: impl Into<Value>) -> Option<Value> {
        self.entries.insert(key.into(), value.into())
    }
    pub fn contains_str(&self, key: &str) -> bool {
        self.get_str(key).is_some()
    }
    /// Remove a key, keeping the order of the others (Python `del d[k]`).
    pub fn remove_str(&mut self, key: &str) -> Option<Value> {
        self.entries.shift_remove(&Value::Str(key.to_owned()))
    }
}

impl Deref for Seq {
    type Target = Vec<Value>;
    fn deref(&self) -> &Vec<Value> {
        &self.items
    }
}
impl DerefMut for Seq {
    fn deref_mut(&mut self) -> &mut Vec<Value> {
        &mut self.items
    }
}
impl Deref for Map {
    type Target = IndexMap<Value, Value>;
    fn deref(&self) -> &IndexMap<Value, Value> {
        &self.entries
    }
}
impl DerefMut for Map {
    fn deref_mut(&mut self) -> &mut IndexMap<Value, Value> {
        &mut self.entries
    }
}

impl PartialEq for Seq {
    fn eq(&self, other: &Self) -> bool {
        self.items == other.items
    }
}
impl PartialEq for Map {
    fn eq(&self, other: &Self) -> bool {
        // Python dict equality ignores order.
        self.entries.len() == other.entries.len()
            && self
                .entries
                .iter()
                .all(|(k, v)| other.entries.get(k) == Some(v))
    }
}

impl Value {
    /// Python truthiness (`if value:`).
    pub fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::Timestamp(_) => true,
            Value::Binary(b) => !b.is_empty(),
            Value::Seq(s) => !s.is_empty(),
            Value::Map(m) => !m.is_empty(),
        }
    }
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
    /// A Python `bool` (not an int that happens to be 0/1).
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    /// A Python `int`, which includes `bool` (isinstance(True, int) is True).
    pub fn as_int(&self) -> Option<i128> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(*b as i128),
            _ => None,
        }
    }
    pub fn as_map(&self) -> Option<&Map> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }
    pub fn as_map_mut(&mut self) -> Option<&mut Map> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }
    pub fn as_seq(&self) -> Option<&Seq> {
        match self {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_seq_mut(&mut self) -> Option<&mut Seq> {
        match self {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }
    /// `value.get("key")` on a mapping; None for anything else.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_map().and_then(|m| m.get_str(key))
    }
    /// The Python type name, for error messages ("expected a mapping, got list").
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "NoneType",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "str",
            Value::Timestamp(_) => "datetime",
            Value::Binary(_) => "bytes",
            Value::Seq(_) => "list",
            Value::Map(_) => "dict",
        }
    }
}

/// Python equality: `1 == 1.0 == True`, containers compare by content.
impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        use Value::*;
        match (self, other) {
            (Null, Null) => true,
            (Str(a), Str(b)) => a == b,
            (Timestamp(a), Timestamp(b)) => a == b,
            (Binary(a), Binary(b)) => a == b,
            (Seq(a), Seq(b)) => a == b,
            (Map(a), Map(b)) => a == b,
            (Float(a), Float(b)) => a == b,
            (Float(f), x) | (x, Float(f)) => match x.as_int() {
                Some(i) => (i as f64) == *f && f.fract() == 0.0,
                None => false,
            },
            (a, b) => match (a.as_int(), b.as_int()) {
                (Some(x), Some(y)) => x == y,
                _ => false,
            },
        }
    }
}

// NaN != NaN, as in Python; a NaN key simply never matches.
impl Eq for Value {}

impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Value::Null => 0u8.hash(state),
            Value::Bool(b) => (*b as i128).hash(state),
            Value::Int(i) => i.hash(state),
            Value::Float(f) => {
                if f.fract() == 0.0 && f.is_finite() && f.abs() < 1e38 {
                    (*f as i128).hash(state)
                } else {
                    f.to_bits().hash(state)
                }
            }
            Value::Str(s) => s.hash(state),
            Value::Timestamp(s) => s.hash(state),
            Value::Binary(b) => b.hash(state),
            // Unhashable in Python; the loader refuses them as keys.
            Value::Seq(_) | Value::Map(_) => 1u8.hash(state),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_owned())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i as i128)
    }
}
impl From<i128> for Value {
    fn from(i: i128) -> Self {
        Value::Int(i)
    }
}
impl From<f64> for Value {
    fn from(f: f64) -> Self {
        Value::Float(f)
    }
}
impl From<Map> for Value {
    fn from(m: Map) -> Self {
        Value::Map(m)
    }
}
impl From<Seq> for Value {
    fn from(s: Seq) -> Self {
        Value::Seq(s)
    }
}
impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Self {
        Value::Seq(Seq { id: 0, items })
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Self {
        o.map_or(Value::Null, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_key_equality() {
        let mut m = Map::new();
        m.insert(Value::Int(1), "int");
        m.insert(Value::Bool(true), "bool");
        m.insert(Value::Float(1.0), "float");
        assert_eq!(m.len(), 1);
        assert!(matches!(m.keys().next(), Some(Value::Int(1))));
        assert_eq!(m.values().next(), Some(&Value::from("float")));
    }

    #[test]
    fn insert_keeps_position() {
        let mut m = Map::new();
        m.insert("a", 1i64);
        m.insert("b", 2i64);
        m.insert("a", 3i64);
        let keys: Vec<_> = m.keys().filter_map(Value::as_str).collect();
        assert_eq!(keys, ["a", "b"]);
        assert_eq!(m.get_str("a"), Some(&Value::Int(3)));
    }
}
