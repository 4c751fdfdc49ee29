//! Typed, read-only views of infra.yml (anklume SPEC §5).
//!
//! These views check types only (a port is an int, an ip is a string); the
//! generator's validation checks values and cross-references. Each field
//! upstream reads is here. Fields whose content is passed on unchanged to
//! Ansible or Incus (`config`, `devices`, `storage_volumes`, free-form
//! sections) stay [`Value`]s. Unknown keys are ignored.
//!
//! Absent keys are `None`; the accessor methods apply upstream's defaults.
//! A key written with no value (`ip:`) is null and reads as absent, except
//! where upstream gives null its own meaning (`nesting_prefix`). Code that
//! must echo exactly what the file says reads the [`Value`] tree instead.

use super::de::{explicit_null, from_value, named_map, null_default};
use crate::yaml::Value;
use crate::{Error, Result};
use indexmap::IndexMap;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::fmt;

/// The trust level a domain has when it names none (ADR-038).
pub const DEFAULT_TRUST_LEVEL: &str = "semi-trusted";

/// The whole document.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Infra {
    pub project_name: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub global: Global,
    #[serde(deserialize_with = "named_map")]
    pub domains: IndexMap<String, Domain>,
    #[serde(deserialize_with = "null_default")]
    pub network_policies: Vec<NetworkPolicy>,
    #[serde(deserialize_with = "named_map")]
    pub shared_volumes: IndexMap<String, SharedVolume>,
}

impl Infra {
    /// The typed view of a loaded document; errors name the bad field
    /// (`domains.pro.machines.pro-dev.ip: expected a string, got int`).
    pub fn from_value(value: &Value) -> Result<Infra> {
        from_value(value).map_err(|e| Error::new(e.to_string()))
    }
}

/// `global:`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Global {
    /// Zone addressing (ADR-038); absent means legacy `base_subnet` mode.
    pub addressing: Option<Addressing>,
    /// Legacy mode: the first two octets, `"10.100"` by default.
    pub base_subnet: Option<String>,
    pub default_os_image: Option<String>,
    pub default_connection: Option<String>,
    pub default_user: Option<String>,
    /// `exclusive` (default) or `shared`.
    pub gpu_policy: Option<String>,
    /// `host` (default) or `vm`.
    pub firewall_mode: Option<String>,
    /// `open` (default) or `exclusive`.
    pub ai_access_policy: Option<String>,
    pub ai_access_default: Option<String>,
    pub ai_vram_flush: Option<bool>,
    /// `None`: absent (on); `Some(None)`: written with no value, which
    /// upstream reads as false (off).
    #[serde(deserialize_with = "explicit_null")]
    pub nesting_prefix: Option<Option<bool>>,
    /// `resource_policy: true` reads as all defaults.
    pub resource_policy: Option<ResourcePolicy>,
    pub shared_volumes_base: Option<String>,
    pub persistent_data_base: Option<String>,
}

impl Global {
    pub fn base_subnet(&self) -> &str {
        self.base_subnet.as_deref().unwrap_or("10.100")
    }
    pub fn gpu_policy(&self) -> &str {
        self.gpu_policy.as_deref().unwrap_or("exclusive")
    }
    pub fn firewall_mode(&self) -> &str {
        self.firewall_mode.as_deref().unwrap_or("host")
    }
    pub fn ai_access_policy(&self) -> &str {
        self.ai_access_policy.as_deref().unwrap_or("open")
    }
    pub fn ai_vram_flush(&self) -> bool {
        self.ai_vram_flush.unwrap_or(true)
    }
    /// Whether Incus names get the nesting-level prefix (upstream:
    /// `g.get("nesting_prefix", True)` taken as a truth value).
    pub fn nesting_prefix(&self) -> bool {
        self.nesting_prefix.unwrap_or(Some(true)).unwrap_or(false)
    }
    pub fn shared_volumes_base(&self) -> &str {
        self.shared_volumes_base
            .as_deref()
            .unwrap_or("/srv/anklume/shares")
    }
    pub fn persistent_data_base(&self) -> &str {
        self.persistent_data_base
            .as_deref()
            .unwrap_or("/srv/anklume/data")
    }
}

/// `global.addressing`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Addressing {
    pub base_octet: Option<i64>,
    pub zone_base: Option<i64>,
    pub zone_step: Option<i64>,
}

impl Addressing {
    pub fn base_octet(&self) -> i64 {
        self.base_octet.unwrap_or(10)
    }
    pub fn zone_base(&self) -> i64 {
        self.zone_base.unwrap_or(100)
    }
    pub fn zone_step(&self) -> i64 {
        self.zone_step.unwrap_or(10)
    }
}

/// `global.resource_policy`, a mapping or `true`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResourcePolicy {
    pub host_reserve: Option<HostReserve>,
    /// `proportional` (default) or `equal`.
    pub mode: Option<String>,
    /// `allowance` (default) or `count`.
    pub cpu_mode: Option<String>,
    /// `soft` (default) or `hard`.
    pub memory_enforce: Option<String>,
    pub overcommit: Option<bool>,
}

impl ResourcePolicy {
    pub fn mode(&self) -> &str {
        self.mode.as_deref().unwrap_or("proportional")
    }
    pub fn cpu_mode(&self) -> &str {
        self.cpu_mode.as_deref().unwrap_or("allowance")
    }
    pub fn memory_enforce(&self) -> &str {
        self.memory_enforce.as_deref().unwrap_or("soft")
    }
    pub fn overcommit(&self) -> bool {
        self.overcommit.unwrap_or(false)
    }
}

/// The mapping form of [`ResourcePolicy`], for the derive.
#[derive(Default, Deserialize)]
#[serde(default)]
struct ResourcePolicyMap {
    host_reserve: Option<HostReserve>,
    mode: Option<String>,
    cpu_mode: Option<String>,
    memory_enforce: Option<String>,
    overcommit: Option<bool>,
}

impl<'de> Deserialize<'de> for ResourcePolicy {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TrueOrMap;

        impl<'de> Visitor<'de> for TrueOrMap {
            type Value = ResourcePolicy;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping or true")
            }

            fn visit_bool<E: de::Error>(self, b: bool) -> Result<ResourcePolicy, E> {
                match b {
                    true => Ok(ResourcePolicy::default()),
                    false => Err(E::invalid_value(de::Unexpected::Bool(b), &self)),
                }
            }

            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<ResourcePolicy, A::Error> {
                let m = ResourcePolicyMap::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(ResourcePolicy {
                    host_reserve: m.host_reserve,
                    mode: m.mode,
                    cpu_mode: m.cpu_mode,
                    memory_enforce: m.memory_enforce,
                    overcommit: m.overcommit,
                })
            }
        }

        deserializer.deserialize_any(TrueOrMap)
    }
}

/// `resource_policy.host_reserve`: each is `"N%"`, a number, or a memory
/// size (`"4GiB"`), so they stay [`Value`]s; both default to `"20%"`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct HostReserve {
    pub cpu: Option<Value>,
    pub memory: Option<Value>,
}

/// One entry of `domains:`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Domain {
    pub description: Option<String>,
    pub enabled: Option<bool>,
    /// The third octet; optional in addressing mode.
    pub subnet_id: Option<i64>,
    pub ephemeral: Option<bool>,
    /// `admin`, `trusted`, `semi-trusted`, `untrusted` or `disposable`.
    pub trust_level: Option<String>,
    pub openclaw: Option<bool>,
    /// `local` (default), `cloud` or `local-first`.
    pub ai_provider: Option<String>,
    pub ai_sanitize: Option<AiSanitize>,
    /// Incus profiles defined in this domain, echoed as written.
    #[serde(deserialize_with = "named_map")]
    pub profiles: IndexMap<String, Profile>,
    #[serde(deserialize_with = "named_map")]
    pub machines: IndexMap<String, Machine>,
    /// Read by the file portal (`read_only`, `allowed_paths`).
    pub file_portal: Option<Value>,
}

impl Domain {
    pub fn enabled(&self) -> bool {
        self.enabled.unwrap_or(true)
    }
    pub fn ephemeral(&self) -> bool {
        self.ephemeral.unwrap_or(false)
    }
    pub fn openclaw(&self) -> bool {
        self.openclaw.unwrap_or(false)
    }
    pub fn trust_level(&self) -> &str {
        self.trust_level.as_deref().unwrap_or(DEFAULT_TRUST_LEVEL)
    }
    pub fn ai_provider(&self) -> &str {
        self.ai_provider.as_deref().unwrap_or("local")
    }
    /// The effective setting: unset means on for `cloud`/`local-first`.
    pub fn ai_sanitize(&self) -> AiSanitize {
        self.ai_sanitize.clone().unwrap_or_else(|| {
            AiSanitize::Bool(matches!(self.ai_provider(), "cloud" | "local-first"))
        })
    }
}

/// `ai_sanitize`: `true`, `false` or `"always"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AiSanitize {
    Bool(bool),
    Always,
}

impl<'de> Deserialize<'de> for AiSanitize {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;

        impl Visitor<'_> for V {
            type Value = AiSanitize;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("true, false or \"always\"")
            }

            fn visit_bool<E: de::Error>(self, b: bool) -> Result<AiSanitize, E> {
                Ok(AiSanitize::Bool(b))
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<AiSanitize, E> {
                match s {
                    "always" => Ok(AiSanitize::Always),
                    _ => Err(E::invalid_value(de::Unexpected::Str(s), &self)),
                }
            }
        }

        deserializer.deserialize_any(V)
    }
}

/// An Incus profile under `domains.<d>.profiles`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Profile {
    pub config: Option<Value>,
    pub devices: Option<Value>,
}

impl Profile {
    /// Whether a device of the profile has `type: gpu`.
    pub fn has_gpu_device(&self) -> bool {
        let Some(Value::Map(devices)) = &self.devices else {
            return false;
        };
        devices
            .values()
            .any(|d| d.get("type").and_then(Value::as_str) == Some("gpu"))
    }
}

mod machine;
mod policies;
#[cfg(test)]
mod tests;

pub use machine::{Machine, PersistentVolume};
pub use policies::{NetworkPolicy, Ports, SharedVolume};
