//! `firewall_mode: vm` adds the `anklume-firewall` VM to the `anklume`
//! domain at host number .253, unless it (or the legacy `sys-firewall`)
//! already exists (upstream `_enrich_firewall`).

use py::yaml::{Map, Value};
use shared::Error;

use super::addressing::stored_slot;
use super::{add_machine, domain, domain_names, get_or, global, machine_names, str_list};
use py::py_str;

const NAME: &str = "anklume-firewall";

pub fn run(infra: &mut Value, notes: &mut Vec<String>) -> Result<(), Error> {
    let g = global(infra)?;
    if g.get_str("firewall_mode") != Some(&Value::from("vm")) {
        return Ok(());
    }
    let names = domain_names(infra)?;
    for dname in &names {
        for mname in machine_names(infra, dname)? {
            if mname == Value::from(NAME) || mname == Value::from("sys-firewall") {
                return Ok(());
            }
        }
    }
    let anklume = Value::from("anklume");
    if !names.contains(&anklume) {
        return Err(Error::new(
            "firewall_mode is 'vm' but no 'anklume' domain exists. Cannot auto-create anklume-firewall.",
        ));
    }

    let ip = firewall_ip(infra, &g, &anklume)?;
    add_machine(infra, &anklume, NAME, machine(&ip))?;
    notes.push(format!(
        "INFO: firewall_mode is 'vm' — auto-created anklume-firewall in anklume domain (ip: {ip})"
    ));
    Ok(())
}

/// `.253` in the anklume domain's zone subnet, or in the legacy
/// `<base_subnet>.<subnet_id>` network.
fn firewall_ip(infra: &Value, g: &Map, anklume: &Value) -> Result<String, Error> {
    if let Some((so, ds)) = stored_slot(infra, anklume)? {
        let empty = Value::Map(Map::new());
        let addr = get_or(g, "addressing", &empty);
        let addr = addr
            .as_map()
            .ok_or_else(|| Error::new("global.addressing must be a mapping"))?;
        let bo = addr
            .get_str("base_octet")
            .cloned()
            .unwrap_or(Value::Int(10));
        return Ok(format!(
            "{}.{}.{}.253",
            py_str(&bo),
            py_str(&so),
            py_str(&ds)
        ));
    }
    let default_base = Value::from("10.100");
    let base_subnet = get_or(g, "base_subnet", &default_base);
    let sid = domain(infra, anklume)?
        .get_str("subnet_id")
        .cloned()
        .unwrap_or(Value::Int(0));
    Ok(format!("{}.{}.253", py_str(base_subnet), py_str(&sid)))
}

fn machine(ip: &str) -> Map {
    let mut config = Map::new();
    config.insert("limits.cpu", "2");
    config.insert("limits.memory", "2GiB");
    let mut m = Map::new();
    m.insert(
        "description",
        "Centralized firewall VM (auto-created by generator)",
    );
    m.insert("type", "vm");
    m.insert("ip", ip);
    m.insert("config", config);
    m.insert("roles", str_list(&["base_system", "firewall_router"]));
    m.insert("ephemeral", false);
    m
}
