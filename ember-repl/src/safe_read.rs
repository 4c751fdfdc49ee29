//! Reading files Ember did not create: docs, templates, HUD snapshots,
//! models, the history.
//!
//! Any of them may be planted or mistaken: a FIFO named `README.md` in a
//! shared parent folder, `LLAMA_PROMPT_PATH=/dev/zero`, a folder where a
//! model should be. So a file is opened only when it is a regular file:
//! opened with `O_NONBLOCK` (opening a FIFO then returns at once instead of
//! waiting for a writer) and checked with `fstat` on what was opened, so a
//! swap between a check and the open changes nothing. Reads are capped.
//! Errors name what the path really is ("is a FIFO"), never "does not exist"
//! for something that exists.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// Nothing at that path (or a dangling link).
    Missing,
    /// Something that is not a regular file: "a folder", "a FIFO", ….
    NotRegular(&'static str),
    /// Larger than the cap.
    TooLarge { size: u64, cap: u64 },
    /// Any other failure (permissions, I/O).
    Io(io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Missing => f.write_str("does not exist"),
            ReadError::NotRegular(kind) => write!(f, "is {kind}, not a regular file"),
            ReadError::TooLarge { size, cap } => {
                write!(f, "is {size} bytes, more than the {cap} bytes read")
            }
            ReadError::Io(e) => write!(f, "cannot be read ({e})"),
        }
    }
}

/// What a file type is, in words ("a folder", "a FIFO", …).
pub fn kind(meta: &Metadata) -> &'static str {
    shared::write::kind_name(&meta.file_type())
}

/// `path` (links followed) opened for reading, if it is a regular file.
pub fn open_regular(path: &Path) -> Result<(File, Metadata), ReadError> {
    // A look first, so a device is not even opened (opening some has effects).
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => return Err(ReadError::NotRegular(kind(&m))),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(ReadError::Missing),
        Err(e) => return Err(ReadError::Io(e)),
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => ReadError::Missing,
            _ => ReadError::Io(e),
        })?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(kind(&meta)));
    }
    Ok((file, meta))
}

/// The whole of a regular file of at most `cap` bytes.
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    let (file, meta) = open_regular(path)?;
    if meta.len() > cap {
        return Err(ReadError::TooLarge {
            size: meta.len(),
            cap,
        });
    }
    let mut bytes = Vec::new();
    // `take`: the file may grow between the fstat and the read.
    file.take(cap)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    Ok(bytes)
}

/// The first `limit` bytes of a regular file (any size).
pub fn read_head(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let (file, _) = open_regular(path)?;
    let mut bytes = Vec::new();
    file.take(limit)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::mkfifo;
    use std::time::{Duration, Instant};

    #[test]
    fn only_regular_files_are_read_and_fifos_never_block() {
        let tmp = tempfile::tempdir().expect("tmp");
        let fifo = tmp.path().join("fifo");
        mkfifo(&fifo);
        let start = Instant::now();
        let e = read_capped(&fifo, 10).expect_err("fifo");
        assert!(start.elapsed() < Duration::from_secs(2));
        assert_eq!(e.to_string(), "is a FIFO, not a regular file");
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&fifo, &link).expect("link");
        assert!(matches!(
            read_head(&link, 4),
            Err(ReadError::NotRegular("a FIFO"))
        ));
        assert!(matches!(
            read_capped(tmp.path(), 10),
            Err(ReadError::NotRegular("a folder"))
        ));
        assert!(matches!(
            read_capped(Path::new("/dev/zero"), 10),
            Err(ReadError::NotRegular("a character device"))
        ));
        assert!(matches!(
            read_capped(&tmp.path().join("none"), 10),
            Err(ReadError::Missing)
        ));
        let f = tmp.path().join("f");
        std::fs::write(&f, "0123456789ab").expect("write");
        assert_eq!(read_head(&f, 4).expect("head"), b"0123");
        assert!(matches!(
            read_capped(&f, 10),
            Err(ReadError::TooLarge { size: 12, cap: 10 })
        ));
        assert_eq!(read_capped(&f, 12).expect("read"), b"0123456789ab");
    }
}
