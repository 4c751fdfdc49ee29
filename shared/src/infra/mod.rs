//! infra.yml loading (anklume SPEC §5): the document as a
//! [`Value`](crate::yaml::Value) tree, exactly as upstream's `load_infra`
//! gives it (PyYAML `safe_load`, plus the merge of an `infra/` directory).
//! The generator echoes parts of it unchanged, so nothing is normalised here.

mod load;

pub use load::{load, Loaded};
