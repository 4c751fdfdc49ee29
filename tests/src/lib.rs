//! Helpers for the end-to-end tests: locating the built binaries, the
//! real-Incus test rig, and the tmux harness of Ember's glue tests.

pub mod glue;
pub mod rig;
