//! The infra.yml model (anklume SPEC §5) and its loader.
