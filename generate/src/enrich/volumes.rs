//! Disk devices the writer adds to machines: `shared_volumes` (ADR-039,
//! `sv-<name>`, resolved from domain and machine consumers) and each
//! machine's `persistent_data` (ADR-041, `pd-<name>`). Upstream keeps them
//! in `infra["_shared_volume_devices"]` and `infra["_persistent_data_devices"]`
//! (machine → device name → device); so do we, and the writer reads them
//! back from there.

use indexmap::IndexMap;
use py::yaml::{Map, Value};
use shared::Error;
use std::collections::HashSet;

use super::{as_machine, domain_names, each_machine, get_or, global, machine_names};
use crate::pyops::map_or_empty;
use py::py_str;

pub fn shared_volumes(infra: &mut Value) -> Result<(), Error> {
    let Some(volumes) = infra.get("shared_volumes").filter(|v| v.truthy()).cloned() else {
        return Ok(());
    };
    let volumes = volumes.as_map().ok_or_else(|| {
        Error::new(format!(
            "shared_volumes must be a mapping, got {}",
            volumes.kind()
        ))
    })?;
    let g = global(infra)?;
    let default_base = Value::from("/srv/anklume/shares");
    let base = py_str(get_or(&g, "shared_volumes_base", &default_base));

    let names = domain_names(infra)?;
    let name_set: HashSet<&Value> = names.iter().collect();
    let mut domain_machines: IndexMap<Value, Vec<Value>> = IndexMap::new();
    for dname in &names {
        domain_machines.insert(dname.clone(), machine_names(infra, dname)?);
    }

    let mut devices: IndexMap<Value, Map> = IndexMap::new();
    for (vname, vconfig) in volumes.iter() {
        let Some(vconfig) = vconfig.as_map() else {
            continue;
        };
        let vname = py_str(vname);
        let source = or_default(vconfig.get_str("source"), format!("{base}/{vname}"));
        let path = or_default(vconfig.get_str("path"), format!("/shared/{vname}"));
        // `vconfig.get("shift", True)` used as a condition.
        let shift = !matches!(vconfig.get_str("shift"), Some(v) if !v.truthy());
        let consumers = map_or_empty(vconfig.get_str("consumers"), &|| {
            format!("shared_volumes.{vname}.consumers")
        })?;

        // Domain consumers first, then machine consumers override them.
        let (mut by_domain, mut by_machine) = (Vec::new(), Vec::new());
        for (cname, access) in consumers.into_iter().flat_map(|c| c.iter()) {
            if name_set.contains(cname) {
                by_domain.push((cname, access));
            } else {
                by_machine.push((cname, access));
            }
        }
        let mut resolved: IndexMap<Value, &Value> = IndexMap::new();
        for (dname, access) in dedup(by_domain) {
            for mname in domain_machines.get(dname).into_iter().flatten() {
                resolved.insert(mname.clone(), access);
            }
        }
        for (mname, access) in dedup(by_machine) {
            resolved.insert(mname.clone(), access);
        }

        for (mname, access) in resolved {
            let mut device = Map::new();
            device.insert("type", "disk");
            device.insert("source", source.clone());
            device.insert("path", path.clone());
            if shift {
                device.insert("shift", "true");
            }
            if *access == Value::from("ro") {
                device.insert("readonly", "true");
            }
            devices
                .entry(mname)
                .or_default()
                .insert(format!("sv-{vname}"), device);
        }
    }
    store(infra, "_shared_volume_devices", devices);
    Ok(())
}

/// `d[k] = v` in a loop: the last value wins, at the first key's position.
fn dedup<'a>(pairs: Vec<(&'a Value, &'a Value)>) -> IndexMap<&'a Value, &'a Value> {
    pairs.into_iter().collect()
}

/// `vconfig.get(k) or default`.
fn or_default(v: Option<&Value>, default: String) -> Value {
    v.filter(|v| v.truthy())
        .cloned()
        .unwrap_or(Value::Str(default))
}

pub fn persistent_data(infra: &mut Value) -> Result<(), Error> {
    let g = global(infra)?;
    let default_base = Value::from("/srv/anklume/data");
    let base = py_str(get_or(&g, "persistent_data_base", &default_base));

    let mut devices: IndexMap<Value, Map> = IndexMap::new();
    for (_, mname, m) in each_machine(infra)? {
        let m = as_machine(mname, Some(m))?;
        let Some(Value::Map(pd)) = m.get_str("persistent_data").filter(|v| v.truthy()) else {
            continue;
        };
        for (vname, vconfig) in pd.iter() {
            let Some(vconfig) = vconfig.as_map() else {
                continue;
            };
            let Some(path) = vconfig.get_str("path").filter(|p| p.truthy()) else {
                continue;
            };
            let vname = py_str(vname);
            let mut device = Map::new();
            device.insert("type", "disk");
            device.insert("source", format!("{base}/{}/{vname}", py_str(mname)));
            device.insert("path", path.clone());
            device.insert("shift", "true");
            if vconfig.get_str("readonly").is_some_and(Value::truthy) {
                device.insert("readonly", "true");
            }
            devices
                .entry(mname.clone())
                .or_default()
                .insert(format!("pd-{vname}"), device);
        }
    }
    store(infra, "_persistent_data_devices", devices);
    Ok(())
}

fn store(infra: &mut Value, k: &str, devices: IndexMap<Value, Map>) {
    let mut m = Map::new();
    for (mname, devs) in devices {
        m.insert(mname, devs);
    }
    if let Value::Map(root) = infra {
        root.insert(k, m);
    }
}
