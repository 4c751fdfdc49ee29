//! Managed sections: the generator owns the text between
//! `# === MANAGED BY infra.yml ===` and `# === END MANAGED ===`; everything
//! else in the file belongs to the user (upstream `_write_managed`).
//!
//! - a file with markers gets its first managed block replaced;
//! - a file without markers gets the block prepended (after a `---` line
//!   unless the file already starts with `---`);
//! - a new file is `---`, the block, and a "custom variables" comment.
//!
//! Upstream reads files in Python's text mode, which turns `\r\n` and `\r`
//! into `\n`; we do the same so the result is byte-identical. Unlike
//! upstream (re.sub), the block is inserted literally: backslashes in values
//! survive a re-run. Writes are atomic and skipped when nothing changed.

use shared::fsutil::write_if_changed;
use shared::Error;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub const BEGIN: &str = "# === MANAGED BY infra.yml ===";
pub const END: &str = "# === END MANAGED ===";
const NOTICE: &str = "# Do not edit this section — it will be overwritten by `make sync`";

/// The managed block around the YAML text of its content.
pub fn block(yaml: &str) -> String {
    let body = yaml.trim_end_matches(crate::py::is_space);
    format!("{BEGIN}\n{NOTICE}\n{body}\n{END}")
}

/// Where the first managed block is: `BEGIN`, then the nearest `END`.
pub fn find_block(text: &str) -> Option<(usize, usize)> {
    let start = text.find(BEGIN)?;
    let end = text[start + BEGIN.len()..].find(END)? + start + BEGIN.len() + END.len();
    Some((start, end))
}

/// The new file text, given the current text (None: no file yet).
pub fn merge(existing: Option<&str>, block: &str) -> String {
    match existing {
        None => format!("---\n{block}\n\n# Your custom variables below:\n"),
        Some(text) => match find_block(text) {
            Some((start, end)) => format!("{}{block}{}", &text[..start], &text[end..]),
            None => {
                let prefix = if text.starts_with("---") { "" } else { "---\n" };
                format!("{prefix}{block}\n\n{text}")
            }
        },
    }
}

/// Python's universal newlines: `\r\n` and lone `\r` read as `\n`.
pub fn universal_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// The file's current text as upstream reads it, None when it does not
/// exist (a dangling symlink counts as absent, as `Path.exists()` says).
pub fn read_existing(path: &Path, shown: &str) -> Result<Option<String>, Error> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        // `Path.exists()` is also False when a parent is a file (ENOTDIR)
        // or a symlink loops; upstream then treats the file as new.
        Err(e) if e.kind() != io::ErrorKind::PermissionDenied && !path.exists() => return Ok(None),
        Err(e) => return Err(Error::new(format!("cannot read {shown}: {e}"))),
    };
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::new(format!("cannot read {shown}: it is not UTF-8 text")))?;
    Ok(Some(universal_newlines(&text)))
}

/// Write `content` to `path` atomically unless it already holds exactly
/// that. A symlink is followed (its target is rewritten, as Python's
/// `write_text` does), and a rewritten file keeps its owner when we can.
pub fn write(path: &Path, content: &str, shown: &str) -> Result<bool, Error> {
    let target = follow_symlinks(path);
    let owner = owner_of(&target);
    let wrote = write_if_changed(&target, content.as_bytes())
        .map_err(|e| Error::new(format!("cannot write {shown}: {e}")))?;
    if wrote {
        restore_owner(&target, owner);
    }
    Ok(wrote)
}

fn follow_symlinks(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match fs::read_link(&p) {
            Ok(link) => {
                p = match p.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                }
            }
            Err(_) => break,
        }
    }
    p
}

#[cfg(unix)]
fn owner_of(path: &Path) -> Option<(u32, u32)> {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).ok().map(|m| (m.uid(), m.gid()))
}

#[cfg(unix)]
fn restore_owner(path: &Path, owner: Option<(u32, u32)>) {
    let Some((uid, gid)) = owner else { return };
    if owner_of(path) != Some((uid, gid)) {
        // Only root can give a file away; for anyone else this is a no-op.
        let _ = std::os::unix::fs::chown(path, Some(uid), Some(gid));
    }
}

#[cfg(not(unix))]
fn owner_of(_: &Path) -> Option<(u32, u32)> {
    None
}

#[cfg(not(unix))]
fn restore_owner(_: &Path, _: Option<(u32, u32)>) {}

/// A unified diff from the current text to the new one (empty when equal).
pub fn unified_diff(old: Option<&str>, new: &str, shown: &str) -> String {
    let old = old.unwrap_or("");
    if old == new {
        return String::new();
    }
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .header(&format!("a/{shown}"), &format!("b/{shown}"))
        .to_string()
}

/// `str(Path(base) / part / …)`: pathlib drops empty and `.` components
/// and keeps exactly two leading slashes (POSIX), one for three or more.
pub fn display_path(base: &str, parts: &[&str]) -> String {
    let root = if base.starts_with("//") && !base.starts_with("///") {
        "//"
    } else if base.starts_with('/') {
        "/"
    } else {
        ""
    };
    let comps: Vec<&str> = base
        .split('/')
        .chain(parts.iter().flat_map(|p| p.split('/')))
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    let joined = format!("{root}{}", comps.join("/"));
    if joined.is_empty() {
        ".".into()
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: &str = "# === MANAGED BY infra.yml ===\n# x\na: 1\n# === END MANAGED ===";

    #[test]
    fn new_file_layout() {
        assert_eq!(
            merge(None, B),
            format!("---\n{B}\n\n# Your custom variables below:\n")
        );
    }

    #[test]
    fn replaces_only_first_block() {
        let old = format!("---\n{BEGIN}\nold\n{END}\nmine: 1\n{BEGIN}\nsecond\n{END}\n");
        let new = merge(Some(&old), B);
        assert_eq!(new, format!("---\n{B}\nmine: 1\n{BEGIN}\nsecond\n{END}\n"));
    }

    #[test]
    fn prepends_without_markers() {
        assert_eq!(merge(Some("x: 1\n"), B), format!("---\n{B}\n\nx: 1\n"));
        assert_eq!(
            merge(Some("--- # doc\nx: 1\n"), B),
            format!("{B}\n\n--- # doc\nx: 1\n")
        );
        let unterminated = format!("{BEGIN}\nno end\n");
        assert_eq!(
            merge(Some(&unterminated), B),
            format!("---\n{B}\n\n{unterminated}")
        );
    }

    #[test]
    fn backslashes_are_literal() {
        let b = format!("{BEGIN}\npath: C:\\new\\1\n{END}");
        let old = format!("---\n{BEGIN}\nx\n{END}\n");
        assert_eq!(merge(Some(&old), &b), format!("---\n{b}\n"));
    }

    #[test]
    fn paths_print_like_pathlib() {
        assert_eq!(
            display_path(".", &["group_vars", "all.yml"]),
            "group_vars/all.yml"
        );
        assert_eq!(display_path("out/", &["a.yml"]), "out/a.yml");
        assert_eq!(display_path("./out//x/.", &["a.yml"]), "out/x/a.yml");
        assert_eq!(display_path("", &["a.yml"]), "a.yml");
        assert_eq!(display_path("//srv", &["a.yml"]), "//srv/a.yml");
        assert_eq!(display_path("///srv/../x", &["a.yml"]), "/srv/../x/a.yml");
    }

    #[test]
    fn newlines_are_normalised() {
        assert_eq!(universal_newlines("a\r\nb\rc\n"), "a\nb\nc\n");
    }
}
