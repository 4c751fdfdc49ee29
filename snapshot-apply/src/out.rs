//! Upstream's message format: `  text` and `  OK text` on stdout,
//! `  WARNING: text` and `  ERROR: text` on stderr, through the shared
//! output layer (`shared::out`: a closed pipe ends the tool quietly, any
//! other write error is reported by `main`).

use shared::{eoutln, outln};
use std::fmt::Display;

/// The prefix of the tool's error lines (`main` hands it to
/// `shared::out::finish_as`).
pub const ERROR: &str = "  ERROR: ";

pub fn info(msg: impl Display) {
    outln!("  {msg}");
}

pub fn ok(msg: impl Display) {
    outln!("  OK {msg}");
}

/// Text on stdout as is (usage text).
pub fn raw(msg: impl Display) {
    shared::out!("{msg}");
}

pub fn warn(msg: impl Display) {
    eoutln!("  WARNING: {msg}");
}

pub fn error(msg: impl Display) {
    eoutln!("{ERROR}{msg}");
}

/// Something the user should know that is not a problem (a fallback taken).
pub fn note(msg: impl Display) {
    eoutln!("  NOTE: {msg}");
}

/// Upstream's pointer after a failed rollback.
pub fn rollback_list_hint() {
    eoutln!("  Run 'make rollback-list' to see available snapshots.");
}
