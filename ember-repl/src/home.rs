//! Finding Ember's home: the directory holding its docs and prompt templates.
//!
//! Order, first match wins:
//! 1. `EMBER_REPO_DIR`, when set (used even if it lacks the files, so a typo
//!    shows up as "0 docs" rather than silently picking another tree);
//! 2. the binary's directory and its ancestors (an installed
//!    `/opt/ember/bin/ember-repl` finds `/opt/ember`);
//! 3. the current directory and its ancestors (running from a checkout).
//!
//! A directory counts as a home when it holds `AGENTS.md`, `docs/ROADMAP.md`
//! or `prompts/planner.prompt`. Without a home Ember still runs: no docs in
//! context and the built-in prompt templates.

use std::path::{Path, PathBuf};

/// The home that was found and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Home {
    pub dir: Option<PathBuf>,
    pub how: &'static str,
}

const MARKERS: [&str; 3] = ["AGENTS.md", "docs/ROADMAP.md", "prompts/planner.prompt"];

pub fn is_home(dir: &Path) -> bool {
    MARKERS.iter().any(|m| dir.join(m).is_file())
}

/// Resolves the home from the setting, the binary path and the working directory.
pub fn find(repo_dir: Option<&Path>, exe: Option<&Path>, cwd: Option<&Path>) -> Home {
    if let Some(dir) = repo_dir {
        return Home {
            dir: Some(dir.to_path_buf()),
            how: "EMBER_REPO_DIR",
        };
    }
    if let Some(dir) = exe.and_then(Path::parent).and_then(search_up) {
        return Home {
            dir: Some(dir),
            how: "next to the binary",
        };
    }
    if let Some(dir) = cwd.and_then(search_up) {
        return Home {
            dir: Some(dir),
            how: "current directory",
        };
    }
    Home {
        dir: None,
        how: "not found",
    }
}

/// The process's own view: `current_exe` (symlinks resolved) and the cwd.
pub fn find_for_process(repo_dir: Option<&Path>) -> Home {
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok());
    let cwd = std::env::current_dir().ok();
    find(repo_dir, exe.as_deref(), cwd.as_deref())
}

fn search_up(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|d| is_home(d))
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_setting_then_binary_then_cwd() {
        let tmp = tempfile::tempdir().expect("tmp");
        let install = tmp.path().join("opt/ember");
        std::fs::create_dir_all(install.join("bin")).expect("mkdir");
        std::fs::write(install.join("AGENTS.md"), "agents").expect("write");
        let checkout = tmp.path().join("src/ember");
        std::fs::create_dir_all(checkout.join("prompts")).expect("mkdir");
        std::fs::write(checkout.join("prompts/planner.prompt"), "p").expect("write");
        let exe = install.join("bin/ember-repl");
        let nowhere = tmp.path().join("empty");

        let h = find(Some(&nowhere), Some(&exe), Some(&checkout));
        assert_eq!(
            (h.dir.as_deref(), h.how),
            (Some(nowhere.as_path()), "EMBER_REPO_DIR")
        );
        let h = find(None, Some(&exe), Some(&checkout));
        assert_eq!(
            (h.dir.as_deref(), h.how),
            (Some(install.as_path()), "next to the binary")
        );
        let h = find(
            None,
            Some(&nowhere.join("x")),
            Some(&checkout.join("prompts")),
        );
        assert_eq!(
            (h.dir.as_deref(), h.how),
            (Some(checkout.as_path()), "current directory")
        );
        let h = find(None, None, Some(&nowhere));
        assert_eq!(
            h,
            Home {
                dir: None,
                how: "not found"
            }
        );
    }
}
