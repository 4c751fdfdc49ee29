//! Helpers of the fast-path tests: one text through both loaders.

use py::yaml::{fast, load_str, load_str_slow, LoadError, Value};
use std::io::Write as _;

/// One text through both paths. Returns whether the fast path accepted it.
pub fn check(src: &str) -> bool {
    let via_load_str = normal(&load_str(src));
    assert_eq!(
        via_load_str,
        normal(&load_str_slow(src)),
        "load_str and the full loader differ on {src:?}"
    );
    let Some(value) = fast::load(src) else {
        return false;
    };
    let fast = format!("{value:?}");
    let slow = match load_str_slow(src) {
        Ok(slow) => format!("{slow:?}"),
        Err(e) => panic!("fast path accepted a text the full loader refuses ({e}): {src:?}"),
    };
    assert_eq!(
        fast, slow,
        "fast path differs from the full loader on {src:?}"
    );
    true
}

/// A result's `Debug` text with nonzero container ids blanked: ids of
/// shared containers are fresh on every load.
pub fn normal(result: &Result<Value, LoadError>) -> String {
    let text = format!("{result:?}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("id: ") {
        out.push_str(&rest[..at + 4]);
        rest = &rest[at + 4..];
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        out.push_str(if &rest[..digits] == "0" { "0" } else { "#" });
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// Straight to the terminal: the harness captures output of passing tests.
pub fn loud(message: &str) {
    let _ = writeln!(std::io::stderr(), "{message}");
}
