//! Host facts for resource allocation, the host reserve, and Incus memory strings
//! (upstream `_detect_host_resources`, `_parse_memory_value`,
//! `_format_memory`).
//!
//! Detection asks `incus info --resources --format json` first, then reads
//! /proc. Tests need fixed facts: `ANKLUME_HOST_RESOURCES` (read in `main`,
//! see [`Resources`]) overrides detection with JSON `{"cpu": 8, "memory": 17179869184}` (bytes), or with
//! `none` to behave as if detection failed.

use py::yaml::{Map, Value};
use shared::cmd::Cmd;
use shared::Error;
use std::time::Duration;

use crate::pyops::trunc;
use py::{parse_float, parse_i128, py_str, strip};

/// What the host offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostFacts {
    pub cpu: i128,
    pub memory_bytes: i128,
}

/// The environment variable that replaces detection (tests).
pub const OVERRIDE_VAR: &str = "ANKLUME_HOST_RESOURCES";

/// Where the host's CPU count and memory come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resources {
    /// Asked of `incus info`, else read from /proc, when a run needs them.
    Detect,
    /// Fixed in advance; None behaves as if detection failed.
    Given(Option<HostFacts>),
}

impl Resources {
    /// From the value of [`OVERRIDE_VAR`]: detection when unset, else its
    /// JSON (anything unreadable, such as `none`, gives no facts).
    pub fn from_override(var: Option<&std::ffi::OsStr>) -> Resources {
        match var {
            None => Resources::Detect,
            Some(text) => Resources::Given(from_override(&text.to_string_lossy())),
        }
    }

    /// The host's CPU count and memory, or None when nothing could tell.
    pub fn facts(&self) -> Option<HostFacts> {
        match self {
            Resources::Detect => from_incus().or_else(from_proc),
            Resources::Given(facts) => *facts,
        }
    }
}

fn from_override(text: &str) -> Option<HostFacts> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let cpu = v.get("cpu")?.as_i64()?;
    let memory = v.get("memory")?.as_i64()?;
    (cpu > 0 && memory > 0).then_some(HostFacts {
        cpu: cpu.into(),
        memory_bytes: memory.into(),
    })
}

fn from_incus() -> Option<HostFacts> {
    let out = Cmd::new("incus")
        .args(["info", "--resources", "--format", "json"])
        .timeout(Duration::from_secs(10))
        .output()
        .ok()?;
    if !out.success() {
        return None;
    }
    let data: serde_json::Value = serde_json::from_str(&out.stdout).ok()?;
    let total = |section: &str| {
        data.get(section)
            .and_then(|s| s.get("total"))
            .and_then(|t| t.as_i64())
    };
    let (cpu, memory) = (total("cpu")?, total("memory")?);
    (cpu > 0 && memory > 0).then_some(HostFacts {
        cpu: cpu.into(),
        memory_bytes: memory.into(),
    })
}

fn from_proc() -> Option<HostFacts> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    let cpu = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count() as i128;
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib = parse_i128(line.split_whitespace().nth(1)?)?;
    let memory_bytes = kib.saturating_mul(1024);
    (cpu > 0 && memory_bytes > 0).then_some(HostFacts { cpu, memory_bytes })
}

/// Suffixes in the order upstream tries them.
const SUFFIXES: [(&str, i128); 5] = [
    ("GiB", 1 << 30),
    ("MiB", 1 << 20),
    ("KiB", 1 << 10),
    ("GB", 1_000_000_000),
    ("MB", 1_000_000),
];

/// Bytes in an Incus memory value (`2GiB`, `512MiB`, `1073741824`); 0 when
/// it cannot be read. Err where upstream crashes (`infGiB`).
pub fn parse_memory(value: &Value) -> Result<i128, Error> {
    let text = py_str(value);
    let text = strip(&text);
    for (suffix, mult) in SUFFIXES {
        if let Some(number) = text.strip_suffix(suffix) {
            let Some(f) = parse_float(number) else {
                return Ok(0);
            };
            return Ok(trunc(f * mult as f64)
                .map_err(|_| Error::new(format!("memory value '{text}' is too large")))?
                .unwrap_or(0));
        }
    }
    Ok(parse_i128(text).unwrap_or(0))
}

/// Bytes as an Incus memory string: whole GiB, else whole MiB, else bytes.
pub fn format_memory(bytes: i128) -> String {
    let gib = bytes as f64 / (1u64 << 30) as f64;
    if gib >= 1.0 && gib.trunc() == gib {
        return format!("{}GiB", gib as i128);
    }
    let mib = bytes as f64 / (1u64 << 20) as f64;
    if mib >= 1.0 {
        return format!("{}MiB", mib.trunc() as i128);
    }
    bytes.to_string()
}

/// `"N%"` of the host, or a number of cores.
pub fn reserve_cpu(reserve: &Map, host: HostFacts) -> Result<f64, Error> {
    let value = reserve
        .get_str("cpu")
        .cloned()
        .unwrap_or_else(|| Value::from("20%"));
    if let Some(pct) = percent(&value)? {
        return Ok(host.cpu.saturating_mul(pct) as f64 / 100.0);
    }
    match &value {
        Value::Int(i) => Ok(*i as f64),
        Value::Bool(b) => Ok(f64::from(u8::from(*b))),
        Value::Float(f) => Ok(*f),
        Value::Str(s) => parse_float(s).ok_or_else(|| {
            Error::new(format!(
                "resource_policy.host_reserve.cpu: invalid value '{s}'"
            ))
        }),
        other => Err(Error::new(format!(
            "resource_policy.host_reserve.cpu must be 'N%' or a number, got {}",
            other.kind()
        ))),
    }
}

/// `"N%"` of the host memory, a memory string, or bytes.
pub fn reserve_mem(reserve: &Map, host: HostFacts) -> Result<i128, Error> {
    let value = reserve
        .get_str("memory")
        .cloned()
        .unwrap_or_else(|| Value::from("20%"));
    if let Some(pct) = percent(&value)? {
        let bytes = host.memory_bytes.saturating_mul(pct) as f64 / 100.0;
        return trunc(bytes)?.ok_or_else(|| Error::new("host memory reserve is not a number"));
    }
    match &value {
        Value::Str(_) => parse_memory(&value),
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(i128::from(*b)),
        Value::Float(f) => {
            trunc(*f)?.ok_or_else(|| Error::new("resource_policy.host_reserve.memory is NaN"))
        }
        other => Err(Error::new(format!(
            "resource_policy.host_reserve.memory must be 'N%' or a size, got {}",
            other.kind()
        ))),
    }
}

/// The N of a `"N%"` string (`int(val.rstrip("%"))`), None for other values.
fn percent(value: &Value) -> Result<Option<i128>, Error> {
    match value.as_str() {
        Some(s) if s.ends_with('%') => {
            parse_i128(s.trim_end_matches('%'))
                .map(Some)
                .ok_or_else(|| {
                    Error::new(format!(
                        "resource_policy.host_reserve: invalid format '{s}'"
                    ))
                })
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_strings() {
        let p = |s: &str| parse_memory(&Value::from(s)).unwrap();
        assert_eq!(p("2GiB"), 2 << 30);
        assert_eq!(p("1.5GiB"), 3 << 29);
        assert_eq!(p("512MiB"), 512 << 20);
        assert_eq!(p("2GB"), 2_000_000_000);
        assert_eq!(p(" 1024 "), 1024);
        assert_eq!(p("lots"), 0);
        assert_eq!(p("nanGiB"), 0);
        assert!(parse_memory(&Value::from("infGiB")).is_err());
        assert_eq!(parse_memory(&Value::Int(4096)).unwrap(), 4096);
        assert_eq!(format_memory(2 << 30), "2GiB");
        assert_eq!(format_memory(3 << 29), "1536MiB");
        assert_eq!(format_memory(1000), "1000");
        assert_eq!(format_memory((1 << 20) + 5), "1MiB");
    }

    #[test]
    fn override_parses() {
        assert_eq!(
            from_override(r#"{"cpu": 8, "memory": 17179869184}"#),
            Some(HostFacts {
                cpu: 8,
                memory_bytes: 17179869184
            })
        );
        assert_eq!(from_override("none"), None);
        assert_eq!(Resources::from_override(None), Resources::Detect);
        assert_eq!(
            Resources::from_override(Some("none".as_ref())),
            Resources::Given(None)
        );
    }

    #[test]
    fn reserves() {
        let host = HostFacts {
            cpu: 8,
            memory_bytes: 16 << 30,
        };
        let mut r = Map::new();
        assert_eq!(reserve_cpu(&r, host).unwrap(), 1.6);
        assert_eq!(reserve_mem(&r, host).unwrap(), 3435973836);
        r.insert("cpu", 2i64);
        r.insert("memory", "1GiB");
        assert_eq!(reserve_cpu(&r, host).unwrap(), 2.0);
        assert_eq!(reserve_mem(&r, host).unwrap(), 1 << 30);
        r.insert("cpu", Value::Null);
        assert!(reserve_cpu(&r, host).is_err());
    }
}
