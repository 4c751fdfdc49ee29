//! Upstream's message format: `  text` and `  OK text` on stdout,
//! `  WARNING: text` and `  ERROR: text` on stderr.
//!
//! Writes ignore errors on purpose: `snapshot-apply list | head -1` must not
//! panic on a closed pipe (Rust ignores SIGPIPE, so `println!` would).

use std::fmt::Display;
use std::io::Write;

pub fn info(msg: impl Display) {
    let _ = writeln!(std::io::stdout().lock(), "  {msg}");
}

pub fn ok(msg: impl Display) {
    let _ = writeln!(std::io::stdout().lock(), "  OK {msg}");
}

/// A line on stdout as is (usage text, `list` rows).
pub fn raw(msg: impl Display) {
    let _ = write!(std::io::stdout().lock(), "{msg}");
}

pub fn warn(msg: impl Display) {
    let _ = writeln!(std::io::stderr().lock(), "  WARNING: {msg}");
}

pub fn error(msg: impl Display) {
    let _ = writeln!(std::io::stderr().lock(), "  ERROR: {msg}");
}

/// Something the user should know that is not a problem (a fallback taken).
pub fn note(msg: impl Display) {
    let _ = writeln!(std::io::stderr().lock(), "  NOTE: {msg}");
}

/// Upstream's pointer after a failed rollback.
pub fn rollback_list_hint() {
    let _ = writeln!(
        std::io::stderr().lock(),
        "  Run 'make rollback-list' to see available snapshots."
    );
}
