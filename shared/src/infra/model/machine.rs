//! A machine (an Incus instance) under `domains.<d>.machines`.

use super::{Domain, Global};
use crate::infra::de::named_map;
use crate::yaml::Value;
use indexmap::IndexMap;
use serde::Deserialize;

/// One entry of `domains.<d>.machines`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Machine {
    pub description: Option<String>,
    /// `lxc` (default) or `vm`.
    #[serde(rename = "type")]
    pub instance_type: Option<String>,
    /// Auto-assigned in addressing mode when absent.
    pub ip: Option<String>,
    /// Falls back to `global.default_os_image`.
    pub os_image: Option<String>,
    /// Falls back to the domain's `ephemeral`.
    pub ephemeral: Option<bool>,
    pub gpu: Option<bool>,
    /// Incus profile names (`default` or one of the domain's profiles).
    pub profiles: Option<Vec<String>>,
    /// Share of auto-allocated CPU and memory (default 1).
    pub weight: Option<i64>,
    pub boot_autostart: Option<bool>,
    /// 0-100, higher starts first.
    pub boot_priority: Option<i64>,
    /// Cron expression, 5 fields.
    pub snapshots_schedule: Option<String>,
    /// `30d`, `24h`, `60m`.
    pub snapshots_expiry: Option<String>,
    /// Incus instance config, echoed as written.
    pub config: Option<Value>,
    /// Incus devices, echoed as written.
    pub devices: Option<Value>,
    pub storage_volumes: Option<Value>,
    /// Host directories kept across rebuilds (ADR-041), by volume name.
    #[serde(deserialize_with = "named_map")]
    pub persistent_data: IndexMap<String, PersistentVolume>,
    /// Ansible roles applied at provisioning.
    pub roles: Option<Vec<String>>,
    /// Desktop applications exported to the host (read by export-app).
    pub export_apps: Option<Value>,
}

impl Machine {
    pub fn instance_type(&self) -> &str {
        self.instance_type.as_deref().unwrap_or("lxc")
    }

    pub fn weight(&self) -> i64 {
        self.weight.unwrap_or(1)
    }

    /// The machine's own flag, else its domain's, else false (protected).
    pub fn ephemeral(&self, domain: &Domain) -> bool {
        self.ephemeral.unwrap_or_else(|| domain.ephemeral())
    }

    /// The image to launch, falling back to `global.default_os_image`.
    pub fn os_image<'a>(&'a self, global: &'a Global) -> Option<&'a str> {
        self.os_image
            .as_deref()
            .or(global.default_os_image.as_deref())
    }

    /// A `config` entry.
    pub fn config_get(&self, key: &str) -> Option<&Value> {
        self.config.as_ref().and_then(|c| c.get(key))
    }

    /// `security.privileged` is true (upstream: `str(v).lower() == "true"`,
    /// so both `true` and `"TRUE"` count).
    pub fn privileged(&self) -> bool {
        match self.config_get("security.privileged") {
            Some(Value::Bool(b)) => *b,
            Some(Value::Str(s)) => s.to_lowercase() == "true",
            _ => false,
        }
    }

    /// GPU access: `gpu: true`, or a listed profile of `domain` with a GPU
    /// device (upstream `_collect_gpu_instances`).
    pub fn has_gpu(&self, domain: &Domain) -> bool {
        self.gpu == Some(true)
            || self.profiles.iter().flatten().any(|name| {
                domain
                    .profiles
                    .get(name)
                    .is_some_and(|p| p.has_gpu_device())
            })
    }
}

/// One entry of a machine's `persistent_data`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct PersistentVolume {
    /// Mount path inside the instance (required, absolute).
    pub path: Option<String>,
    pub readonly: Option<bool>,
}

impl PersistentVolume {
    pub fn readonly(&self) -> bool {
        self.readonly.unwrap_or(false)
    }
}
