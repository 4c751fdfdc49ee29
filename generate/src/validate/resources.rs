//! `global.resource_policy`: allocation mode, CPU mode, memory enforcement,
//! overcommit flag and host reserve.

use super::{get_or, Ctx};
use py::yaml::Value;
use py::{parse_float, parse_int, py_str, strip};

/// Upstream's `_parse_memory_value`: an Incus memory size (`2GiB`, `512MiB`,
/// `1.5GB`, a plain byte count) in bytes, 0 when unreadable. A size that
/// overflows to infinity (`1e400GiB`, `infGiB`) is also 0 (upstream crashes).
pub fn parse_memory_value(value: &Value) -> i128 {
    let text = py_str(value);
    let text = strip(&text);
    let suffixes: [(&str, f64); 5] = [
        ("GiB", 1024f64 * 1024.0 * 1024.0),
        ("MiB", 1024f64 * 1024.0),
        ("KiB", 1024.0),
        ("GB", 1e9),
        ("MB", 1e6),
    ];
    for (suffix, mult) in suffixes {
        if let Some(number) = text.strip_suffix(suffix) {
            return match parse_float(number).map(|f| f * mult) {
                Some(bytes) if bytes.is_finite() => bytes.trunc() as i128,
                _ => 0,
            };
        }
    }
    parse_int(text).map_or(0, |n| n.saturating())
}

/// The resource_policy checks (skipped when absent or `true`).
pub fn check(ctx: &mut Ctx) {
    let policy = match ctx.g.get_str("resource_policy") {
        None | Some(Value::Null) | Some(Value::Bool(true)) => return,
        Some(Value::Map(p)) => p,
        Some(_) => {
            ctx.err("global.resource_policy must be a mapping or true".into());
            return;
        }
    };
    let choices: [(&str, &str, [&str; 2]); 3] = [
        ("mode", "proportional", ["proportional", "equal"]),
        ("cpu_mode", "allowance", ["allowance", "count"]),
        ("memory_enforce", "soft", ["soft", "hard"]),
    ];
    for (key, default, allowed) in choices {
        let default = Value::from(default);
        let v = get_or(policy, key, &default);
        if !matches!(v.as_str(), Some(s) if allowed.contains(&s)) {
            ctx.err(format!(
                "resource_policy.{key} must be '{}' or '{}', got '{}'",
                allowed[0],
                allowed[1],
                py_str(v)
            ));
        }
    }
    let default_overcommit = Value::Bool(false);
    if get_or(policy, "overcommit", &default_overcommit)
        .as_bool()
        .is_none()
    {
        ctx.err("resource_policy.overcommit must be a boolean".into());
    }
    match policy.get_str("host_reserve") {
        None | Some(Value::Null) => {}
        Some(Value::Map(reserve)) => {
            for field in ["cpu", "memory"] {
                if let Some(v) = reserve.get_str(field).filter(|v| !v.is_null()) {
                    check_reserve(ctx, field, v);
                }
            }
        }
        Some(_) => ctx.err("resource_policy.host_reserve must be a mapping".into()),
    }
}

/// One host_reserve value: `"N%"` (1-99), a positive number, or (memory
/// only) a positive size such as `"4GiB"`.
fn check_reserve(ctx: &mut Ctx, field: &str, val: &Value) {
    let at = format!("resource_policy.host_reserve.{field}");
    match val {
        Value::Str(s) if s.ends_with('%') => match parse_int(s.trim_end_matches('%')) {
            Some(pct) => {
                let n = pct.saturating();
                if !(1..=99).contains(&n) {
                    ctx.err(format!("{at}: percentage must be 1-99, got {pct}"));
                }
            }
            None => ctx.err(format!("{at}: invalid format '{s}'")),
        },
        // isinstance(val, (int, float)): booleans count, False is not positive.
        Value::Int(_) | Value::Bool(_) | Value::Float(_) => {
            let positive = match val {
                Value::Float(f) => *f > 0.0 || f.is_nan(),
                v => v.as_int().is_some_and(|n| n > 0),
            };
            if !positive {
                ctx.err(format!("{at}: must be positive, got {}", py_str(val)));
            }
        }
        Value::Str(s) if field == "memory" => {
            if parse_memory_value(val) <= 0 {
                ctx.err(format!("{at}: invalid value '{s}'"));
            }
        }
        other => ctx.err(format!(
            "{at}: must be 'N%' or a positive number, got '{}'",
            py_str(other)
        )),
    }
}
