//! The serde access objects walking lists, mappings and `{variant: content}`
//! mappings of a [`Value`] tree; each child gets its path extended.

use super::error::DeError;
use super::{key_seg, PathSeg, ValueDeserializer};
use crate::yaml::Value;
use serde::de::{self, DeserializeSeed, Visitor};

pub(super) struct SeqAccess<'a, 'p> {
    pub(super) items: std::iter::Enumerate<std::slice::Iter<'a, Value>>,
    pub(super) parent: &'p ValueDeserializer<'a>,
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'de, '_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.items.next() {
            Some((i, item)) => seed
                .deserialize(self.parent.child(PathSeg::Index(i), item))
                .map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

pub(super) struct MapAccess<'a, 'p> {
    pub(super) entries: indexmap::map::Iter<'a, Value, Value>,
    pub(super) pending: Option<(&'a Value, &'a Value)>,
    pub(super) parent: &'p ValueDeserializer<'a>,
}

impl<'de> de::MapAccess<'de> for MapAccess<'de, '_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.pending = Some((key, value));
        // A bad key is reported at the mapping that holds it.
        let key_de = ValueDeserializer {
            value: key,
            path: self.parent.path.clone(),
            is_key: true,
        };
        seed.deserialize(key_de).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        match self.pending.take() {
            Some((key, value)) => seed.deserialize(self.parent.child(key_seg(key), value)),
            None => Err(DeError::at(
                &self.parent.path,
                "a value was asked for before its key",
            )),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

pub(super) struct EnumAccess<'a, 'p> {
    pub(super) key: &'a Value,
    pub(super) content: &'a Value,
    pub(super) parent: &'p ValueDeserializer<'a>,
}

impl<'de, 'p> de::EnumAccess<'de> for EnumAccess<'de, 'p> {
    type Error = DeError;
    type Variant = ValueDeserializer<'de>;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self::Variant), DeError> {
        let key_de = ValueDeserializer {
            value: self.key,
            path: self.parent.path.clone(),
            is_key: true,
        };
        let variant = seed.deserialize(key_de)?;
        Ok((variant, self.parent.child(key_seg(self.key), self.content)))
    }
}

/// The content of `{variant: content}`.
impl<'de> de::VariantAccess<'de> for ValueDeserializer<'de> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        de::Deserializer::deserialize_unit(self, de::IgnoredAny).map(|_| ())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_seq(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        de::Deserializer::deserialize_map(self, visitor)
    }
}
