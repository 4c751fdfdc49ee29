//! File writes that never leave a half-written file behind.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// Write `content` to `path` atomically: a temp file in the same folder,
/// then renamed over the target. Parent folders are created.
/// Keeps the target's permissions when it already exists.
pub fn write_atomic(path: &Path, content: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir)?;
    let mut tmp = tempfile_in(dir, path)?;
    let result = (|| {
        // No fsync: the rename already makes the write all-or-nothing for
        // anyone reading the tree, and an fsync per file made a 1000-host
        // sync ten times slower than the work itself.
        tmp.1.write_all(content)?;
        if let Ok(meta) = fs::metadata(path) {
            fs::set_permissions(&tmp.0, meta.permissions())?;
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
    for attempt in 0..100u32 {
        let name = format!(".{stem}.tmp{}-{attempt}", std::process::id());
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
}
