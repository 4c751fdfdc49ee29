//! Zone addressing (ADR-038), the part the validator and the enrichment
//! step share: a domain's subnet is
//! `<base_octet>.<zone_base + zone offset>.<domain_seq>.0/24`, the offset
//! coming from its trust level, the sequence number from its explicit
//! `subnet_id` or the next free number in the zone.

use py::yaml::Value;
use py::PyDict;

/// Offset of each trust level's zone from `zone_base`.
const ZONE_OFFSETS: [(&str, i128); 5] = [
    ("admin", 0),
    ("trusted", 10),
    ("semi-trusted", 20),
    ("untrusted", 40),
    ("disposable", 50),
];

/// Trust level of a domain that does not say.
pub const DEFAULT_TRUST_LEVEL: &str = "semi-trusted";

/// The offset of an unknown trust level: semi-trusted's.
const DEFAULT_OFFSET: i128 = 20;

/// The zone offset of a trust level.
pub fn zone_offset(trust: &Value) -> i128 {
    trust
        .as_str()
        .and_then(|t| ZONE_OFFSETS.iter().find(|(name, _)| *name == t))
        .map_or(DEFAULT_OFFSET, |(_, off)| *off)
}

/// Where one domain sits: `<base_octet>.<second_octet>.<domain_seq>.0/24`.
/// Kept as values because upstream prints whatever the user wrote
/// (`subnet_id: "7"` gives a domain_seq of `7` as text, `subnet_id: true`
/// prints as `True`).
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    pub second_octet: Value,
    pub domain_seq: Value,
}

/// The sequence numbers of one zone's domains, given as (name, subnet_id,
/// None when absent or null) sorted by name: the explicit subnet_ids first
/// (as a Python dict: a repeated one keeps its first position and takes the
/// later name), then the lowest free numbers for the others. Returns
/// domain_seq → name, in that order.
pub fn zone_sequence(members: Vec<(Value, Option<Value>)>) -> PyDict<Value, Value> {
    let mut seqs = PyDict::new();
    let mut auto = Vec::new();
    for (dname, sid) in members {
        match sid {
            Some(sid) => seqs.insert(sid, dname),
            None => auto.push(dname),
        }
    }
    let mut seq: i128 = 0;
    for dname in auto {
        while seqs.contains(&Value::Int(seq)) {
            seq += 1;
        }
        seqs.insert(Value::Int(seq), dname);
        seq += 1;
    }
    seqs
}
