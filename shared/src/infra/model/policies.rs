//! Top-level sections beside the domains: `network_policies` (ADR-021) and
//! `shared_volumes` (ADR-039).

use crate::infra::de::named_map;
use indexmap::IndexMap;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::fmt;

/// One entry of `network_policies`: traffic allowed across domains.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct NetworkPolicy {
    pub description: Option<String>,
    /// A domain, a machine, or `host`.
    pub from: Option<String>,
    /// A domain, a machine, or `host`.
    pub to: Option<String>,
    pub ports: Option<Ports>,
    /// `tcp` or `udp`.
    pub protocol: Option<String>,
    pub bidirectional: Option<bool>,
}

impl NetworkPolicy {
    pub fn bidirectional(&self) -> bool {
        self.bidirectional.unwrap_or(false)
    }
}

/// `ports: all` or a list of port numbers (range checked by validation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ports {
    All,
    List(Vec<i64>),
}

impl<'de> Deserialize<'de> for Ports {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;

        impl<'de> Visitor<'de> for V {
            type Value = Ports;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of ports or \"all\"")
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<Ports, E> {
                match s {
                    "all" => Ok(Ports::All),
                    _ => Err(E::invalid_value(de::Unexpected::Str(s), &self)),
                }
            }

            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Ports, A::Error> {
                let mut ports = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(port) = seq.next_element::<i64>()? {
                    ports.push(port);
                }
                Ok(Ports::List(ports))
            }
        }

        deserializer.deserialize_any(V)
    }
}

/// One entry of `shared_volumes`: a host directory mounted in consumers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct SharedVolume {
    /// Host directory; default `<shared_volumes_base>/<name>`.
    pub source: Option<String>,
    /// Mount path in consumers; default `/shared/<name>`.
    pub path: Option<String>,
    pub shift: Option<bool>,
    pub propagate: Option<bool>,
    /// Domain or machine name → `ro` or `rw`, in file order.
    #[serde(deserialize_with = "named_map")]
    pub consumers: IndexMap<String, String>,
}

impl SharedVolume {
    pub fn shift(&self) -> bool {
        self.shift.unwrap_or(true)
    }
    pub fn propagate(&self) -> bool {
        self.propagate.unwrap_or(false)
    }
    /// The host directory of volume `name`, given
    /// `global.shared_volumes_base` (an empty `source` counts as unset, as
    /// upstream's `get("source") or default`).
    pub fn source_or(&self, base: &str, name: &str) -> String {
        match self.source.as_deref() {
            Some(s) if !s.is_empty() => s.to_owned(),
            _ => format!("{base}/{name}"),
        }
    }
    /// The mount path of volume `name` inside consumers.
    pub fn path_or_default(&self, name: &str) -> String {
        match self.path.as_deref() {
            Some(p) if !p.is_empty() => p.to_owned(),
            _ => format!("/shared/{name}"),
        }
    }
}
