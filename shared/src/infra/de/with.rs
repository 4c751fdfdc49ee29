//! Helpers for `#[serde(deserialize_with = ...)]` in the typed views:
//! upstream's "null or absent means empty" reads, and named mappings.

use indexmap::IndexMap;
use serde::de::{self, Visitor};
use serde::Deserialize;
use std::fmt;
use std::marker::PhantomData;

/// `deserialize_with` for `name: T` mappings kept in file order; null or
/// absent is empty (upstream reads them as `x.get(k) or {}`).
///
/// Written here rather than using indexmap's `serde` feature, which the
/// crate does not enable.
pub fn named_map<'de, D, T>(deserializer: D) -> Result<IndexMap<String, T>, D::Error>
where
    D: de::Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct NamedMap<T>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for NamedMap<T> {
        type Value = IndexMap<String, T>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a mapping")
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(IndexMap::new())
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(IndexMap::new())
        }

        fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }

        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = IndexMap::with_capacity(map.size_hint().unwrap_or(0));
            while let Some(name) = map.next_key::<String>()? {
                let item = map.next_value::<T>()?;
                out.insert(name, item);
            }
            Ok(out)
        }
    }

    deserializer.deserialize_option(NamedMap(PhantomData))
}

/// `deserialize_with` for containers where null means empty (`x or []`).
pub fn null_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: de::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}

/// `deserialize_with` keeping "written with no value" apart from "absent"
/// (`Some(None)` vs `None`, with `#[serde(default)]`), where upstream's
/// `get(key, default)` gives the two different meanings.
pub fn explicit_null<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: de::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
