//! Reading YAML text into a [`Value`] the way PyYAML's `safe_load` does.

use super::Value;
use std::fmt;

/// Why a YAML text could not be read, with the position when known.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for LoadError {}

/// Parse one YAML document; an empty text is `Value::Null`.
pub fn load_str(_src: &str) -> Result<Value, LoadError> {
    Err(LoadError { line: 0, column: 0, message: "not implemented yet".into() })
}
