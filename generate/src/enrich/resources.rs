//! `global.resource_policy`: share the host's CPU and memory (minus a
//! reserve) among machines without explicit limits, by weight or equally,
//! then refuse (or warn about) overcommit (upstream `_enrich_resources`).
//!
//! The arithmetic follows Python's exactly — float shares truncated with
//! `int()`, `{:.0f}` in messages — because the numbers land in the files.

use py::yaml::{Map, Value};
use shared::Error;

use super::host::{format_memory, parse_memory, reserve_cpu, reserve_mem, HostFacts, Resources};
use super::{all_machines, as_machine, each_machine, global, machine, tree};
use crate::pyops::{key, map_or_empty, trunc};
use py::{parse_i128, py_str};

/// One machine that gets a share: its location, weight and what it lacks.
struct Entry {
    path: tree::Path,
    weight: Option<Value>,
    needs_cpu: bool,
    needs_mem: bool,
}

struct Policy {
    equal: bool,
    cpu_count: bool,
    soft: bool,
    overcommit: bool,
    reserve: Map,
}

pub fn run(infra: &mut Value, host: &Resources, notes: &mut Vec<String>) -> Result<(), Error> {
    let g = global(infra)?;
    let policy = match g.get_str("resource_policy") {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Bool(true)) => Map::new(),
        Some(Value::Map(m)) => m.clone(),
        Some(_) => return Ok(()),
    };
    let Some(host) = host.facts() else {
        notes
            .push("WARNING: Could not detect host resources, skipping resource allocation.".into());
        return Ok(());
    };
    let policy = read_policy(&policy);
    let available_cpu = host.cpu as f64 - reserve_cpu(&policy.reserve, host)?;
    let available_mem = host
        .memory_bytes
        .saturating_sub(reserve_mem(&policy.reserve, host)?);
    if available_cpu <= 0.0 || available_mem <= 0 {
        notes.push(
            "WARNING: Host reserve exceeds available resources, skipping resource allocation."
                .into(),
        );
        return Ok(());
    }

    let entries = collect(infra)?;
    if entries.is_empty() {
        if policy.soft {
            apply_memory_enforce(infra)?;
        }
        return Ok(());
    }
    distribute_cpu(infra, &entries, &policy, available_cpu, host)?;
    distribute_mem(infra, &entries, &policy, available_mem)?;
    if policy.soft {
        apply_memory_enforce(infra)?;
    }
    check_overcommit(infra, &policy, available_cpu, available_mem, host, notes)
}

fn read_policy(p: &Map) -> Policy {
    let is = |k: &str, v: &str| p.get_str(k) == Some(&Value::from(v));
    let soft = match p.get_str("memory_enforce") {
        None => true,
        Some(v) => *v == Value::from("soft"),
    };
    let reserve = match p.get_str("host_reserve") {
        None => Map::new(),
        Some(Value::Map(m)) => m.clone(),
        Some(_) => Map::new(),
    };
    Policy {
        equal: is("mode", "equal"),
        cpu_count: is("cpu_mode", "count"),
        soft,
        overcommit: p.get_str("overcommit").is_some_and(Value::truthy),
        reserve,
    }
}

/// `machine.get("config") or {}` as a mapping.
fn config_of<'a>(m: &'a Map, mname: &Value) -> Result<Option<&'a Map>, Error> {
    map_or_empty(m.get_str("config"), &|| {
        format!("config of machine '{}'", py_str(mname))
    })
}

fn collect(infra: &Value) -> Result<Vec<Entry>, Error> {
    let mut entries = Vec::new();
    for (dname, mname, m) in each_machine(infra)? {
        let m = as_machine(mname, Some(m))?;
        let has = |k: &str| -> Result<bool, Error> {
            Ok(config_of(m, mname)?.is_some_and(|c| c.contains_str(k)))
        };
        let needs_cpu = !has("limits.cpu")? && !has("limits.cpu.allowance")?;
        let needs_mem = !has("limits.memory")?;
        if needs_cpu || needs_mem {
            // `machine.get("weight", 1)`: an explicit null stays None.
            let weight = match m.get_str("weight") {
                None => Some(Value::Int(1)),
                Some(Value::Null) => None,
                Some(w) => Some(w.clone()),
            };
            entries.push(Entry {
                path: tree::machine_path(dname, mname),
                weight,
                needs_cpu,
                needs_mem,
            });
        }
    }
    Ok(entries)
}

/// A weight as a number; Python fails on `None` in `sum()` or arithmetic.
fn weight_of(e: &Entry) -> Result<f64, Error> {
    match &e.weight {
        Some(Value::Int(i)) => Ok(*i as f64),
        Some(Value::Bool(b)) => Ok(f64::from(u8::from(*b))),
        Some(Value::Float(f)) => Ok(*f),
        Some(other) => Err(Error::new(format!(
            "weight must be a positive integer, got {}",
            py_str(other)
        ))),
        None => Err(Error::new("weight must be a positive integer, got None")),
    }
}

/// (weight used for this entry, total weight) as upstream computes them.
fn shares<'a>(entries: &[&'a Entry], equal: bool) -> Result<Vec<(&'a Entry, f64, f64)>, Error> {
    let total = if equal {
        entries.len() as f64
    } else {
        entries
            .iter()
            .map(|e| weight_of(e))
            .sum::<Result<f64, Error>>()?
    };
    entries
        .iter()
        .map(|e| Ok((*e, if equal { 1.0 } else { weight_of(e)? }, total)))
        .collect()
}

/// `m.setdefault("config", {})[key] = value`.
fn set_config(infra: &mut Value, path: &[Value], k: &str, v: String) -> Result<(), Error> {
    tree::edit_map(infra, path, |m| {
        if !m.contains_str("config") {
            m.insert("config", Map::new());
        }
        Ok(())
    })?;
    tree::edit(infra, &tree::child(path, &key("config")), |c| match c {
        Value::Map(c) => {
            c.insert(k, v);
            Ok(())
        }
        other => Err(Error::new(format!(
            "config must be a mapping to set {k}, got {}",
            other.kind()
        ))),
    })
}

fn distribute_cpu(
    infra: &mut Value,
    entries: &[Entry],
    policy: &Policy,
    available: f64,
    host: HostFacts,
) -> Result<(), Error> {
    let cpu: Vec<&Entry> = entries.iter().filter(|e| e.needs_cpu).collect();
    if cpu.is_empty() {
        return Ok(());
    }
    for (e, w, total) in shares(&cpu, policy.equal)? {
        let share = available * w / total;
        if policy.cpu_count {
            let n = trunc(share)?.unwrap_or(0).max(1);
            set_config(infra, &e.path, "limits.cpu", n.to_string())?;
        } else {
            let pct = trunc(share / host.cpu as f64 * 100.0)?.unwrap_or(0).max(1);
            set_config(infra, &e.path, "limits.cpu.allowance", format!("{pct}%"))?;
        }
    }
    Ok(())
}

fn distribute_mem(
    infra: &mut Value,
    entries: &[Entry],
    policy: &Policy,
    available: i128,
) -> Result<(), Error> {
    let mem: Vec<&Entry> = entries.iter().filter(|e| e.needs_mem).collect();
    if mem.is_empty() {
        return Ok(());
    }
    for (e, w, total) in shares(&mem, policy.equal)? {
        // int * int stays exact in Python before the true division.
        let numerator = if policy.equal || w.fract() != 0.0 {
            available as f64 * w
        } else {
            available.saturating_mul(w as i128) as f64
        };
        let share = trunc(numerator / total)?
            .unwrap_or(0)
            .max(128 * 1024 * 1024);
        set_config(infra, &e.path, "limits.memory", format_memory(share))?;
    }
    Ok(())
}

/// `limits.memory.enforce: soft` on every machine with a memory limit.
fn apply_memory_enforce(infra: &mut Value) -> Result<(), Error> {
    for (dname, mname) in all_machines(infra)? {
        let m = machine(infra, &dname, &mname)?;
        let Some(c) = config_of(m, &mname)? else {
            continue;
        };
        if c.contains_str("limits.memory") && !c.contains_str("limits.memory.enforce") {
            let path = tree::machine_path(&dname, &mname);
            tree::edit_map(infra, &tree::child(&path, &key("config")), |c| {
                c.insert("limits.memory.enforce", "soft");
                Ok(())
            })?;
        }
    }
    Ok(())
}

/// `int(config["limits.cpu"])`, None where upstream's suppress() skips it.
fn cpu_count(v: &Value) -> Result<Option<i128>, Error> {
    Ok(match v {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(i128::from(*b)),
        Value::Float(f) => trunc(*f)?,
        Value::Str(s) => parse_i128(s),
        Value::Binary(b) => std::str::from_utf8(b).ok().and_then(parse_i128),
        _ => None,
    })
}

fn check_overcommit(
    infra: &Value,
    policy: &Policy,
    available_cpu: f64,
    available_mem: i128,
    host: HostFacts,
    notes: &mut Vec<String>,
) -> Result<(), Error> {
    let (mut cores, mut allowance, mut mem) = (0.0_f64, 0.0_f64, 0_i128);
    for (_, mname, m) in each_machine(infra)? {
        let m = as_machine(mname, Some(m))?;
        let Some(c) = config_of(m, mname)? else {
            continue;
        };
        if let Some(v) = c.get_str("limits.cpu") {
            cores += cpu_count(v)?.unwrap_or(0) as f64;
        } else if let Some(v) = c.get_str("limits.cpu.allowance") {
            let text = py_str(v);
            if text.ends_with('%') {
                allowance += parse_i128(text.trim_end_matches('%')).unwrap_or(0) as f64;
            }
        }
        if let Some(v) = c.get_str("limits.memory") {
            mem = mem.saturating_add(parse_memory(v)?);
        }
    }
    let max_allowance = available_cpu / host.cpu as f64 * 100.0;
    let mut parts = Vec::new();
    if cores > available_cpu * 1.001 {
        parts.push(format!(
            "CPU: {cores:.0} cores > {available_cpu:.0} available"
        ));
    }
    if allowance > max_allowance * 1.001 {
        parts.push(format!(
            "CPU allowance: {allowance:.0}% > {max_allowance:.0}% available"
        ));
    }
    if mem > available_mem {
        parts.push(format!(
            "Memory: {} > {}",
            format_memory(mem),
            format_memory(available_mem)
        ));
    }
    if parts.is_empty() {
        return Ok(());
    }
    let msg = format!("Resource overcommit: {}", parts.join("; "));
    if !policy.overcommit {
        return Err(Error::new(format!(
            "{msg}. Set resource_policy.overcommit: true to allow."
        )));
    }
    notes.push(format!("WARNING: {msg}"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_decimals_round_half_to_even_like_python() {
        // Python: f"{x:.0f}" for 0.5, 1.5, 2.5, 3.5, 6.4
        let got: Vec<String> = [0.5, 1.5, 2.5, 3.5, 6.4]
            .iter()
            .map(|x| format!("{x:.0}"))
            .collect();
        assert_eq!(got, ["0", "2", "2", "4", "6"]);
    }

    #[test]
    fn cpu_counts_like_int() {
        assert_eq!(cpu_count(&Value::from(" 3 ")).unwrap(), Some(3));
        assert_eq!(cpu_count(&Value::from("0-3")).unwrap(), None);
        assert_eq!(cpu_count(&Value::Float(2.9)).unwrap(), Some(2));
        assert!(cpu_count(&Value::Float(f64::INFINITY)).is_err());
    }
}
