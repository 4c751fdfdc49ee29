//! Which folder is audited: `--project-dir`, or the nearest one above the
//! current directory that looks like a checkout.
//!
//! Upstream defaulted to the folder above its own `scripts/`; a binary has no
//! such anchor, so we walk up from the current directory instead and say on
//! stderr which folder we chose.

use std::path::{Path, PathBuf};

/// The folder to audit and how it is spelled in the report.
#[derive(Debug, Clone)]
pub struct Project {
    /// The path to read from (relative paths stay relative, as upstream).
    pub path: PathBuf,
    /// `str(Path(arg))`: the spelling the JSON report carries.
    pub display: String,
}

/// Resolve `--project-dir`, or discover the root. Errors are the one-line
/// message upstream printed after `ERROR: `.
pub fn resolve(arg: Option<&Path>) -> Result<Project, String> {
    match arg {
        Some(dir) => given(dir),
        None => discover(),
    }
}

fn given(dir: &Path) -> Result<Project, String> {
    let display = normalize(&dir.to_string_lossy());
    let path = PathBuf::from(&display);
    if !path.is_dir() {
        return Err(format!("Not a directory: {display}"));
    }
    Ok(Project { path, display })
}

fn discover() -> Result<Project, String> {
    let cwd = std::env::current_dir()
        .map_err(|e| format!("cannot read the current directory ({e}); pass --project-dir"))?;
    let (path, how) = match nearest_root(&cwd) {
        Some(root) => (root, "nearest folder holding scripts/ or .git"),
        None => (
            cwd.clone(),
            "no folder above holds scripts/ or .git; using the current directory",
        ),
    };
    let display = path.to_string_lossy().into_owned();
    crate::app::note(&format!("code-audit: auditing {display} ({how})"));
    Ok(Project { path, display })
}

/// The nearest of `start` and its ancestors holding a `scripts/` folder or a
/// `.git` entry (a file in worktrees and submodules, hence `exists`).
pub fn nearest_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join("scripts").is_dir() || dir.join(".git").exists())
        .map(Path::to_path_buf)
}

/// How `pathlib.PurePosixPath` spells a path: repeated slashes and `.`
/// components dropped, no trailing slash, `.` when nothing is left, and a
/// leading `//` (exactly two) kept, as POSIX allows it a meaning.
pub fn normalize(raw: &str) -> String {
    let root = if raw.starts_with("//") && !raw.starts_with("///") {
        "//"
    } else if raw.starts_with('/') {
        "/"
    } else {
        ""
    };
    let parts: Vec<&str> = raw
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let joined = format!("{root}{}", parts.join("/"));
    if joined.is_empty() {
        ".".to_owned()
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_pathlib() {
        for (raw, want) in [
            ("", "."),
            (".", "."),
            ("./", "."),
            ("foo/", "foo"),
            ("./foo//bar/./", "foo/bar"),
            ("a/../b", "a/../b"),
            ("/", "/"),
            ("//", "//"),
            ("///x", "/x"),
            ("//x/", "//x"),
        ] {
            assert_eq!(normalize(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn finds_nearest_root() {
        let t = tempfile::tempdir().unwrap();
        let deep = t.path().join("a/b/c");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::create_dir_all(t.path().join("a/scripts")).unwrap();
        assert_eq!(nearest_root(&deep), Some(t.path().join("a")));
        std::fs::write(t.path().join("a/b/.git"), "gitdir: x\n").unwrap();
        assert_eq!(nearest_root(&deep), Some(t.path().join("a/b")));
    }
}
