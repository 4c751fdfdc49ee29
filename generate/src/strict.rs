//! `--strict`: reject keys infra.yml does not know, naming the closest
//! known key ("did you mean `trust_level`?").
//!
//! Upstream ignores unknown keys, so a typo such as `trust_levl` silently
//! changes a domain's addresses. Strict mode is opt-in because other anklume
//! tools read keys of their own (`file_portal`, `export_apps`), which are
//! listed here so that real files pass. Free-form sections (Incus `config`,
//! `devices`, `storage_volumes`, a profile's contents) are not checked.

use py::yaml::{Map, Value};

const ROOT: &[&str] = &[
    "project_name",
    "global",
    "domains",
    "network_policies",
    "shared_volumes",
];
const GLOBAL: &[&str] = &[
    "base_subnet",
    "addressing",
    "default_os_image",
    "default_connection",
    "default_user",
    "gpu_policy",
    "firewall_mode",
    "ai_access_policy",
    "ai_access_default",
    "ai_vram_flush",
    "nesting_prefix",
    "resource_policy",
    "shared_volumes_base",
    "persistent_data_base",
];
const ADDRESSING: &[&str] = &["base_octet", "zone_base", "zone_step"];
const RESOURCE_POLICY: &[&str] = &[
    "host_reserve",
    "mode",
    "cpu_mode",
    "memory_enforce",
    "overcommit",
];
const HOST_RESERVE: &[&str] = &["cpu", "memory"];
const DOMAIN: &[&str] = &[
    "description",
    "enabled",
    "subnet_id",
    "ephemeral",
    "trust_level",
    "openclaw",
    "ai_provider",
    "ai_sanitize",
    "profiles",
    "machines",
    "file_portal",
];
const PROFILE: &[&str] = &["description", "config", "devices"];
const MACHINE: &[&str] = &[
    "description",
    "type",
    "ip",
    "ephemeral",
    "gpu",
    "profiles",
    "weight",
    "boot_autostart",
    "boot_priority",
    "snapshots_schedule",
    "snapshots_expiry",
    "config",
    "devices",
    "storage_volumes",
    "persistent_data",
    "roles",
    "os_image",
    "export_apps",
];
const PERSISTENT_DATA: &[&str] = &["path", "readonly"];
const POLICY: &[&str] = &[
    "description",
    "from",
    "to",
    "ports",
    "protocol",
    "bidirectional",
];
const SHARED_VOLUME: &[&str] = &["source", "path", "shift", "propagate", "consumers"];

/// One message per unknown key, in document order.
pub fn unknown_keys(infra: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Some(root) = infra.as_map() else {
        return out;
    };
    check(root, "the top level", ROOT, &mut out);
    if let Some(g) = root.get_str("global").and_then(Value::as_map) {
        check(g, "global", GLOBAL, &mut out);
        if let Some(a) = g.get_str("addressing").and_then(Value::as_map) {
            check(a, "global.addressing", ADDRESSING, &mut out);
        }
        if let Some(rp) = g.get_str("resource_policy").and_then(Value::as_map) {
            check(rp, "global.resource_policy", RESOURCE_POLICY, &mut out);
            if let Some(hr) = rp.get_str("host_reserve").and_then(Value::as_map) {
                check(
                    hr,
                    "global.resource_policy.host_reserve",
                    HOST_RESERVE,
                    &mut out,
                );
            }
        }
    }
    for (dname, d) in entries(root.get_str("domains")) {
        let here = format!("domains.{dname}");
        check(d, &here, DOMAIN, &mut out);
        for (pname, p) in entries(d.get_str("profiles")) {
            check(p, &format!("{here}.profiles.{pname}"), PROFILE, &mut out);
        }
        for (mname, m) in entries(d.get_str("machines")) {
            let mhere = format!("{here}.machines.{mname}");
            check(m, &mhere, MACHINE, &mut out);
            for (vname, v) in entries(m.get_str("persistent_data")) {
                check(
                    v,
                    &format!("{mhere}.persistent_data.{vname}"),
                    PERSISTENT_DATA,
                    &mut out,
                );
            }
        }
    }
    if let Some(policies) = root.get_str("network_policies").and_then(Value::as_seq) {
        for (i, p) in policies.iter().enumerate() {
            if let Some(p) = p.as_map() {
                check(p, &format!("network_policies[{i}]"), POLICY, &mut out);
            }
        }
    }
    for (vname, v) in entries(root.get_str("shared_volumes")) {
        check(
            v,
            &format!("shared_volumes.{vname}"),
            SHARED_VOLUME,
            &mut out,
        );
    }
    out
}

/// The (name, mapping) entries of a mapping of mappings; others are left
/// to validation.
fn entries(v: Option<&Value>) -> Vec<(String, &Map)> {
    let Some(m) = v.and_then(Value::as_map) else {
        return Vec::new();
    };
    m.iter()
        .filter_map(|(k, v)| Some((py::py_str(k), v.as_map()?)))
        .collect()
}

fn check(m: &Map, place: &str, known: &[&str], out: &mut Vec<String>) {
    for k in m.keys() {
        let Some(k) = k.as_str() else { continue };
        if known.contains(&k) {
            continue;
        }
        let msg = match closest(k, known) {
            Some(best) => format!("{place}: unknown key `{k}` (did you mean `{best}`?)"),
            None => format!(
                "{place}: unknown key `{k}` (known keys: {})",
                known.join(", ")
            ),
        };
        out.push(msg);
    }
}

/// The known key nearest to `k`, if it is near enough to be a typo.
fn closest<'a>(k: &str, known: &[&'a str]) -> Option<&'a str> {
    let (best, dist) = known
        .iter()
        .map(|c| (*c, distance(k, c)))
        .min_by_key(|(_, d)| *d)?;
    let limit = (k.chars().count().max(best.len()) / 3).max(2);
    (dist <= limit).then_some(best)
}

/// Levenshtein distance over characters, with adjacent swaps costing one.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![(0..=b.len()).collect::<Vec<usize>>()];
    for i in 1..=a.len() {
        let mut row = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            row[j] = (rows[i - 1][j] + 1)
                .min(row[j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                row[j] = row[j].min(rows[i - 2][j - 2] + 1);
            }
        }
        rows.push(row);
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_nearest_key() {
        assert_eq!(closest("trust_levl", DOMAIN), Some("trust_level"));
        assert_eq!(closest("subnetid", DOMAIN), Some("subnet_id"));
        assert_eq!(closest("machnies", DOMAIN), Some("machines"));
        assert_eq!(closest("zzzzzz", DOMAIN), None);
        assert_eq!(distance("ab", "ba"), 1);
    }
}
