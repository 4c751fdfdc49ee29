//! What goes in each generated file's managed section (upstream
//! `generate`): `group_vars/all.yml`, then per enabled domain
//! `inventory/<d>.yml`, `group_vars/<d>.yml` and `host_vars/<m>.yml`.
//!
//! Keys are inserted in upstream's order and keys whose value is None are
//! left out, as upstream's `{k: v for … if v is not None}` does. Values taken
//! from infra.yml are cloned with their node ids, so YAML aliases come out
//! as the same anchors PyYAML writes.

use py::yaml::{Map, Value};
use shared::Error;
use std::collections::HashSet;

use crate::enrich::{
    addressing_slot, as_domain, as_machine, domain, domains_map, get_or, global, machines_map,
};
use crate::pyops::map_or_empty;
use indexmap::IndexMap;
use py::py_str;

/// One file to write: its path under the base folder and its managed content.
#[derive(Debug, Clone)]
pub struct Planned {
    pub rel: [String; 2],
    pub content: Value,
}

/// Every file upstream writes, in upstream's order, handed to `each` as
/// soon as it is planned; on an error, the files before it have been
/// handed over.
pub fn plan(
    infra: &Value,
    nesting_prefix: &str,
    mut each: impl FnMut(Planned),
) -> Result<(), Error> {
    let g = global(infra)?;
    let prefix = if !matches!(g.get_str("nesting_prefix"), Some(v) if !v.truthy()) {
        nesting_prefix
    } else {
        ""
    };
    each(Planned {
        rel: ["group_vars".to_owned(), "all.yml".to_owned()],
        content: all_vars(infra, &g)?,
    });
    let devices = Devices::new(infra);
    for (dname, d) in domains_map(infra)?.into_iter().flat_map(|m| m.iter()) {
        let d = as_domain(dname, Some(d))?;
        if matches!(d.get_str("enabled"), Some(Value::Bool(false))) {
            continue;
        }
        let net = network(infra, &g, dname)?;
        let machines = machines_map(dname, d)?;
        let machines = || machines.into_iter().flat_map(|m| m.iter());
        each(Planned {
            rel: rel("inventory", dname),
            content: inventory(dname, machines())?,
        });
        each(Planned {
            rel: rel("group_vars", dname),
            content: group_vars(d, dname, prefix, net),
        });
        for (mname, m) in machines() {
            let m = as_machine(mname, Some(m))?;
            let content = host_vars(&g, d, dname, mname, m, prefix, &devices)?;
            each(Planned {
                rel: rel("host_vars", mname),
                content,
            });
        }
    }
    Ok(())
}

/// A mapping with room for `n` keys.
fn map_with(n: usize) -> Map {
    Map {
        id: 0,
        entries: IndexMap::with_capacity_and_hasher(n, Default::default()),
    }
}

/// `[dir, "<name>.yml"]`.
fn rel(dir: &str, name: &Value) -> [String; 2] {
    let file = match name {
        Value::Str(s) => {
            let mut file = String::with_capacity(s.len() + 4);
            file.push_str(s);
            file.push_str(".yml");
            file
        }
        other => format!("{}.yml", py_str(other)),
    };
    [dir.to_owned(), file]
}

/// Insert unless the value is None.
fn put(m: &mut Map, k: &str, v: Option<Value>) {
    if let Some(v) = v.filter(|v| !v.is_null()) {
        m.insert(k, v);
    }
}

fn all_vars(infra: &Value, g: &Map) -> Result<Value, Error> {
    let has_addressing = g.contains_str("addressing");
    let images = all_images(infra, g)?;
    let policies = infra
        .get("network_policies")
        .filter(|p| p.truthy())
        .cloned();
    let default_base = Value::from("10.100");
    let mut m = Map::new();
    put(&mut m, "project_name", infra.get("project_name").cloned());
    put(
        &mut m,
        "addressing",
        g.get_str("addressing").filter(|_| has_addressing).cloned(),
    );
    let base = (!has_addressing).then(|| get_or(g, "base_subnet", &default_base).clone());
    put(&mut m, "base_subnet", base);
    put(
        &mut m,
        "default_os_image",
        g.get_str("default_os_image").cloned(),
    );
    put(
        &mut m,
        "psot_default_connection",
        g.get_str("default_connection").cloned(),
    );
    put(
        &mut m,
        "psot_default_user",
        g.get_str("default_user").cloned(),
    );
    put(
        &mut m,
        "incus_all_images",
        (!images.is_empty()).then(|| Value::from(images)),
    );
    put(&mut m, "network_policies", policies);
    Ok(Value::Map(m))
}

/// Every machine's image (or the default), once each, sorted
/// (upstream `extract_all_images`).
pub fn all_images(infra: &Value, g: &Map) -> Result<Vec<Value>, Error> {
    let default = g
        .get_str("default_os_image")
        .cloned()
        .unwrap_or(Value::Null);
    let mut images: Vec<Value> = Vec::new();
    let mut seen: HashSet<&Value> = HashSet::new();
    for (dname, d) in domains_map(infra)?.into_iter().flat_map(|m| m.iter()) {
        let machines = machines_map(dname, as_domain(dname, Some(d))?)?;
        for (mname, m) in machines.into_iter().flat_map(|m| m.iter()) {
            let m = as_machine(mname, Some(m))?;
            let image = m.get_str("os_image").unwrap_or(&default);
            if !image.truthy() {
                continue;
            }
            if matches!(image, Value::Seq(_) | Value::Map(_)) {
                return Err(Error::new(format!(
                    "machine '{}': os_image must be a string, got {}",
                    py_str(mname),
                    image.kind()
                )));
            }
            if seen.insert(image) {
                images.push(image.clone());
            }
        }
    }
    sort_like_python(&mut images)?;
    Ok(images)
}

/// `sorted()` of a set of scalars: strings with strings, numbers with
/// numbers; Python refuses to order a string against a number.
fn sort_like_python(items: &mut [Value]) -> Result<(), Error> {
    let rank = |v: &Value| match v {
        Value::Str(_) => 0,
        Value::Int(_) | Value::Bool(_) | Value::Float(_) => 1,
        Value::Timestamp(_) => 2,
        _ => 3,
    };
    if let Some(first) = items.first() {
        if items.iter().any(|v| rank(v) != rank(first)) {
            return Err(Error::new(
                "os_image values mix strings and numbers and cannot be sorted",
            ));
        }
    }
    items.sort_by(|a, b| match (a, b) {
        (Value::Str(x), Value::Str(y)) | (Value::Timestamp(x), Value::Timestamp(y)) => x.cmp(y),
        (Value::Binary(x), Value::Binary(y)) => x.cmp(y),
        _ => number(a)
            .partial_cmp(&number(b))
            .unwrap_or(std::cmp::Ordering::Equal),
    });
    Ok(())
}

fn number(v: &Value) -> f64 {
    match v {
        Value::Float(f) => *f,
        other => other.as_int().unwrap_or(0) as f64,
    }
}

/// (subnet, gateway, subnet_id) of a domain.
fn network(
    infra: &Value,
    g: &Map,
    dname: &Value,
) -> Result<(String, String, Option<Value>), Error> {
    if g.contains_str("addressing") {
        if let Some((so, ds)) = addressing_slot(infra, dname)? {
            let addr = g.get_str("addressing").and_then(Value::as_map);
            let bo = addr
                .and_then(|a| a.get_str("base_octet"))
                .cloned()
                .unwrap_or(Value::Int(10));
            let stem = format!("{}.{}.{}", py_str(&bo), py_str(&so), py_str(&ds));
            return Ok((format!("{stem}.0/24"), format!("{stem}.254"), Some(ds)));
        }
    }
    let sid = domain(infra, dname)?.get_str("subnet_id").cloned();
    let default_base = Value::from("10.100");
    let bs = py_str(get_or(g, "base_subnet", &default_base));
    let sid_text = py_str(sid.as_ref().unwrap_or(&Value::Null));
    Ok((
        format!("{bs}.{sid_text}.0/24"),
        format!("{bs}.{sid_text}.254"),
        sid,
    ))
}

fn inventory<'a>(
    dname: &Value,
    machines: impl Iterator<Item = (&'a Value, &'a Value)>,
) -> Result<Value, Error> {
    let mut hosts = Map::new();
    for (mname, m) in machines {
        let m = as_machine(mname, Some(m))?;
        let host = m.get_str("ip").filter(|ip| ip.truthy()).map(|ip| {
            let mut h = map_with(1);
            h.insert("ansible_host", ip.clone());
            Value::Map(h)
        });
        hosts.insert(mname.clone(), host.unwrap_or(Value::Null));
    }
    let hosts = if hosts.is_empty() {
        Value::Null
    } else {
        Value::Map(hosts)
    };
    let mut group = map_with(1);
    group.insert("hosts", hosts);
    let mut children = map_with(1);
    children.insert(dname.clone(), group);
    let mut all = map_with(1);
    all.insert("children", children);
    let mut inv = map_with(1);
    inv.insert("all", all);
    Ok(Value::Map(inv))
}

fn group_vars(d: &Map, dname: &Value, prefix: &str, net: (String, String, Option<Value>)) -> Value {
    let get = |k: &str, default: Value| d.get_str(k).cloned().unwrap_or(default);
    let openclaw = get("openclaw", Value::Bool(false));
    let provider = get("ai_provider", Value::from("local"));
    let sanitize = match d.get_str("ai_sanitize") {
        None | Some(Value::Null) => {
            Value::Bool(provider == Value::from("cloud") || provider == Value::from("local-first"))
        }
        Some(v) => v.clone(),
    };
    let name = py_str(dname);
    let (subnet, gateway, sid) = net;
    let mut network = map_with(3);
    network.insert("name", format!("{prefix}net-{name}"));
    network.insert("subnet", subnet);
    network.insert("gateway", gateway);

    let mut m = Map::new();
    put(&mut m, "domain_name", Some(dname.clone()));
    put(
        &mut m,
        "domain_description",
        Some(get("description", Value::from(""))),
    );
    put(
        &mut m,
        "domain_ephemeral",
        Some(get("ephemeral", Value::Bool(false))),
    );
    put(
        &mut m,
        "domain_trust_level",
        d.get_str("trust_level").cloned(),
    );
    put(
        &mut m,
        "domain_openclaw",
        openclaw.truthy().then_some(openclaw),
    );
    put(&mut m, "domain_ai_provider", Some(provider));
    put(&mut m, "domain_ai_sanitize", Some(sanitize));
    put(
        &mut m,
        "incus_project",
        Some(Value::from(format!("{prefix}{name}"))),
    );
    put(&mut m, "incus_network", Some(Value::Map(network)));
    put(&mut m, "subnet_id", sid);
    if let Some(profiles) = d.get_str("profiles").filter(|p| p.truthy()) {
        m.insert("incus_profiles", profiles.clone());
    }
    Value::Map(m)
}

/// `infra["_shared_volume_devices"]` and `infra["_persistent_data_devices"]`
/// (`x or {}`), read once; a wrong type fails where it is first used.
struct Devices<'a> {
    sources: [Result<Option<&'a Map>, Error>; 2],
}

impl<'a> Devices<'a> {
    fn new(infra: &'a Value) -> Self {
        let read = |k: &str| map_or_empty(infra.get(k), &|| format!("`{k}`"));
        Devices {
            sources: [
                read("_shared_volume_devices"),
                read("_persistent_data_devices"),
            ],
        }
    }

    /// Devices for a machine: `sv-*`, then `pd-*`, then the user's (which win).
    fn of(&self, mname: &Value, user: Option<&Value>) -> Result<Option<Value>, Error> {
        let mut merged = Map::new();
        for source in &self.sources {
            let map = source.clone()?;
            if let Some(devs) = map.and_then(|m| m.get(mname)).filter(|d| d.truthy()) {
                update(&mut merged, devs)?;
            }
        }
        if let Some(user) = user.filter(|u| u.truthy()) {
            update(&mut merged, user)?;
        }
        Ok(if merged.is_empty() {
            user.cloned()
        } else {
            Some(Value::Map(merged))
        })
    }
}

/// `dict.update(other)`: a mapping, or a sequence of key/value pairs.
fn update(target: &mut Map, other: &Value) -> Result<(), Error> {
    match other {
        Value::Map(m) => {
            for (k, v) in m.iter() {
                target.insert(k.clone(), v.clone());
            }
            Ok(())
        }
        Value::Seq(s) => {
            for pair in s.iter() {
                match pair.as_seq().map(|p| p.as_slice()) {
                    Some([k, v]) if !matches!(k, Value::Seq(_) | Value::Map(_)) => {
                        target.insert(k.clone(), v.clone());
                    }
                    _ => {
                        return Err(Error::new(
                            "devices must be a mapping of device name to settings",
                        ))
                    }
                }
            }
            Ok(())
        }
        _ => Err(Error::new(format!(
            "devices must be a mapping, got {}",
            other.kind()
        ))),
    }
}

fn host_vars(
    g: &Map,
    d: &Map,
    dname: &Value,
    mname: &Value,
    m: &Map,
    prefix: &str,
    devices: &Devices,
) -> Result<Value, Error> {
    let get = |k: &str| m.get_str(k).cloned();
    let ephemeral = match m.get_str("ephemeral") {
        None | Some(Value::Null) => d
            .get_str("ephemeral")
            .cloned()
            .unwrap_or(Value::Bool(false)),
        Some(v) => v.clone(),
    };
    let image = m
        .get_str("os_image")
        .or_else(|| g.get_str("default_os_image"))
        .cloned();

    let mut h = map_with(17);
    put(
        &mut h,
        "instance_name",
        Some(Value::from(format!("{prefix}{}", py_str(mname)))),
    );
    put(
        &mut h,
        "instance_type",
        Some(get("type").unwrap_or_else(|| Value::from("lxc"))),
    );
    put(
        &mut h,
        "instance_description",
        Some(get("description").unwrap_or_else(|| Value::from(""))),
    );
    put(&mut h, "instance_domain", Some(dname.clone()));
    put(&mut h, "instance_ephemeral", Some(ephemeral));
    put(&mut h, "instance_os_image", image);
    put(&mut h, "instance_ip", get("ip"));
    put(&mut h, "instance_gpu", get("gpu"));
    put(&mut h, "instance_profiles", get("profiles"));
    put(&mut h, "instance_config", get("config"));
    put(
        &mut h,
        "instance_devices",
        devices.of(mname, m.get_str("devices"))?,
    );
    put(&mut h, "instance_storage_volumes", get("storage_volumes"));
    put(&mut h, "instance_roles", get("roles"));
    put(&mut h, "instance_boot_autostart", get("boot_autostart"));
    put(&mut h, "instance_boot_priority", get("boot_priority"));
    put(
        &mut h,
        "instance_snapshots_schedule",
        get("snapshots_schedule"),
    );
    put(&mut h, "instance_snapshots_expiry", get("snapshots_expiry"));
    Ok(Value::Map(h))
}
