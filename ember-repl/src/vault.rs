//! The vault directory (`VAULT_DIR`): where it is and whether it is usable.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VaultState {
    Ready,
    Missing,
    NotADirectory,
}

impl fmt::Display for VaultState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VaultState::Ready => "ready",
            VaultState::Missing => "missing",
            VaultState::NotADirectory => "not a directory",
        })
    }
}

/// Checks the vault path; cheap enough for the HUD's 2 s refresh.
pub fn state(path: &Path) -> VaultState {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => VaultState::Ready,
        Ok(_) => VaultState::NotADirectory,
        Err(_) => VaultState::Missing,
    }
}

/// The vault path made absolute (against the cwd) for display; not canonicalised,
/// so a missing vault is still shown as configured.
pub fn resolve(path: &Path) -> PathBuf {
    if path.is_absolute() {
        return path.to_path_buf();
    }
    std::env::current_dir().map_or_else(|_| path.to_path_buf(), |cwd| cwd.join(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_ready_missing_and_file() {
        let tmp = tempfile::tempdir().expect("tmp");
        assert_eq!(state(tmp.path()), VaultState::Ready);
        assert_eq!(state(&tmp.path().join("nope")), VaultState::Missing);
        let file = tmp.path().join("f");
        std::fs::write(&file, "x").expect("write");
        assert_eq!(state(&file).to_string(), "not a directory");
        assert!(resolve(Path::new("rel")).is_absolute());
    }
}
