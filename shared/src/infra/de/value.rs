//! `Deserialize for Value`, so typed views can hold free-form parts
//! (`config`, `devices`) exactly as they were read.
//!
//! serde's data model has no dates, no container identities and loses the
//! difference between `Binary` and a list of bytes, so going through
//! visitors would change what the generator echoes back. Our own
//! deserializer therefore hands over a clone directly: `Value` asks for a
//! newtype struct with a private name, our deserializer recognises it, puts
//! a clone in a thread-local slot and calls `visit_unit`, and the visitor
//! takes the clone out. Any other deserializer (serde_json in tests) goes
//! through the ordinary visitor methods below.

use crate::yaml::{Map, Seq, Value};
use serde::de::{self, Deserialize, Visitor};
use std::cell::RefCell;
use std::fmt;

/// The newtype-struct name that asks our deserializer for a clone.
pub(super) const VALUE_TOKEN: &str = "$anklume::infra::Value";

thread_local! {
    static SLOT: RefCell<Option<Value>> = const { RefCell::new(None) };
}

/// Give `visitor` (a [`ValueVisitor`]) a clone of `value`.
pub(super) fn pass_through<'de, V: Visitor<'de>, E>(
    value: &Value,
    visitor: V,
) -> Result<V::Value, E>
where
    E: de::Error,
{
    SLOT.with(|slot| *slot.borrow_mut() = Some(value.clone()));
    let result = visitor.visit_unit();
    // Another visitor would have left the clone behind: drop it, so a later
    // genuine `visit_unit` cannot pick it up.
    SLOT.with(|slot| slot.borrow_mut().take());
    result
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_newtype_struct(VALUE_TOKEN, ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(SLOT
            .with(|slot| slot.borrow_mut().take())
            .unwrap_or(Value::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }

    fn visit_newtype_struct<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Int(i.into()))
    }

    fn visit_u64<E: de::Error>(self, u: u64) -> Result<Value, E> {
        Ok(Value::Int(u.into()))
    }

    fn visit_i128<E: de::Error>(self, i: i128) -> Result<Value, E> {
        Ok(Value::Int(i))
    }

    fn visit_u128<E: de::Error>(self, u: u128) -> Result<Value, E> {
        i128::try_from(u)
            .map(Value::Int)
            .map_err(|_| E::custom(format_args!("number {u} is out of range")))
    }

    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Value, E> {
        Ok(Value::Float(f))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        Ok(Value::Str(s.to_owned()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
        Ok(Value::Str(s))
    }

    fn visit_bytes<E: de::Error>(self, b: &[u8]) -> Result<Value, E> {
        Ok(Value::Binary(b.to_vec()))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut seq = Seq::new();
        while let Some(item) = access.next_element::<Value>()? {
            seq.push(item);
        }
        Ok(Value::Seq(seq))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some((k, v)) = access.next_entry::<Value, Value>()? {
            map.insert(k, v);
        }
        Ok(Value::Map(map))
    }
}
