//! Helpers for the end-to-end tests: an anklume-shaped checkout and our
//! binaries for the adopt tests, the real-Incus test rig, and the tmux
//! harness of Ember's glue tests.

pub mod checkout;
pub mod glue;
pub mod rig;
