//! Helpers for the end-to-end tests: locating the built binaries and the
//! real-Incus test rig.

pub mod rig;
