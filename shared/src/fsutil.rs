//! File writes that never leave a half-written file behind.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// Write `content` to `path` atomically: a temp file in the same folder,
/// then renamed over the target. Parent folders are created.
/// Keeps the target's permissions when it already exists.
pub fn write_atomic(path: &Path, content: &[u8]) -> io::Result<()> {
    let dir = parent_dir(path);
    fs::create_dir_all(dir)?;
    replace_in(dir, path, content, Mode::OfTarget)
}

/// [`write_atomic`] into a folder known to exist, for a caller that knows
/// the target's permissions (None: the target does not exist, the new
/// file gets the default ones), which saves looking them up again.
pub fn replace_atomic(
    path: &Path,
    content: &[u8],
    permissions: Option<fs::Permissions>,
) -> io::Result<()> {
    replace_in(parent_dir(path), path, content, Mode::Given(permissions))
}

/// The folder a path's file is in (`.` for a bare name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Where the new file's permissions come from.
enum Mode {
    /// The target's, when it exists.
    OfTarget,
    Given(Option<fs::Permissions>),
}

fn replace_in(dir: &Path, path: &Path, content: &[u8], mode: Mode) -> io::Result<()> {
    let mut tmp = tempfile_in(dir, path)?;
    let result = (|| {
        // No fsync: the rename already makes the write all-or-nothing for
        // anyone reading the tree, and an fsync per file made a 1000-host
        // sync ten times slower than the work itself.
        tmp.1.write_all(content)?;
        let permissions = match mode {
            Mode::OfTarget => fs::metadata(path).ok().map(|m| m.permissions()),
            Mode::Given(p) => p,
        };
        if let Some(permissions) = permissions {
            fs::set_permissions(&tmp.0, permissions)?;
        }
        fs::rename(&tmp.0, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp.0);
    }
    result
}

/// Write only when the content differs; returns whether it wrote.
/// Unchanged files keep their mtime, so make and editors see no change.
pub fn write_if_changed(path: &Path, content: &[u8]) -> io::Result<bool> {
    match fs::read(path) {
        Ok(old) if old == content => Ok(false),
        _ => write_atomic(path, content).map(|()| true),
    }
}

fn tempfile_in(dir: &Path, target: &Path) -> io::Result<(std::path::PathBuf, fs::File)> {
    let stem = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("file");
    static PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    let pid = *PID.get_or_init(std::process::id);
    for attempt in 0..100u32 {
        let name = format!(".{stem}.tmp{pid}-{attempt}");
        let p = dir.join(name);
        match fs::OpenOptions::new().write(true).create_new(true).open(&p) {
            Ok(f) => return Ok((p, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "could not create a temporary file",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_skips_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b/c.yml");
        assert!(write_if_changed(&p, b"x").unwrap());
        assert!(!write_if_changed(&p, b"x").unwrap());
        assert!(write_if_changed(&p, b"y").unwrap());
        assert_eq!(fs::read(&p).unwrap(), b"y");
        let leftovers: Vec<_> = fs::read_dir(p.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temp files left behind");
    }

    #[cfg(unix)]
    #[test]
    fn replace_sets_given_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x");
        replace_atomic(&p, b"a", None).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"a");
        replace_atomic(&p, b"b", Some(fs::Permissions::from_mode(0o600))).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"b");
        let mode = fs::metadata(&p).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(replace_atomic(&dir.path().join("no/such/x"), b"a", None).is_err());
    }
}
