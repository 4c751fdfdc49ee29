//! Python's `dict` over YAML values: keys compared by Python equality.

use indexmap::IndexMap;
use std::hash::Hash;

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
