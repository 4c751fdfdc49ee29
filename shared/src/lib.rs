//! Infrastructure shared by every anklume tool.
//!
//! The host side: this crate is the only place where external programs
//! (`incus`, `ip`, `ansible-inventory`, `systemctl`) are run and files are
//! written, so that every binary reports failures the same way. Python's and
//! PyYAML's rules are in the `py` crate, which this one does not depend on.
//!
//! - [`cli`]: command lines declared once (parser, usage text, completions,
//!   man pages).
//! - [`nesting`]: the `/etc/anklume` nesting context.
//! - [`cmd`]: running programs with argument vectors and timeouts.
//! - [`interrupt`]: children stopped with the tool (SIGINT, SIGTERM, SIGKILL).
//! - [`incus`]: instance → project resolution from one `incus list` call.
//! - `infra` (feature `infra`, generate's): infra.yml, or an `infra/` folder,
//!   read into one value tree with PyYAML's rules from `py`.
//! - [`lock`]: advisory locks on a folder (one writer at a time).
//! - [`names`]: snapshot names checked before any `incus` call.
//! - [`rng`]: a seeded generator for randomized tests and fixtures.
//! - [`write`]: the one way any tool writes a file (links, devices,
//!   permissions, interruption).
//! - [`error`] and [`out`]: the one error type (message and exit code) and
//!   the one output layer; `main` ends with [`out::finish`].
//!
//! `unsafe` is denied except in the three modules that call libc where std
//! and nix have no safe call: `interrupt` (signal handlers, pre-exec),
//! `lock` (flock) and `write::sys` (faccessat, xattrs, linkat of an
//! O_TMPFILE, kill 0).

#![deny(unsafe_code)]

pub mod cli;
pub mod cmd;
pub mod error;
pub mod incus;
#[cfg(feature = "infra")]
pub mod infra;
#[allow(unsafe_code)]
pub mod interrupt;
#[allow(unsafe_code)]
pub mod lock;
pub mod names;
pub mod nesting;
pub mod out;
pub mod rng;
pub mod write;

pub use error::{Error, Result};
