//! `openclaw: true` on an enabled domain adds a `<domain>-openclaw` machine
//! unless the user declared one (upstream `_enrich_openclaw`).

use py::yaml::{Map, Value};
use shared::Error;

use super::{add_machine, domain, domain_names, str_list};
use crate::pyops::contains;
use py::py_str;

pub fn run(infra: &mut Value, notes: &mut Vec<String>) -> Result<(), Error> {
    for dname in domain_names(infra)? {
        let d = domain(infra, &dname)?;
        if !d.get_str("openclaw").is_some_and(Value::truthy) {
            continue;
        }
        // `domain.get("enabled", True) is False`: only a real `false` counts.
        if matches!(d.get_str("enabled"), Some(Value::Bool(false))) {
            continue;
        }
        let name = format!("{}-openclaw", py_str(&dname));
        if let Some(machines) = d.get_str("machines").filter(|m| m.truthy()) {
            if contains(machines, &Value::from(name.as_str()))? {
                continue;
            }
        }
        add_machine(infra, &dname, &name, machine(&dname))?;
        notes.push(format!(
            "INFO: openclaw: true on domain '{}' — auto-created {name}",
            py_str(&dname)
        ));
    }
    Ok(())
}

fn machine(dname: &Value) -> Map {
    let mut m = Map::new();
    m.insert(
        "description",
        format!("OpenClaw AI assistant for {} (auto-created)", py_str(dname)),
    );
    m.insert("type", "lxc");
    m.insert("roles", str_list(&["base_system", "openclaw_server"]));
    m.insert("ephemeral", false);
    m
}
