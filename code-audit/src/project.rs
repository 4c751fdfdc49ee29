//! Which folder is audited: `--project-dir`; else the checkout this binary
//! was adopted into (`scripts/adopt.sh` puts it in `CHECKOUT/.anklume-rs/bin`,
//! the anchor upstream had in its own `scripts/`); else the nearest folder
//! above the current directory that looks like a checkout. The last two are
//! announced on stderr.
//!
//! A folder found by searching upward may belong to anyone who could write
//! a parent (a checkout under `/tmp`), so its `scripts/code-analysis.sh` is
//! not run: only a folder the user named, or the checkout we were adopted
//! into, is trusted with that.

use crate::escape;
use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// The folder to audit and how it is spelled in the report.
#[derive(Debug, Clone)]
pub struct Project {
    /// The path to read from (relative paths stay relative, as upstream).
    pub path: PathBuf,
    /// `str(Path(arg))`: the spelling the JSON report carries (bytes that
    /// are not UTF-8 shown as U+FFFD).
    pub display: String,
    /// Named by the user: its own `code-analysis.sh` may be run.
    pub named: bool,
}

/// Resolve `--project-dir`, or discover the root. Errors are the one-line
/// message upstream printed after `ERROR: `.
pub fn resolve(arg: Option<&Path>) -> shared::Result<Project> {
    match arg {
        Some(dir) => given(dir),
        None => match std::env::current_exe().ok().and_then(|e| adopted_into(&e)) {
            Some(checkout) => Ok(adopted(checkout)),
            None => discover(),
        },
    }
}

/// The folder adopted-by `scripts/adopt.sh` holds our binaries in.
pub const ADOPTED_DIR: &str = ".anklume-rs";

/// The checkout holding `exe` as `CHECKOUT/.anklume-rs/bin/NAME` (links
/// resolved), if it does.
pub fn adopted_into(exe: &Path) -> Option<PathBuf> {
    let exe = exe.canonicalize().ok()?;
    let bin = exe.parent()?;
    let hidden = bin.parent()?;
    let checkout = hidden.parent()?;
    (bin.file_name()? == "bin" && hidden.file_name()? == ADOPTED_DIR && checkout.is_dir())
        .then(|| checkout.to_path_buf())
}

fn adopted(path: PathBuf) -> Project {
    let display = path.to_string_lossy().into_owned();
    crate::app::note(&format!(
        "code-audit: auditing {} (the checkout this code-audit was adopted into)",
        escape::name(&display)
    ));
    Project {
        path,
        display,
        named: true,
    }
}

fn given(dir: &Path) -> shared::Result<Project> {
    let path = PathBuf::from(OsString::from_vec(normalize_bytes(
        dir.as_os_str().as_bytes(),
    )));
    let display = path.to_string_lossy().into_owned();
    if !path.is_dir() {
        return Err(shared::err!("Not a directory: {}", escape::name(&display)));
    }
    Ok(Project {
        path,
        display,
        named: true,
    })
}

fn discover() -> shared::Result<Project> {
    let cwd = std::env::current_dir()
        .map_err(|e| shared::err!("cannot read the current directory ({e}); pass --project-dir"))?;
    let (path, how) = match nearest_root(&cwd) {
        Some(root) => (root, "nearest folder holding scripts/ or .git"),
        None => (
            cwd.clone(),
            "no folder above holds scripts/ or .git; using the current directory",
        ),
    };
    let display = path.to_string_lossy().into_owned();
    crate::app::note(&format!(
        "code-audit: auditing {} ({how})",
        escape::name(&display)
    ));
    Ok(Project {
        path,
        display,
        named: false,
    })
}

/// The nearest of `start` and its ancestors holding a `scripts/` folder or a
/// `.git` entry (a file in worktrees and submodules, hence `exists`).
pub fn nearest_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join("scripts").is_dir() || dir.join(".git").exists())
        .map(Path::to_path_buf)
}

/// [`normalize_bytes`] on a `&str`, for tests.
#[cfg(test)]
pub fn normalize(raw: &str) -> String {
    String::from_utf8_lossy(&normalize_bytes(raw.as_bytes())).into_owned()
}

/// How `pathlib.PurePosixPath` spells a path: repeated slashes and `.`
/// components dropped, no trailing slash, `.` when nothing is left, and a
/// leading `//` (exactly two) kept, as POSIX allows it a meaning. Bytes, so
/// a name that is not UTF-8 stays the name it was.
pub fn normalize_bytes(raw: &[u8]) -> Vec<u8> {
    let root: &[u8] = if raw.starts_with(b"//") && !raw.starts_with(b"///") {
        b"//"
    } else if raw.starts_with(b"/") {
        b"/"
    } else {
        b""
    };
    let parts: Vec<&[u8]> = raw
        .split(|&b| b == b'/')
        .filter(|p| !p.is_empty() && *p != b".")
        .collect();
    let mut joined = root.to_vec();
    joined.extend_from_slice(&parts.join(&b'/'));
    if joined.is_empty() {
        b".".to_vec()
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
    fn knows_the_checkout_it_was_adopted_into() {
        let t = tempfile::tempdir().unwrap();
        let bin = t.path().join("checkout/.anklume-rs/bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("code-audit"), "").unwrap();
        let checkout = t.path().join("checkout").canonicalize().unwrap();
        assert_eq!(adopted_into(&bin.join("code-audit")), Some(checkout));
        std::os::unix::fs::symlink(bin.join("code-audit"), t.path().join("linked")).unwrap();
        assert!(adopted_into(&t.path().join("linked")).is_some());
        std::fs::create_dir_all(t.path().join("other/bin")).unwrap();
        std::fs::write(t.path().join("other/bin/code-audit"), "").unwrap();
        assert_eq!(adopted_into(&t.path().join("other/bin/code-audit")), None);
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
