//! Enrichment: what the generator adds to infra.yml before writing files
//! (upstream `enrich_infra`), one concern per module, run in upstream's order
//! because later steps see earlier ones' results (the firewall VM gets an
//! address from the zone addressing, resource allocation counts it, …).
//!
//! Each step edits the loaded tree in place, inserting keys where upstream
//! inserts them (the order of keys decides the order of the written YAML),
//! and appends the `INFO:`/`WARNING:` lines upstream prints to `notes`.
//! A step fails with upstream's message where upstream raises ValueError.

mod addressing;
mod ai_access;
mod firewall;
pub mod host;
mod openclaw;
mod resources;
pub mod tree;
mod volumes;

pub use addressing::stored_slot as addressing_slot;

use py::yaml::{Map, Value};
use shared::Error;

use crate::pyops::map_or_empty;
use py::py_str;

/// Apply every enrichment step to `infra`, with the host's resources from
/// `host`; `notes` receives stderr lines in the order upstream prints them,
/// also when a later step fails.
pub fn enrich(
    infra: &mut Value,
    host: &host::Resources,
    notes: &mut Vec<String>,
) -> Result<(), Error> {
    openclaw::run(infra, notes)?;
    addressing::run(infra)?;
    firewall::run(infra, notes)?;
    ai_access::run(infra, notes)?;
    resources::run(infra, host, notes)?;
    volumes::shared_volumes(infra)?;
    volumes::persistent_data(infra)
}

/// `infra.get("global", {})`, which upstream then calls `.get` on.
pub fn global(infra: &Value) -> Result<Map, Error> {
    match infra.get("global") {
        None => Ok(Map::new()),
        Some(Value::Map(m)) => Ok(m.clone()),
        Some(other) => Err(Error::new(format!(
            "`global` must be a mapping, got {}",
            other.kind()
        ))),
    }
}

/// `g.get(key, default)` for a string default.
pub fn get_or<'a>(m: &'a Map, key: &str, default: &'a Value) -> &'a Value {
    m.get_str(key).unwrap_or(default)
}

/// The keys of `infra.get("domains") or {}`.
pub fn domain_names(infra: &Value) -> Result<Vec<Value>, Error> {
    let domains = domains_map(infra)?;
    Ok(domains
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default())
}

/// `infra.get("domains") or {}`.
pub fn domains_map(infra: &Value) -> Result<Option<&Map>, Error> {
    map_or_empty(infra.get("domains"), &|| "`domains`".into())
}

/// `domains[dname]`, which upstream uses as a dict.
pub fn domain<'a>(infra: &'a Value, dname: &Value) -> Result<&'a Map, Error> {
    as_domain(dname, tree::at(infra, &tree::domain_keys(dname)))
}

/// A domain's value, which must be a mapping.
pub fn as_domain<'a>(dname: &Value, d: Option<&'a Value>) -> Result<&'a Map, Error> {
    d.and_then(Value::as_map).ok_or_else(|| {
        let got = d.map_or("nothing", |v| v.kind());
        Error::new(format!(
            "domain '{}' must be a mapping, got {got}",
            py_str(dname)
        ))
    })
}

/// `domain.get("machines") or {}`.
pub fn machines_map<'a>(dname: &Value, d: &'a Map) -> Result<Option<&'a Map>, Error> {
    let what = || format!("machines of domain '{}'", py_str(dname));
    map_or_empty(d.get_str("machines"), &what)
}

/// The keys of `domain.get("machines") or {}`.
pub fn machine_names(infra: &Value, dname: &Value) -> Result<Vec<Value>, Error> {
    let machines = machines_map(dname, domain(infra, dname)?)?;
    Ok(machines
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default())
}

/// `machines[mname]`, which upstream uses as a dict.
pub fn machine<'a>(infra: &'a Value, dname: &Value, mname: &Value) -> Result<&'a Map, Error> {
    as_machine(mname, tree::at(infra, &tree::machine_keys(dname, mname)))
}

/// A machine's value, which must be a mapping.
pub fn as_machine<'a>(mname: &Value, m: Option<&'a Value>) -> Result<&'a Map, Error> {
    m.and_then(Value::as_map).ok_or_else(|| {
        let got = m.map_or("nothing", |v| v.kind());
        Error::new(format!(
            "machine '{}' must be a mapping, got {got}",
            py_str(mname)
        ))
    })
}

/// Every machine as (domain name, machine name, value), in declaration
/// order: [`all_machines`] without copies. The value is checked with
/// [`as_machine`] where [`machine`] would be called.
pub fn each_machine(infra: &Value) -> Result<Vec<(&Value, &Value, &Value)>, Error> {
    let mut out = Vec::new();
    for (dname, d) in domains_map(infra)?.into_iter().flat_map(|m| m.iter()) {
        let machines = machines_map(dname, as_domain(dname, Some(d))?)?;
        for (mname, m) in machines.into_iter().flat_map(|m| m.iter()) {
            out.push((dname, mname, m));
        }
    }
    Ok(out)
}

/// Every (domain, machine) pair in declaration order.
pub fn all_machines(infra: &Value) -> Result<Vec<(Value, Value)>, Error> {
    let mut out = Vec::new();
    for dname in domain_names(infra)? {
        for mname in machine_names(infra, &dname)? {
            out.push((dname.clone(), mname));
        }
    }
    Ok(out)
}

/// Add `machine` as `domain["machines"][name]`, creating the mapping when
/// the key is absent or null (upstream's `if "machines" not in domain or
/// domain["machines"] is None`).
pub fn add_machine(
    infra: &mut Value,
    dname: &Value,
    name: &str,
    machine: Map,
) -> Result<(), Error> {
    let dpath = tree::domain_path(dname);
    tree::edit_map(infra, &dpath, |d| {
        if matches!(d.get_str("machines"), None | Some(Value::Null)) {
            d.insert("machines", Map::new());
        }
        Ok(())
    })?;
    let mpath = tree::child(&dpath, &Value::from("machines"));
    tree::edit(infra, &mpath, |machines| match machines {
        Value::Map(m) => {
            m.insert(name, machine);
            Ok(())
        }
        other => Err(Error::new(format!(
            "cannot add machine '{name}': machines of domain '{}' is a {}, not a mapping",
            py_str(dname),
            other.kind()
        ))),
    })
}

/// A list of strings, as upstream writes `["base_system", …]`.
pub fn str_list(items: &[&str]) -> Value {
    Value::from(items.iter().map(|s| Value::from(*s)).collect::<Vec<_>>())
}
