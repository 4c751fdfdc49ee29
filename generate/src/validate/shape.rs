//! The shapes upstream takes for granted: where `generate.py` would stop
//! with a Python traceback because a mapping is a list, a domain is empty,
//! and so on, we report what is wrong instead. A few shapes upstream does
//! not crash on but misreads are refused too: a machine's `profiles` or a
//! top-level `network_policies` given as a string (read letter by letter)
//! or a mapping, a machine's `devices` or a domain's `profiles` that is not
//! a mapping, a profile or profile device that is not a mapping (the Ansible
//! roles would fail on them at apply time). An empty profile (`gpu:`) stays
//! valid: it is an empty Incus profile.
//!
//! Runs before the other checks; when anything here fails, only these
//! errors are reported, so one mistake does not cascade into dozens of
//! confusing ones.

use crate::pyops::py_kind;
use py::yaml::{Map, Value};
use py::{py_str, PyStr};

/// Errors for containers of the wrong type, in file order.
pub fn check(infra: &Map) -> Vec<String> {
    let mut errors = Vec::new();
    if let Some(g) = infra.get_str("global") {
        if g.as_map().is_none() {
            errors.push(format!("global must be a mapping, got {}", py_kind(g)));
        }
    }
    match infra.get_str("domains") {
        Some(Value::Map(domains)) => {
            for (dname, domain) in domains.iter() {
                check_domain(&mut errors, dname, domain);
            }
        }
        Some(d) if d.truthy() => {
            errors.push(format!(
                "domains must be a mapping of domain names, got {}",
                py_kind(d)
            ));
        }
        _ => {}
    }
    if let Some(p) = infra.get_str("network_policies") {
        if p.truthy() && p.as_seq().is_none() {
            errors.push(format!(
                "network_policies must be a list, got {}",
                py_kind(p)
            ));
        }
    }
    errors
}

/// A truthy value that is not a mapping (upstream's `x or {}` then `.items()`).
fn not_map(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| v.truthy() && v.as_map().is_none())
}

fn check_domain(errors: &mut Vec<String>, dname: &Value, domain: &Value) {
    let d = PyStr(dname);
    let Some(domain) = domain.as_map() else {
        errors.push(format!(
            "Domain '{d}': must be a mapping of domain settings, got {}",
            py_kind(domain)
        ));
        return;
    };
    if let Some(p) = not_map(domain.get_str("profiles")) {
        errors.push(format!(
            "Domain '{d}': profiles must be a mapping of profile names, got {}",
            py_kind(p)
        ));
    }
    for (pname, profile) in domain
        .get_str("profiles")
        .and_then(Value::as_map)
        .into_iter()
        .flat_map(|m| m.iter())
    {
        check_profile(errors, d, PyStr(pname), profile);
    }
    match domain.get_str("machines") {
        Some(Value::Map(machines)) => {
            for (mname, machine) in machines.iter() {
                check_machine(errors, PyStr(mname), machine);
            }
        }
        Some(m) if m.truthy() => {
            errors.push(format!(
                "Domain '{d}': machines must be a mapping of machine names, got {}",
                py_kind(m)
            ));
        }
        _ => {}
    }
}

/// A profile may be empty (an empty Incus profile); otherwise a mapping
/// whose `devices` is a mapping of mappings.
fn check_profile(errors: &mut Vec<String>, d: PyStr, p: PyStr, profile: &Value) {
    let profile = match profile {
        Value::Null => return,
        Value::Map(m) => m,
        other => {
            errors.push(format!(
                "Domain '{d}': profile '{p}' must be a mapping (config, devices), got {}",
                py_kind(other)
            ));
            return;
        }
    };
    if let Some(devs) = not_map(profile.get_str("devices")) {
        errors.push(format!(
            "Domain '{d}': profile '{p}': devices must be a mapping of device names, got {}",
            py_kind(devs)
        ));
    }
    let devices = profile.get_str("devices").and_then(Value::as_map);
    for (dev, device) in devices.into_iter().flat_map(|m| m.iter()) {
        if device.as_map().is_none() {
            errors.push(format!(
                "Domain '{d}': profile '{p}': device '{}' must be a mapping, got {}",
                py_str(dev),
                py_kind(device)
            ));
        }
    }
}

fn check_machine(errors: &mut Vec<String>, m: PyStr, machine: &Value) {
    let Some(machine) = machine.as_map() else {
        errors.push(format!(
            "Machine '{m}': must be a mapping of machine settings, got {}",
            py_kind(machine)
        ));
        return;
    };
    if let Some(c) = not_map(machine.get_str("config")) {
        errors.push(format!(
            "Machine '{m}': config must be a mapping, got {}",
            py_kind(c)
        ));
    }
    if let Some(p) = machine
        .get_str("profiles")
        .filter(|p| p.truthy() && p.as_seq().is_none())
    {
        errors.push(format!(
            "Machine '{m}': profiles must be a list of profile names, got {}",
            py_kind(p)
        ));
    }
    if let Some(devs) = not_map(machine.get_str("devices")) {
        errors.push(format!(
            "Machine '{m}': devices must be a mapping of device names, got {}",
            py_kind(devs)
        ));
    }
}
