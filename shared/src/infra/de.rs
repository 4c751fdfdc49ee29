//! serde over our YAML [`Value`], so typed views can be derived.
//!
//! Why not serde_yaml: it resolves scalars with YAML 1.2 rules, and anklume's
//! files mean what PyYAML (YAML 1.1) says they mean. We read the text once
//! into a [`Value`] with PyYAML's rules and deserialize typed views from
//! that tree.
//!
//! Typed requests are strict (a string field gets no int, a struct gets no
//! list), errors carry the path to the bad node, and unknown struct fields
//! are skipped. A non-string key where a name is expected is reported as
//! such, because PyYAML turns unquoted `123:` or `yes:` into an int or bool.

mod access;
mod error;
mod value;
mod with;

pub use error::{format_path, kind, non_string_name, scalar_text, DeError, PathSeg};
pub use with::{explicit_null, named_map, null_default};

use access::{EnumAccess, MapAccess, SeqAccess};
use error::Path;
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};

use crate::yaml::Value;

/// Deserialize any `T` from a [`Value`] tree.
pub fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, DeError> {
    T::deserialize(ValueDeserializer::new(value))
}

/// A [`serde::Deserializer`] reading one node of a [`Value`] tree.
#[derive(Clone)]
pub struct ValueDeserializer<'a> {
    value: &'a Value,
    path: Path,
    /// The node is a mapping key: a non-string is a misquoted name.
    is_key: bool,
}

impl<'a> ValueDeserializer<'a> {
    pub fn new(value: &'a Value) -> Self {
        ValueDeserializer {
            value,
            path: Path::default(),
            is_key: false,
        }
    }

    fn child(&self, seg: PathSeg, value: &'a Value) -> Self {
        ValueDeserializer {
            value,
            path: self.path.child(seg),
            is_key: false,
        }
    }

    fn wrong_type(&self, expected: &str) -> DeError {
        if self.is_key {
            return DeError::at(&self.path, non_string_name("key", self.value));
        }
        DeError::at(
            &self.path,
            format!("expected {expected}, got {}", kind(self.value)),
        )
    }

    fn int<T: TryFrom<i128>>(&self) -> Result<T, DeError> {
        match self.value {
            Value::Int(i) => T::try_from(*i)
                .map_err(|_| DeError::at(&self.path, format!("number {i} is out of range"))),
            _ => Err(self.wrong_type("an integer")),
        }
    }
}

/// Give an error coming out of a visitor the path of this node.
fn loc<T>(result: Result<T, DeError>, path: &Path) -> Result<T, DeError> {
    result.map_err(|e| e.located(path))
}

/// The path segment naming a mapping key.
fn key_seg(key: &Value) -> PathSeg {
    PathSeg::Key(scalar_text(key))
}

macro_rules! deserialize_int {
    ($($method:ident => $visit:ident: $ty:ty),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            let n: $ty = self.int()?;
            loc(visitor.$visit(n), &self.path)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for ValueDeserializer<'de> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let path = self.path.clone();
        let result: Result<V::Value, DeError> = match self.value {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(i) => match i64::try_from(*i) {
                Ok(n) => visitor.visit_i64(n),
                Err(_) => visitor.visit_i128(*i),
            },
            Value::Float(f) => visitor.visit_f64(*f),
            Value::Str(s) | Value::Timestamp(s) => visitor.visit_borrowed_str(s),
            Value::Binary(b) => visitor.visit_borrowed_bytes(b),
            Value::Seq(_) => return self.deserialize_seq(visitor),
            Value::Map(_) => return self.deserialize_map(visitor),
        };
        result.map_err(|e| e.located(&path))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Bool(b) => loc(visitor.visit_bool(*b), &self.path),
            _ => Err(self.wrong_type("a boolean (true/false)")),
        }
    }

    deserialize_int! {
        deserialize_i8 => visit_i8: i8,
        deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64,
        deserialize_i128 => visit_i128: i128,
        deserialize_u8 => visit_u8: u8,
        deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32,
        deserialize_u64 => visit_u64: u64,
        deserialize_u128 => visit_u128: u128,
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let f = match self.value {
            Value::Float(f) => *f,
            // An int is a fine number where a float is asked for (`cpu: 2`).
            Value::Int(i) => *i as f64,
            _ => return Err(self.wrong_type("a number")),
        };
        loc(visitor.visit_f64(f), &self.path)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Str(s) => loc(visitor.visit_borrowed_str(s), &self.path),
            _ => Err(self.wrong_type("a string")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Binary(b) => loc(visitor.visit_borrowed_bytes(b), &self.path),
            _ => Err(self.wrong_type("binary data")),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_bytes(visitor)
    }

    /// A key written with no value (`ip:`) is null, which reads as absent.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let path = self.path.clone();
        let result = match self.value {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        };
        loc(result, &path)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Null => loc(visitor.visit_unit(), &self.path),
            _ => Err(self.wrong_type("null")),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        if name == value::VALUE_TOKEN {
            // A `Value` field: hand over an exact copy (dates, ids, i128).
            return loc(value::pass_through(self.value, visitor), &self.path);
        }
        let path = self.path.clone();
        loc(visitor.visit_newtype_struct(self), &path)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Seq(seq) => {
                let access = SeqAccess {
                    items: seq.iter().enumerate(),
                    parent: &self,
                };
                loc(visitor.visit_seq(access), &self.path)
            }
            _ => Err(self.wrong_type("a list")),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Map(map) => {
                let access = MapAccess {
                    entries: map.iter(),
                    pending: None,
                    parent: &self,
                };
                loc(visitor.visit_map(access), &self.path)
            }
            _ => Err(self.wrong_type("a mapping")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_map(visitor)
    }

    /// `variant` or `{variant: content}`.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let access = match self.value {
            Value::Str(s) => {
                let unit: de::value::StrDeserializer<'_, DeError> = s.as_str().into_deserializer();
                return loc(visitor.visit_enum(unit), &self.path);
            }
            Value::Map(map) if map.len() == 1 => match map.iter().next() {
                Some((key, content)) => EnumAccess {
                    key,
                    content,
                    parent: &self,
                },
                None => return Err(self.wrong_type("a variant name")),
            },
            _ => return Err(self.wrong_type("a variant name")),
        };
        loc(visitor.visit_enum(access), &self.path)
    }

    /// A non-string key in a struct is no field name: skip it as unknown
    /// (serde's derive would otherwise take `0:` as "field number 0").
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let result = match self.value {
            Value::Str(s) => visitor.visit_borrowed_str(s),
            _ => visitor.visit_str(""),
        };
        loc(result, &self.path)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }
}

#[cfg(test)]
mod tests;
