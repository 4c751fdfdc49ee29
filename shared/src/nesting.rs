//! The nesting context: files in `/etc/anklume` that tell an anklume
//! instance how deep it runs (`absolute_level`, `relative_level`), whether it
//! is inside a VM (`vm_nested`) and whether safety checks are relaxed (`yolo`).
//!
//! `ANKLUME_CONTEXT_DIR` points elsewhere so tests need no root; the
//! binary reads it in `main` and hands its value to [`context_dir`].

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The environment variable that moves the context folder (tests).
pub const CONTEXT_DIR_VAR: &str = "ANKLUME_CONTEXT_DIR";

/// Where the context files live, given the value of [`CONTEXT_DIR_VAR`]
/// (unset or empty: `/etc/anklume`).
pub fn context_dir(var: Option<OsString>) -> PathBuf {
    var.filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from("/etc/anklume"), PathBuf::from)
}

/// What the context files say; absent files mean "physical host".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Nesting {
    pub absolute_level: Option<i64>,
    pub relative_level: Option<i64>,
    /// None when the file does not exist.
    pub vm_nested: Option<bool>,
    pub yolo: bool,
}

impl Nesting {
    /// Read the context files in `dir` (see [`context_dir`]).
    pub fn read(dir: &Path) -> Nesting {
        let text = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
        let is_true = |s: String| s.trim().to_lowercase() == "true";
        Nesting {
            absolute_level: text("absolute_level").and_then(|s| python_int(&s)),
            relative_level: text("relative_level").and_then(|s| python_int(&s)),
            vm_nested: text("vm_nested").map(is_true),
            yolo: text("yolo").is_some_and(is_true),
        }
    }

    /// The instance-name prefix (`"001-"`), empty on a physical host.
    pub fn prefix(&self) -> String {
        match self.absolute_level {
            Some(level) => format!("{level:03}-"),
            None => String::new(),
        }
    }
}

/// `int(text.strip())` as Python reads it: sign, digits, single underscores
/// between digits. Anything else is None (upstream treats it as absent).
pub fn python_int(text: &str) -> Option<i64> {
    let t = text.trim();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let valid = !digits.is_empty()
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__")
        && digits.chars().all(|c| c.is_ascii_digit() || c == '_');
    if !valid {
        return None;
    }
    let n: i64 = digits.replace('_', "").parse().ok()?;
    Some(if neg { -n } else { n })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_int_rules() {
        assert_eq!(python_int(" 3\n"), Some(3));
        assert_eq!(python_int("+7"), Some(7));
        assert_eq!(python_int("-1"), Some(-1));
        assert_eq!(python_int("1_0"), Some(10));
        assert_eq!(python_int("1__0"), None);
        assert_eq!(python_int("x"), None);
        assert_eq!(python_int(""), None);
    }

    #[test]
    fn context_dir_default_and_override() {
        assert_eq!(context_dir(None), PathBuf::from("/etc/anklume"));
        assert_eq!(context_dir(Some("".into())), PathBuf::from("/etc/anklume"));
        assert_eq!(context_dir(Some("/x".into())), PathBuf::from("/x"));
    }

    #[test]
    fn prefix_formats_three_digits() {
        let n = Nesting {
            absolute_level: Some(1),
            ..Default::default()
        };
        assert_eq!(n.prefix(), "001-");
        assert_eq!(Nesting::default().prefix(), "");
        let neg = Nesting {
            absolute_level: Some(-1),
            ..Default::default()
        };
        assert_eq!(neg.prefix(), "-01-");
    }
}
