//! Infrastructure shared by every anklume tool.
//!
//! This crate is the only place where infra.yml is read and where external
//! programs (`incus`, `ip`, `ansible-inventory`, `systemctl`) are run, so
//! that every binary reads the same values and reports failures the same way.
//!
//! - [`yaml`]: YAML read and written the way PyYAML does (YAML 1.1 scalars).
//! - [`infra`]: the infra.yml model and its loader (file or `infra/` folder).
//! - [`cli`]: command lines declared once (parser, usage text, completions,
//!   man pages).
//! - [`nesting`]: the `/etc/anklume` nesting context.
//! - [`cmd`]: running programs with argument vectors and timeouts.
//! - [`interrupt`]: children stopped with the tool (SIGINT, SIGTERM, SIGKILL).
//! - [`incus`]: instance → project resolution from one `incus list` call.
//! - [`lock`]: advisory locks on a folder (one writer at a time).
//! - [`names`]: snapshot names checked before any `incus` call.
//! - [`py`]: Python's own text rules (`repr(float)`).
//! - [`oracle`]: the pinned Python oracles the tests compare against.
//! - [`write`]: the one way any tool writes a file (links, devices,
//!   permissions, interruption).

pub mod cli;
pub mod cmd;
pub mod error;
pub mod incus;
pub mod infra;
pub mod interrupt;
pub mod lock;
pub mod names;
pub mod nesting;
pub mod oracle;
pub mod py;
pub mod rng;
pub mod write;
pub mod yaml;

pub use error::{Error, Result};
