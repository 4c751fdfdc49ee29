//! Zone addressing (ADR-038, upstream `_enrich_addressing`,
//! `_compute_addressing`, `_auto_assign_ips`).
//!
//! With `global.addressing`, a domain's subnet is
//! `<base_octet>.<zone_base + zone offset>.<domain_seq>.0/24`: the second
//! octet comes from the trust level, the third is the explicit `subnet_id`
//! or the next free number in the zone, given out in alphabetical order.
//! Machines without `ip:` get the next free host number in `.1`–`.99`.
//! The result is stored as `infra["_addressing"]`, where upstream keeps it,
//! for the firewall step and the writer.

use indexmap::IndexMap;
use py::yaml::{Map, Value};
use shared::Error;
use std::collections::HashSet;

use super::{domain, domain_names, global, machine, machine_names, tree};
use crate::pyops::{contains, index, key};
use crate::zones::{zone_offset, zone_sequence, Slot, DEFAULT_TRUST_LEVEL};
use py::{parse_i128, py_str};

pub fn run(infra: &mut Value) -> Result<(), Error> {
    let g = global(infra)?;
    let Some(addr) = g.get_str("addressing") else {
        return Ok(());
    };
    let base_octet = addressing_cfg(addr)?
        .get_str("base_octet")
        .cloned()
        .unwrap_or(Value::Int(10));

    for dname in domain_names(infra)? {
        if !domain(infra, &dname)?.contains_str("trust_level") {
            tree::edit_map(infra, &tree::domain_keys(&dname), |d| {
                d.insert("trust_level", DEFAULT_TRUST_LEVEL);
                Ok(())
            })?;
        }
    }

    let plan = compute(infra)?;
    let mut stored = Map::new();
    for (dname, slot) in &plan {
        let mut info = Map::new();
        info.insert("second_octet", slot.second_octet.clone());
        info.insert("domain_seq", slot.domain_seq.clone());
        stored.insert(dname.clone(), info);
    }
    if let Value::Map(root) = infra {
        root.insert("_addressing", stored);
    }

    for dname in domain_names(infra)? {
        if let Some(slot) = plan.get(&dname) {
            let prefix = format!(
                "{}.{}.{}",
                py_str(&base_octet),
                py_str(&slot.second_octet),
                py_str(&slot.domain_seq)
            );
            auto_assign_ips(infra, &dname, &prefix)?;
        }
    }
    Ok(())
}

fn addressing_cfg(addr: &Value) -> Result<&Map, Error> {
    addr.as_map()
        .ok_or_else(|| Error::new("global.addressing must be a mapping"))
}

/// Every domain's slot, zone by zone (upstream `_compute_addressing`).
pub fn compute(infra: &Value) -> Result<IndexMap<Value, Slot>, Error> {
    let g = global(infra)?;
    let empty = Value::Map(Map::new());
    let addr = addressing_cfg(g.get_str("addressing").unwrap_or(&empty))?;
    let zone_base = match addr.get_str("zone_base") {
        None => 100,
        Some(v) => v.as_int().ok_or_else(|| {
            Error::new(format!(
                "global.addressing.zone_base must be an integer, got {}",
                py_str(v)
            ))
        })?,
    };

    let mut zones: IndexMap<Value, Vec<Value>> = IndexMap::new();
    for dname in domain_names(infra)? {
        let trust = domain(infra, &dname)?.get_str("trust_level").cloned();
        let trust = trust.unwrap_or_else(|| Value::from(DEFAULT_TRUST_LEVEL));
        zones.entry(trust).or_default().push(dname);
    }

    let mut result = IndexMap::new();
    for (trust, mut names) in zones {
        let second_octet = Value::Int(zone_base.saturating_add(zone_offset(&trust)));
        names.sort_by_key(py_str);

        let mut members = Vec::with_capacity(names.len());
        for dname in names {
            let sid = domain(infra, &dname)?
                .get_str("subnet_id")
                .filter(|sid| !sid.is_null());
            let sid = sid.cloned();
            members.push((dname, sid));
        }
        for (domain_seq, dname) in zone_sequence(members).iter() {
            result.insert(
                dname.clone(),
                Slot {
                    second_octet: second_octet.clone(),
                    domain_seq: domain_seq.clone(),
                },
            );
        }
    }
    Ok(result)
}

/// Give machines without an `ip:` the next free address in `.1`–`.99`,
/// in declaration order.
fn auto_assign_ips(infra: &mut Value, dname: &Value, prefix: &str) -> Result<(), Error> {
    let dotted = format!("{prefix}.");
    let mut used = HashSet::new();
    let mut next: i128 = 1;
    if let Some(machines) = unshared_machines(infra, dname) {
        // Each edit changes one machine: no need to look them up by name.
        for (mname, m) in machines.iter() {
            if let Value::Map(m) = m {
                note_used(mname, m, &dotted, &mut used)?;
            }
        }
        for (mname, m) in machines.iter_mut() {
            let Value::Map(m) = m else { continue };
            if !m.get_str("ip").is_some_and(Value::truthy) {
                let ip = next_free(mname, prefix, &mut used, &mut next)?;
                m.insert("ip", ip);
            }
        }
        return Ok(());
    }

    let names = machine_names(infra, dname)?;
    for mname in &names {
        note_used(mname, machine(infra, dname, mname)?, &dotted, &mut used)?;
    }
    for mname in &names {
        if machine(infra, dname, mname)?
            .get_str("ip")
            .is_some_and(Value::truthy)
        {
            continue;
        }
        let ip = next_free(mname, prefix, &mut used, &mut next)?;
        tree::edit_map(infra, &tree::machine_keys(dname, mname), |m| {
            m.insert("ip", ip);
            Ok(())
        })?;
    }
    Ok(())
}

/// The domain's machines, when none of them, nor the machines mapping,
/// the domain or the domains mapping, is shared through a YAML alias (and
/// every machine is a mapping): then setting one machine's `ip` changes
/// nothing else, and [`tree::edit`] has no copies to update.
fn unshared_machines<'a>(infra: &'a mut Value, dname: &Value) -> Option<&'a mut Map> {
    let domains = infra.as_map_mut()?.get_str_mut("domains")?.as_map_mut()?;
    if domains.id != 0 {
        return None;
    }
    let domain = domains.get_mut(dname)?.as_map_mut()?;
    if domain.id != 0 {
        return None;
    }
    let machines = domain.get_str_mut("machines")?.as_map_mut()?;
    let unshared = machines.id == 0
        && machines
            .values()
            .all(|m| matches!(m, Value::Map(m) if m.id == 0));
    unshared.then_some(machines)
}

/// Notes the host number of a machine's `ip` when it is in the domain's
/// subnet (`dotted` is the subnet prefix with its final dot).
fn note_used(mname: &Value, m: &Map, dotted: &str, used: &mut HashSet<i128>) -> Result<(), Error> {
    let Some(ip) = m.get_str("ip").filter(|ip| ip.truthy()) else {
        return Ok(());
    };
    let ip = ip.as_str().ok_or_else(|| {
        Error::new(format!(
            "Machine '{}': ip must be a string, got {}",
            py_str(mname),
            ip.kind()
        ))
    })?;
    if let Some(rest) = ip.strip_prefix(dotted) {
        let host = rest.rsplit('.').next().unwrap_or(rest);
        if let Some(n) = parse_i128(host) {
            used.insert(n);
        }
    }
    Ok(())
}

/// The next free address from `next` on, for machine `mname`.
fn next_free(
    mname: &Value,
    prefix: &str,
    used: &mut HashSet<i128>,
    next: &mut i128,
) -> Result<String, Error> {
    while used.contains(next) && *next <= 99 {
        *next += 1;
    }
    if *next > 99 {
        return Err(Error::new(format!(
            "Domain ran out of static IPs (.1-.99) for machine '{}'",
            py_str(mname)
        )));
    }
    let ip = format!("{prefix}.{next}");
    used.insert(*next);
    *next += 1;
    Ok(ip)
}

/// Whether `infra["_addressing"]` holds `dname` (upstream reads it back
/// with `in`, so a user-written `_addressing` behaves as upstream too).
pub fn stored_slot(infra: &Value, dname: &Value) -> Result<Option<(Value, Value)>, Error> {
    let Some(stored) = infra.get("_addressing") else {
        return Ok(None);
    };
    if !contains(stored, dname)? {
        return Ok(None);
    }
    let info = index(stored, dname)?;
    let so = index(info, &key("second_octet"))?.clone();
    let ds = index(info, &key("domain_seq"))?.clone();
    Ok(Some((so, ds)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn infra(yaml_domains: &[(&str, Option<&str>, Option<i64>)]) -> Value {
        let mut domains = Map::new();
        for (name, trust, sid) in yaml_domains {
            let mut d = Map::new();
            if let Some(t) = trust {
                d.insert("trust_level", *t);
            }
            if let Some(s) = sid {
                d.insert("subnet_id", *s);
            }
            domains.insert(*name, d);
        }
        let mut g = Map::new();
        g.insert("addressing", Map::new());
        let mut root = Map::new();
        root.insert("global", g);
        root.insert("domains", domains);
        Value::Map(root)
    }

    fn seq(plan: &IndexMap<Value, Slot>, d: &str) -> (Value, Value) {
        let s = &plan[&Value::from(d)];
        (s.second_octet.clone(), s.domain_seq.clone())
    }

    #[test]
    fn zones_and_alphabetical_sequence() {
        let i = infra(&[
            ("zeta", Some("admin"), None),
            ("alpha", Some("admin"), None),
            ("web", None, None),
        ]);
        let plan = compute(&i).unwrap();
        assert_eq!(seq(&plan, "alpha"), (Value::Int(100), Value::Int(0)));
        assert_eq!(seq(&plan, "zeta"), (Value::Int(100), Value::Int(1)));
        assert_eq!(seq(&plan, "web"), (Value::Int(120), Value::Int(0)));
    }

    #[test]
    fn explicit_subnet_ids_are_skipped() {
        let i = infra(&[
            ("a", Some("trusted"), None),
            ("b", Some("trusted"), Some(0)),
            ("c", Some("trusted"), None),
        ]);
        let plan = compute(&i).unwrap();
        assert_eq!(seq(&plan, "b").1, Value::Int(0));
        assert_eq!(seq(&plan, "a").1, Value::Int(1));
        assert_eq!(seq(&plan, "c").1, Value::Int(2));
    }
}
