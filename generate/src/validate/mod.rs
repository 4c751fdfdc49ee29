//! Validation of infra.yml, message for message like upstream's
//! `generate.validate()`: the same checks, in the same order, with the same
//! wording, so that users switching from `generate.py` see the same errors.
//!
//! Where upstream would crash with a Python traceback (a list where a
//! mapping belongs, a domain left empty, `ip: 5`, a name that is a number,
//! a list where a name belongs, ...) we report a clear error instead. The
//! container checks are in [`shape`], which also rejects a few shapes that
//! upstream silently misreads (`profiles: gpu` read letter by letter). The
//! one new rule is that a machine's `ip` must be a valid IPv4 address
//! (upstream only compares the text with the subnet prefix).
//!
//! Python semantics matter throughout: `x.get(k, default)` returns None (not
//! the default) for an explicit `null`, `bool` counts as `int`, `1 == 1.0 ==
//! True`, and values are printed with Python's `str()` ([`py::py_str`]).

mod addressing;
mod domains;
mod host;
mod net;
mod patterns;
mod policies;
mod resources;
mod shape;
mod volumes;

pub use domains::is_privileged;
pub use policies::collect_gpu_instances;

use crate::zones::{Slot, DEFAULT_TRUST_LEVEL};
use addressing::compute_addressing;
use net::{detect_host_subnets, Net};

use crate::pyops::py_kind;
use py::yaml::{Map, Value};
use py::{py_str, py_type_name, PyDict};
use shared::nesting::Nesting;
use std::collections::HashMap;

/// Top-level keys every infra.yml must have.
const REQUIRED: [&str; 3] = ["project_name", "global", "domains"];

/// Validate an infra.yml value. Returns the error messages (empty = valid),
/// exactly as upstream words and orders them.
///
/// `check_host_subnets` compares domain subnets with the host's interfaces
/// (`ip -json addr show`; off on the second pass, and when `main` found
/// `ANKLUME_SKIP_HOST_SUBNET_CHECK=1`). The nesting context (`vm_nested`,
/// `yolo`) comes from `/etc/anklume` or `$ANKLUME_CONTEXT_DIR`.
pub fn validate(infra: &Value, check_host_subnets: bool, nesting: &Nesting) -> Vec<String> {
    let host_subnets = || {
        if check_host_subnets {
            detect_host_subnets()
        } else {
            Vec::new()
        }
    };
    validate_with(infra, nesting.clone(), host_subnets)
}

/// [`validate`] with the nesting context given, and the host's subnets
/// asked for only when the rest of the infra is well formed.
fn validate_with(
    infra: &Value,
    nesting: Nesting,
    host_subnets: impl FnOnce() -> Vec<(String, Net)>,
) -> Vec<String> {
    let infra = match infra {
        Value::Map(m) => m,
        other => return not_a_mapping(other),
    };
    let missing: Vec<String> = REQUIRED
        .iter()
        .filter(|k| !infra.contains_str(k))
        .map(|k| format!("Missing required key: {k}"))
        .collect();
    if !missing.is_empty() {
        return missing;
    }
    let shape_errors = shape::check(infra);
    if !shape_errors.is_empty() {
        return shape_errors;
    }
    let Some(g) = infra.get_str("global").and_then(Value::as_map) else {
        return vec!["global must be a mapping".into()];
    };
    let mut ctx = Ctx {
        infra,
        g,
        domains: infra.get_str("domains").and_then(Value::as_map),
        errors: Vec::new(),
        has_addressing: g.contains_str("addressing"),
        addressing: Vec::new(),
        addressing_index: HashMap::new(),
        subnet_ids: PyDict::new(),
        all_machines: PyDict::new(),
        nesting,
    };
    ctx.check_global();
    domains::check(&mut ctx);
    policies::check(&mut ctx);
    volumes::check(&mut ctx);
    resources::check(&mut ctx);
    host::check(&mut ctx, &host_subnets());
    ctx.errors
}

/// The whole file is not a mapping. Upstream tests `key in infra`, which
/// for a list or a string means membership / substring, and crashes for
/// anything else; we keep its "Missing required key" errors and otherwise
/// say what is wrong.
fn not_a_mapping(infra: &Value) -> Vec<String> {
    let has = |k: &str| match infra {
        Value::Seq(items) => items.iter().any(|v| v.as_str() == Some(k)),
        Value::Str(s) => s.contains(k),
        _ => false,
    };
    if matches!(infra, Value::Seq(_) | Value::Str(_)) {
        let missing: Vec<String> = REQUIRED
            .iter()
            .filter(|k| !has(k))
            .map(|k| format!("Missing required key: {k}"))
            .collect();
        if !missing.is_empty() {
            return missing;
        }
    }
    vec![format!(
        "infra.yml must be a mapping with project_name, global and domains, got {}",
        py_kind(infra)
    )]
}

/// What the checks share, like upstream's local variables.
pub(crate) struct Ctx<'a> {
    pub infra: &'a Map,
    pub g: &'a Map,
    /// `infra.get("domains") or {}` (None = empty).
    pub domains: Option<&'a Map>,
    pub errors: Vec<String>,
    pub has_addressing: bool,
    /// `_compute_addressing(infra)` when `global.addressing` is a mapping.
    pub addressing: Vec<(Value, Slot)>,
    /// Domain name → its first position in `addressing`.
    pub addressing_index: HashMap<Value, usize>,
    /// Legacy mode: subnet_id → domain name.
    pub subnet_ids: PyDict<&'a Value, &'a Value>,
    /// Machine name → the first domain declaring it.
    pub all_machines: PyDict<&'a Value, &'a Value>,
    pub nesting: Nesting,
}

/// `mapping.get(key, default)`: the default only when the key is absent.
pub(crate) fn get_or<'v>(m: &'v Map, key: &str, default: &'v Value) -> &'v Value {
    m.get_str(key).unwrap_or(default)
}

/// The (name, value) pairs of an optional mapping.
pub(crate) fn entries(m: Option<&Map>) -> impl Iterator<Item = (&Value, &Value)> {
    m.into_iter().flat_map(|m| m.iter())
}

/// `value in ("a", "b", ...)` for string choices.
pub(crate) fn is_one_of(v: &Value, choices: &[&str]) -> bool {
    v.as_str().is_some_and(|s| choices.contains(&s))
}

impl<'a> Ctx<'a> {
    /// `infra.get("domains") or {}` as (name, domain) pairs.
    pub fn domains(&self) -> impl Iterator<Item = (&'a Value, &'a Value)> {
        entries(self.domains)
    }

    pub fn err(&mut self, msg: String) {
        self.errors.push(msg);
    }

    /// Addressing parameters, global policies (upstream's order).
    fn check_global(&mut self) {
        let g = self.g;
        if self.has_addressing {
            match g.get_str("addressing") {
                Some(Value::Map(addr)) => self.check_addressing(addr),
                _ => self.err("global.addressing must be a mapping".into()),
            }
        }
        if let Some(np) = g.get_str("nesting_prefix") {
            if !np.is_null() && np.as_bool().is_none() {
                self.err(format!(
                    "global.nesting_prefix must be a boolean, got {}",
                    py_type_name(np)
                ));
            }
        }
        let gpu_policy = get_or(g, "gpu_policy", &Value::from("exclusive")).clone();
        if !is_one_of(&gpu_policy, &["exclusive", "shared"]) {
            self.err(format!(
                "global.gpu_policy must be 'exclusive' or 'shared', got '{}'",
                py_str(&gpu_policy)
            ));
        }
        let firewall_mode = get_or(g, "firewall_mode", &Value::from("host")).clone();
        if !is_one_of(&firewall_mode, &["host", "vm"]) {
            self.err(format!(
                "global.firewall_mode must be 'host' or 'vm', got '{}'",
                py_str(&firewall_mode)
            ));
        }
        let ai = get_or(g, "ai_access_policy", &Value::from("open")).clone();
        if !is_one_of(&ai, &["exclusive", "open"]) {
            self.err(format!(
                "global.ai_access_policy must be 'exclusive' or 'open', got '{}'",
                py_str(&ai)
            ));
        }
    }

    fn check_addressing(&mut self, addr: &Map) {
        let base_octet = get_or(addr, "base_octet", &Value::Int(10)).clone();
        if base_octet != Value::Int(10) {
            self.err(format!(
                "global.addressing.base_octet must be 10 (only RFC 1918 /8), got {}",
                py_str(&base_octet)
            ));
        }
        let zone_base = get_or(addr, "zone_base", &Value::Int(100)).clone();
        if !zone_base.as_int().is_some_and(|z| (0..=245).contains(&z)) {
            self.err(format!(
                "global.addressing.zone_base must be 0-245, got {}",
                py_str(&zone_base)
            ));
        }
        let zone_step = get_or(addr, "zone_step", &Value::Int(10)).clone();
        let positive = zone_step.as_int().is_some_and(|z| z >= 1);
        if !positive {
            self.err(format!(
                "global.addressing.zone_step must be a positive integer, got {}",
                py_str(&zone_step)
            ));
        }
        self.addressing = compute_addressing(self.infra).unwrap_or_default();
        for (i, (dname, _)) in self.addressing.iter().enumerate() {
            self.addressing_index.entry(dname.clone()).or_insert(i);
        }
    }

    /// The addressing of one domain, if computed.
    pub fn domain_addr(&self, dname: &Value) -> Option<&Slot> {
        let i = *self.addressing_index.get(dname)?;
        Some(&self.addressing[i].1)
    }

    /// `global.addressing.base_octet` (default 10), for subnet prefixes.
    pub fn base_octet(&self) -> Value {
        let addr = self.g.get_str("addressing").and_then(Value::as_map);
        addr.and_then(|a| a.get_str("base_octet"))
            .cloned()
            .unwrap_or(Value::Int(10))
    }

    /// The names of all domains (`set(domains)`).
    pub fn is_domain(&self, name: &Value) -> bool {
        self.domains.is_some_and(|d| d.contains_key(name))
    }
}

#[cfg(test)]
mod tests;
