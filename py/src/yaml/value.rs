//! The in-memory YAML value, shaped like what PyYAML's `safe_load` returns.
//!
//! anklume's files were read by PyYAML, so a value here must keep the Python
//! meaning: ints are unbounded-ish (`i128`), mapping keys may be any scalar,
//! `1`, `1.0` and `true` are the same key, and assigning an existing key keeps
//! its position. Containers carry an optional identity so that a node shared
//! in two places (a YAML alias, or the generator reusing one object) can be
//! written back with `&id001` anchors the way PyYAML does.

use indexmap::{Equivalent, IndexMap};
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

/// The hasher of mapping keys: foldhash, seeded per process. SipHash (std's
/// default) was a tenth of a whole `generate` run; the order of entries
/// does not depend on it (IndexMap keeps insertion order).
pub type MapHasher = foldhash::fast::RandomState;

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
    pub entries: IndexMap<Value, Value, MapHasher>,
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
    /// The value of a key (`IndexMap::get`, which this shadows). A small
    /// mapping compares its keys one by one rather than hashing the key:
    /// most of infra.yml's mappings have a handful of keys, and hashing a
    /// key costs more than several comparisons. Same answer either way.
    pub fn get<Q: ?Sized + Hash + Equivalent<Value>>(&self, key: &Q) -> Option<&Value> {
        if self.entries.len() <= LINEAR_LOOKUP {
            let found = self.entries.iter().find(|(k, _)| key.equivalent(*k));
            found.map(|(_, v)| v)
        } else {
            self.entries.get(key)
        }
    }
    /// `IndexMap::get_mut`, as [`get`](Self::get) looks keys up.
    pub fn get_mut<Q: ?Sized + Hash + Equivalent<Value>>(&mut self, key: &Q) -> Option<&mut Value> {
        if self.entries.len() <= LINEAR_LOOKUP {
            let found = self.entries.iter_mut().find(|(k, _)| key.equivalent(*k));
            found.map(|(_, v)| v)
        } else {
            self.entries.get_mut(key)
        }
    }
    /// `IndexMap::contains_key`, as [`get`](Self::get) looks keys up.
    pub fn contains_key<Q: ?Sized + Hash + Equivalent<Value>>(&self, key: &Q) -> bool {
        self.get(key).is_some()
    }
    /// Look up a string key (the common case in infra.yml), without
    /// building a `Value` for it.
    pub fn get_str(&self, key: &str) -> Option<&Value> {
        self.get(&StrKey(key))
    }
    pub fn get_str_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.get_mut(&StrKey(key))
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
        self.entries.shift_remove(&StrKey(key))
    }
}

/// Up to this many keys, [`Map::get`] compares keys instead of hashing.
const LINEAR_LOOKUP: usize = 8;

/// A borrowed string key that hashes and compares like `Value::Str`.
struct StrKey<'a>(&'a str);

impl Hash for StrKey<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Must match `Value::hash` for `Value::Str`.
        self.0.hash(state)
    }
}

impl Equivalent<Value> for StrKey<'_> {
    fn equivalent(&self, key: &Value) -> bool {
        matches!(key, Value::Str(s) if s == self.0)
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
    type Target = IndexMap<Value, Value, MapHasher>;
    fn deref(&self) -> &IndexMap<Value, Value, MapHasher> {
        &self.entries
    }
}
impl DerefMut for Map {
    fn deref_mut(&mut self) -> &mut IndexMap<Value, Value, MapHasher> {
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
    /// What the value is in YAML words ("string", "list", "mapping",
    /// "null"), for the messages that say what was found instead.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "string",
            Value::Timestamp(_) => "date",
            Value::Binary(_) => "binary",
            Value::Seq(_) => "list",
            Value::Map(_) => "mapping",
        }
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
                Some(i) => float_as_int(*f) == Some(i),
                None => false,
            },
            (a, b) => match (a.as_int(), b.as_int()) {
                (Some(x), Some(y)) => x == y,
                _ => false,
            },
        }
    }
}

/// The integer a float is exactly equal to, if any: Python compares an int
/// with a float by exact value (`2**53 + 1 != 2.0**53`).
fn float_as_int(f: f64) -> Option<i128> {
    const LIMIT: f64 = 170_141_183_460_469_231_731_687_303_715_884_105_728.0; // 2**127
                                                                              // `fract()` of an infinity or a NaN is NaN, so those are excluded too.
    (f.fract() == 0.0 && (-LIMIT..LIMIT).contains(&f)).then_some(f as i128)
}

// NaN != NaN, as in Python; a NaN key simply never matches.
impl Eq for Value {}

impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Value::Null => 0u8.hash(state),
            Value::Bool(b) => (*b as i128).hash(state),
            Value::Int(i) => i.hash(state),
            // Equal to an int exactly when it hashes like that int.
            Value::Float(f) => match float_as_int(*f) {
                Some(i) => i.hash(state),
                None => f.to_bits().hash(state),
            },
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
    fn int_float_equality_is_exact() {
        let big = 1i128 << 53;
        assert_eq!(Value::Int(big), Value::Float(big as f64));
        assert_ne!(Value::Int(big + 1), Value::Float(big as f64));
        let top = i128::MAX;
        assert_ne!(Value::Int(top), Value::Float(top as f64));
        assert_eq!(Value::Float(-0.0), Value::Int(0));
        let mut m = Map::new();
        m.insert(Value::Int(big + 1), "int");
        m.insert(Value::Float(big as f64), "float");
        m.insert(Value::Float(1e38), "1e38");
        assert_eq!(m.len(), 3);
        assert_eq!(m.get(&Value::Int(1e38 as i128)), Some(&Value::from("1e38")));
        assert_eq!(m.get_str("x"), None);
        m.insert("x", 1i64);
        assert_eq!(m.get_str("x"), Some(&Value::Int(1)));
        assert_eq!(m.remove_str("x"), Some(Value::Int(1)));
    }

    #[test]
    fn small_and_large_maps_find_the_same_keys() {
        for n in [3i64, 8, 9, 40] {
            let mut m = Map::new();
            for i in 0..n {
                m.insert(format!("k{i}"), i);
                m.insert(Value::Int(1000 + i as i128), i);
            }
            for i in 0..n {
                assert_eq!(m.get_str(&format!("k{i}")), Some(&Value::Int(i as i128)));
                let k = Value::Float(1000.0 + i as f64);
                assert_eq!(m.get(&k), Some(&Value::Int(i as i128)));
                assert!(m.contains_key(&Value::from(format!("k{i}"))));
            }
            assert_eq!(m.get_str("nope"), None);
            assert_eq!(m.get(&Value::Float(f64::NAN)), None);
            *m.get_str_mut("k0").unwrap() = Value::Null;
            assert_eq!(m.get_str("k0"), Some(&Value::Null));
        }
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
