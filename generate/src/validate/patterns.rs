//! The few regular expressions the validator uses, with Python's `re`
//! semantics (`$` also matches before one final newline, `\s` is
//! `str.isspace()`).

use py::is_space;
use py::yaml::Value;

/// The text a `$` anchor sees: Python's `$` also matches just before a
/// single trailing newline.
fn before_final_newline(s: &str) -> &str {
    s.strip_suffix('\n').unwrap_or(s)
}

/// `re.match(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", name)`: the DNS-safe names
/// used for domains, machines and volumes. A name that is not a string is
/// not valid (upstream crashes on it).
pub fn is_dns_name(v: &Value) -> bool {
    let Some(s) = v.as_str() else { return false };
    let s = before_final_newline(s);
    let ok = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    match (s.chars().next(), s.chars().last()) {
        (Some(first), Some(last)) => ok(first) && ok(last) && s.chars().all(|c| ok(c) || c == '-'),
        _ => false,
    }
}

/// `re.match(r"^(\S+\s+){4}\S+$", text)`: five fields separated by
/// whitespace, nothing before the first or after the last.
pub fn is_cron5(s: &str) -> bool {
    let s = before_final_newline(s);
    let starts = s.chars().next().is_some_and(|c| !is_space(c));
    let ends = s.chars().last().is_some_and(|c| !is_space(c));
    starts && ends && s.split(is_space).filter(|t| !t.is_empty()).count() == 5
}

/// `re.match(r"^\d+[dhm]$", text)` with ASCII digits.
pub fn is_duration(s: &str) -> bool {
    let s = before_final_newline(s);
    match s.char_indices().last() {
        Some((i, unit)) if "dhm".contains(unit) => {
            i > 0 && s[..i].chars().all(|c| c.is_ascii_digit())
        }
        _ => false,
    }
}

#[cfg(test)]
#[path = "tests/patterns.rs"]
mod tests;
