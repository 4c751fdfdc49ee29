//! Zone-based addressing (ADR-038) as the validator needs it: which second
//! octet and which third octet (`domain_seq`) each domain gets.

use crate::zones::{zone_offset, zone_sequence, Slot, DEFAULT_TRUST_LEVEL};
use py::yaml::{Map, Value};
use py::PyDict;
use std::cmp::Ordering;

/// `zone_base + offset` with Python's number rules; None when zone_base is
/// not a number (upstream stops with a TypeError there; the validator has
/// already reported zone_base).
fn add_offset(zone_base: &Value, offset: i128) -> Option<Value> {
    match zone_base {
        Value::Int(_) | Value::Bool(_) => zone_base.as_int()?.checked_add(offset).map(Value::Int),
        Value::Float(f) => Some(Value::Float(f + offset as f64)),
        _ => None,
    }
}

/// Python's ordering for `sorted(domain_names)`; names of mixed types
/// (which upstream cannot sort) are ordered by type, then value.
fn name_order(a: &Value, b: &Value) -> Ordering {
    let rank = |v: &Value| match v {
        Value::Bool(_) | Value::Int(_) | Value::Float(_) => 0,
        Value::Str(_) => 1,
        _ => 2,
    };
    let num = |v: &Value| match v {
        Value::Float(f) => *f,
        v => v.as_int().unwrap_or(0) as f64,
    };
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => x.cmp(y),
        _ if rank(a) == 0 && rank(b) == 0 => num(a).partial_cmp(&num(b)).unwrap_or(Ordering::Equal),
        _ => rank(a).cmp(&rank(b)),
    }
}

/// Upstream's `_compute_addressing`: domains grouped by trust level (in order
/// of first appearance); within a zone, explicit `subnet_id`s first (by
/// name), then the others take the lowest free sequence numbers by name.
/// Two domains of a zone with the same subnet_id: the later name wins and the
/// earlier one gets no entry (upstream's dict overwrite, kept on purpose).
/// None when `zone_base` is not a number.
pub fn compute_addressing(infra: &Map) -> Option<Vec<(Value, Slot)>> {
    let g = infra.get_str("global").and_then(Value::as_map);
    let addr = g
        .and_then(|g| g.get_str("addressing"))
        .and_then(Value::as_map);
    let default_base = Value::Int(100);
    let zone_base = addr
        .and_then(|a| a.get_str("zone_base"))
        .unwrap_or(&default_base);
    let domains = infra.get_str("domains").and_then(Value::as_map);

    let default_trust = Value::from(DEFAULT_TRUST_LEVEL);
    let mut zones: PyDict<Value, Vec<(&Value, &Value)>> = PyDict::new();
    for (dname, domain) in domains.into_iter().flat_map(|m| m.iter()) {
        let trust = domain.get("trust_level").unwrap_or(&default_trust).clone();
        zones.entry_or_default(trust).push((dname, domain));
    }

    let mut result = Vec::new();
    for (trust, members) in zones.iter() {
        let second_octet = add_offset(zone_base, zone_offset(trust))?;
        let mut members = members.clone();
        members.sort_by(|a, b| name_order(a.0, b.0));
        let members = members
            .into_iter()
            .map(|(dname, domain)| {
                let sid = domain.get("subnet_id").filter(|sid| !sid.is_null());
                (dname.clone(), sid.cloned())
            })
            .collect();
        let seqs = zone_sequence(members);
        for (seq_val, dname) in seqs.iter() {
            let info = Slot {
                second_octet: second_octet.clone(),
                domain_seq: seq_val.clone(),
            };
            result.push((dname.clone(), info));
        }
    }
    Some(result)
}
