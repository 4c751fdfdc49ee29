//! Shared volumes (ADR-039) and persistent data (ADR-041): base paths,
//! volume settings, consumers, device-name and mount-path collisions.

use super::patterns::is_dns_name;
use super::{entries, Ctx};
use py::yaml::{Map, Value};
use py::{py_str, py_type_name, PyDict};

/// `global.<key>`, when set, must be a string starting with `/`.
fn absolute_base(ctx: &mut Ctx, key: &str) {
    if let Some(v) = ctx.g.get_str(key).filter(|v| !v.is_null()) {
        if !is_absolute(v) {
            ctx.err(format!("global.{key} must be an absolute path"));
        }
    }
}

fn is_absolute(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.starts_with('/'))
}

/// Base paths, shared_volumes, then persistent_data path collisions.
pub fn check(ctx: &mut Ctx) {
    absolute_base(ctx, "shared_volumes_base");
    absolute_base(ctx, "persistent_data_base");
    let mounts = check_shared_volumes(ctx);
    check_persistent_paths(ctx, &mounts);
}

/// (machine, mount path) → volume name.
type Mounts = PyDict<(Value, Value), Value>;

fn check_shared_volumes(ctx: &mut Ctx) -> Mounts {
    let mut mounts = Mounts::new();
    let volumes = match ctx.infra.get_str("shared_volumes") {
        Some(Value::Map(m)) => Some(m),
        Some(v) if v.truthy() => {
            ctx.err("shared_volumes must be a mapping".into());
            None
        }
        _ => None,
    };
    match volumes {
        Some(v) if !v.is_empty() => {}
        _ => return mounts,
    }
    // Domain → its machines, machine → the last domain declaring it.
    let mut domain_machines: PyDict<&Value, Vec<&Value>> = PyDict::new();
    let mut machine_domain: PyDict<&Value, &Value> = PyDict::new();
    for (dname, domain) in ctx.domains() {
        let machines = domain.get("machines").and_then(Value::as_map);
        let names: Vec<&Value> = entries(machines).map(|(m, _)| m).collect();
        for m in &names {
            machine_domain.insert(m, dname);
        }
        domain_machines.insert(dname, names);
    }

    for (vname, vconfig) in entries(volumes) {
        let at = format!("shared_volumes.{}", py_str(vname));
        let Some(vconfig) = vconfig.as_map() else {
            ctx.err(format!("{at}: must be a mapping"));
            continue;
        };
        if !is_dns_name(vname) {
            ctx.err(format!(
                "{at}: invalid name (lowercase alphanumeric + hyphen, no trailing hyphen)"
            ));
        }
        for key in ["source", "path"] {
            if vconfig
                .get_str(key)
                .is_some_and(|v| !v.is_null() && !is_absolute(v))
            {
                ctx.err(format!("{at}: {key} must be an absolute path"));
            }
        }
        for key in ["shift", "propagate"] {
            if let Some(v) = vconfig.get_str(key).filter(|v| !v.is_null()) {
                if v.as_bool().is_none() {
                    ctx.err(format!(
                        "{at}: {key} must be a boolean, got {}",
                        py_type_name(v)
                    ));
                }
            }
        }
        let consumers = match vconfig.get_str("consumers") {
            Some(Value::Map(c)) if !c.is_empty() => c,
            _ => {
                ctx.err(format!("{at}: consumers must be a non-empty mapping"));
                continue;
            }
        };
        let device = format!("sv-{}", py_str(vname));
        let mount_path = match vconfig.get_str("path") {
            Some(p) if p.truthy() => p.clone(),
            _ => Value::from(format!("/shared/{}", py_str(vname))),
        };
        let volume = Volume {
            at: &at,
            name: vname,
            device: &device,
            mount_path: &mount_path,
        };
        check_consumers(
            ctx,
            &volume,
            consumers,
            &domain_machines,
            &machine_domain,
            &mut mounts,
        );
    }
    mounts
}

struct Volume<'a> {
    at: &'a str,
    name: &'a Value,
    device: &'a str,
    mount_path: &'a Value,
}

fn check_consumers(
    ctx: &mut Ctx,
    vol: &Volume,
    consumers: &Map,
    domain_machines: &PyDict<&Value, Vec<&Value>>,
    machine_domain: &PyDict<&Value, &Value>,
    mounts: &mut Mounts,
) {
    let at = vol.at;
    for (cname, access) in consumers.iter() {
        let c = py_str(cname);
        if !matches!(access.as_str(), Some("ro" | "rw")) {
            ctx.err(format!(
                "{at}: consumer '{c}' access must be 'ro' or 'rw', got '{}'",
                py_str(access)
            ));
        }
        let one = [cname];
        let resolved: &[&Value] = if ctx.is_domain(cname) {
            domain_machines.get(&cname).map_or(&[], Vec::as_slice)
        } else if ctx.all_machines.contains(&cname) {
            &one
        } else {
            ctx.err(format!(
                "{at}: consumer '{c}' is not a known domain or machine"
            ));
            &[]
        };
        for &mname in resolved {
            if let Some(dname) = machine_domain.get(&mname).filter(|d| d.truthy()) {
                if machine_devices(ctx, dname, mname).is_some_and(|d| d.contains_str(vol.device)) {
                    ctx.err(format!(
                        "{at}: device name '{}' conflicts with existing device on machine '{}'",
                        vol.device,
                        py_str(mname)
                    ));
                }
            }
            let key = (mname.clone(), vol.mount_path.clone());
            match mounts.get(&key) {
                Some(first) => {
                    let msg = format!(
                        "{at}: duplicate mount path '{}' on machine '{}' (already used by volume '{}')",
                        py_str(vol.mount_path),
                        py_str(mname),
                        py_str(first)
                    );
                    ctx.err(msg);
                }
                None => mounts.insert(key, vol.name.clone()),
            }
        }
    }
}

/// `domains[d]["machines"][m].get("devices") or {}`.
fn machine_devices<'a>(ctx: &Ctx<'a>, dname: &Value, mname: &Value) -> Option<&'a Map> {
    let domain = ctx.domains?.get(dname)?;
    let machine = domain.get("machines")?.as_map()?.get(mname)?;
    machine.get("devices")?.as_map()
}

/// A persistent_data path must not be a shared volume's mount path on the
/// same machine.
fn check_persistent_paths(ctx: &mut Ctx, mounts: &Mounts) {
    if mounts.is_empty() {
        return;
    }
    for (_, domain) in ctx.domains() {
        for (mname, machine) in entries(domain.get("machines").and_then(Value::as_map)) {
            let pd = machine.get("persistent_data").and_then(Value::as_map);
            for (vname, vconfig) in entries(pd) {
                let Some(path) = vconfig.get("path").filter(|p| p.truthy()) else {
                    continue;
                };
                if let Some(volume) = mounts.get(&(mname.clone(), path.clone())) {
                    ctx.err(format!(
                        "Machine '{}': persistent_data.{}: duplicate mount path '{}' \
                         (already used by shared_volume '{}')",
                        py_str(mname),
                        py_str(vname),
                        py_str(path),
                        py_str(volume)
                    ));
                }
            }
        }
    }
}
