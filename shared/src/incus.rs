//! incus
