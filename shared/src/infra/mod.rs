//! The infra.yml model (anklume SPEC §5) and its loader.
//!
//! Two layers, because the tools need both:
//!
//! - [`load`] gives the document as a [`Value`](crate::yaml::Value) tree,
//!   exactly as upstream's `load_infra` (PyYAML `safe_load`, plus the merge
//!   of an `infra/` directory). The generator echoes parts of it unchanged,
//!   so nothing is normalised here.
//! - [`Infra::from_value`] (or [`Loaded::infra`]) gives typed, read-only
//!   views for code that wants fields rather than lookups. They check types
//!   and name the bad field; value checks belong to the generator's
//!   validation.
//!
//! [`de`] is the serde deserializer over `Value` that the views are built on.

pub mod de;
mod load;
pub mod model;

pub use load::{load, Loaded};
pub use model::{
    Addressing, AiSanitize, Domain, Global, HostReserve, Infra, Machine, NetworkPolicy,
    PersistentVolume, Ports, Profile, ResourcePolicy, SharedVolume, DEFAULT_TRUST_LEVEL,
};
