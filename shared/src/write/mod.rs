//! The one way every tool writes a file.
//!
//! [`write_file`] gives a path its new content, safe against what a hostile
//! or merely unusual file system puts in the way:
//!
//! - **links**: a symlink is followed only to an existing regular file, and
//!   with [`Policy::root`] set only to one inside that folder; anything
//!   else is refused with one error naming the link and its target. No
//!   folder is ever created for a dangling link.
//! - **devices**: a target that is not a regular file (device, FIFO,
//!   socket, folder) is refused and nothing is written, unless the caller
//!   asked for [`Policy::streams`] (an output path the user named, such as
//!   `/dev/stdout`), which writes into it.
//! - **permissions**: an existing file must open for writing, or it is not
//!   replaced. The new file keeps the old one's mode, owner and extended
//!   attributes (ACLs, SELinux labels). When the replacement cannot carry
//!   them (the caller may not give the file away, or set those attributes),
//!   or when the folder is not writable but the file is, the file is
//!   rewritten in place through the descriptor already open: that rewrite
//!   is **not atomic** (a crash can leave it cut short).
//! - **interruption**: everything else is written to a temporary file and
//!   renamed over the target, so a reader sees the old or the new content,
//!   never a mix. The temporary file is an unnamed `O_TMPFILE` where the
//!   file system has it (a crash leaves nothing); otherwise, and for the
//!   instant between `linkat` and `rename`, it is named `.NAME.tmpPID-N`,
//!   and the next write into that folder removes such files whose process
//!   is gone. Nothing is fsynced: the rename makes a write all-or-nothing
//!   for readers, not durable across a power cut.
//! - **checks first**: [`check`] does every check that can fail (names of at
//!   most 255 bytes, folders that are folders, a folder the file can be
//!   created in) without writing, so a caller with many files can check
//!   them all before it writes the first.

mod resolve;
#[allow(unsafe_code)]
mod sys;
mod temp;
#[cfg(test)]
#[allow(unsafe_code)]
mod tests;

use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

pub use resolve::kind_name;

/// How a tool wants its files written.
#[derive(Debug, Clone, Copy)]
pub struct Policy<'a> {
    /// Symlinks are followed only to regular files inside this folder
    /// (None: to regular files anywhere).
    pub root: Option<&'a Path>,
    /// Create a new file's missing folders (never for a dangling link).
    pub create_dirs: bool,
    /// A new file's permissions, before the umask.
    pub mode: u32,
    /// A FIFO or character device at the path (or at the end of its links)
    /// is written into instead of refused: for an output path the user
    /// named, such as `-o /dev/stdout`.
    pub streams: bool,
}

impl Default for Policy<'_> {
    fn default() -> Self {
        Policy {
            root: None,
            create_dirs: false,
            mode: 0o666,
            streams: false,
        }
    }
}

impl<'a> Policy<'a> {
    /// Links followed only inside `root`, missing folders created.
    pub fn within(root: &'a Path) -> Self {
        Policy {
            root: Some(root),
            create_dirs: true,
            ..Policy::default()
        }
    }
}

/// A checked path: where its content goes, and what is there now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    path: PathBuf,
    kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Nothing there yet (its folder may be missing too).
    New,
    /// A regular file.
    File,
    /// A FIFO or character device ([`Policy::streams`]).
    Stream,
}

impl Target {
    /// The file that gets the content: the path itself, or where its
    /// symlinks lead.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether a file is there now.
    pub fn exists(&self) -> bool {
        self.kind != Kind::New
    }

    /// Write `content`; a file that appeared since [`check`] is checked again.
    pub fn write(&self, content: &[u8], policy: &Policy) -> io::Result<()> {
        match self.kind {
            Kind::Stream => fs::OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(&self.path)
                .and_then(|mut f| io::Write::write_all(&mut f, content)),
            Kind::File => replace(&self.path, content),
            Kind::New => {
                let dir = parent_dir(&self.path);
                if policy.create_dirs {
                    fs::create_dir_all(dir)?;
                }
                match create(&self.path, content, policy.mode) {
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                        let again = check(&self.path, policy)?;
                        if again.kind == Kind::New {
                            return Err(e);
                        }
                        again.write(content, policy)
                    }
                    r => r,
                }
            }
        }
    }
}

/// Every check [`write_file`] makes before writing, with nothing written.
pub fn check(path: &Path, policy: &Policy) -> io::Result<Target> {
    resolve::check(path, policy)
}

/// Give `path` the content `content`, by the rules of this module.
pub fn write_file(path: &Path, content: &[u8], policy: &Policy) -> io::Result<()> {
    check(path, policy)?.write(content, policy)
}

/// [`write_file`] unless the file already holds exactly `content` (then
/// nothing is touched, so its mtime stays); returns whether it wrote.
pub fn write_if_changed(path: &Path, content: &[u8], policy: &Policy) -> io::Result<bool> {
    let target = check(path, policy)?;
    if target.kind == Kind::File
        && read_regular(&target.path, content.len() as u64 + 1).is_ok_and(|old| old == content)
    {
        return Ok(false);
    }
    target.write(content, policy).map(|()| true)
}

/// Append `content` to the file at `path` (created when missing), by the
/// same rules on links, devices and folders, in one `write` so that
/// concurrent appenders keep their lines whole. Not atomic: for logs.
pub fn append(path: &Path, content: &[u8], policy: &Policy) -> io::Result<()> {
    let target = check(path, policy)?;
    let mut open = fs::OpenOptions::new();
    open.append(true);
    match target.kind {
        Kind::Stream => {}
        Kind::File => {
            open.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
        }
        Kind::New => {
            if policy.create_dirs {
                fs::create_dir_all(parent_dir(&target.path))?;
            }
            open.create(true)
                .mode(policy.mode)
                .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
        }
    }
    let mut file = open
        .open(&target.path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP | libc::ENXIO) => changed(&target.path),
            _ => e,
        })?;
    if target.kind != Kind::Stream && !file.metadata()?.is_file() {
        return Err(changed(&target.path));
    }
    io::Write::write_all(&mut file, content)
}

/// The content of a regular file of at most `cap` bytes. Anything else (a
/// FIFO, a device, a folder) is an error rather than a read that blocks or
/// never ends: the file is opened without waiting and checked first.
pub fn read_regular(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    read_regular_meta(path, cap).map(|(bytes, _)| bytes)
}

/// [`read_regular`], with the metadata of the file that was read.
pub fn read_regular_meta(path: &Path, cap: u64) -> io::Result<(Vec<u8>, fs::Metadata)> {
    let mut file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {}, not a regular file", kind_name(&meta.file_type())),
        ));
    }
    if meta.len() > cap {
        return Err(too_big(meta.len(), cap));
    }
    let bytes = read_all(&mut file, meta.len(), cap)?;
    Ok((bytes, meta))
}

/// The rest of a regular file expected to hold `size` bytes
/// (`File::read_to_end` would ask for the size and position again): at
/// its end when a read returns less than asked for, which saves the read
/// that returns nothing (a thousand files read per generate run). A file
/// that grew since its fstat is read up to `cap`.
fn read_all(file: &mut fs::File, size: u64, cap: u64) -> io::Result<Vec<u8>> {
    let mut buf = vec![
        0u8;
        usize::try_from(size)
            .unwrap_or(usize::MAX)
            .saturating_add(1)
    ];
    let mut len = 0;
    loop {
        if len == buf.len() {
            if len as u64 > cap {
                return Err(too_big(len as u64, cap));
            }
            buf.resize(buf.len().saturating_mul(2).max(8192), 0);
        }
        let asked = buf.len() - len;
        match file.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => {
                len += n;
                if n < asked {
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if len as u64 > cap {
        return Err(too_big(len as u64, cap));
    }
    buf.truncate(len);
    Ok(buf)
}

fn too_big(size: u64, cap: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("it is {size} bytes or more, over the {cap}-byte limit for this file"),
    )
}

/// The folder a path's file is in (`.` for a bare name).
pub(crate) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// A new file at `path` (never replacing one that appeared meanwhile:
/// AlreadyExists then).
fn create(path: &Path, content: &[u8], mode: u32) -> io::Result<()> {
    let dir = parent_dir(path);
    temp::sweep(dir);
    let mut tmp = temp::Tmp::create(dir, path, mode)?;
    tmp.fill(content)?;
    tmp.publish(dir, path, false)
}

/// Replace the regular file at `path` (no symlink: the resolved target).
fn replace(path: &Path, content: &[u8]) -> io::Result<()> {
    // Opening for writing is the permission check upstream's `open(.., "w")`
    // makes; O_NONBLOCK|O_NOFOLLOW so that a FIFO or link put there since
    // the check neither blocks nor leads elsewhere.
    let old = fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => changed(path),
            _ => e,
        })?;
    let meta = old.metadata()?;
    if !meta.is_file() {
        return Err(changed(path));
    }
    let dir = parent_dir(path);
    temp::sweep(dir);
    let mut tmp = match temp::Tmp::create(dir, path, 0o600) {
        Ok(t) => t,
        // The folder is not writable, the file is: in place.
        Err(e) if is_denied(&e) => return in_place(&old, content),
        Err(e) => return Err(e),
    };
    tmp.fill(content)?;
    match keep_identity(&old, &meta, tmp.file()) {
        Ok(()) => tmp.publish(dir, path, true),
        Err(e) if is_denied(&e) || e.raw_os_error() == Some(libc::EOPNOTSUPP) => {
            tmp.discard();
            in_place(&old, content)
        }
        Err(e) => {
            tmp.discard();
            Err(e)
        }
    }
}

fn changed(path: &Path) -> io::Error {
    io::Error::other(format!(
        "{} changed while it was written (it is no longer a regular file); nothing written",
        path.display()
    ))
}

fn is_denied(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EACCES | libc::EPERM))
}

/// Give the replacement the old file's owner, extended attributes and
/// mode, in that order: a chown clears set-id bits and file capabilities.
fn keep_identity(old: &fs::File, meta: &fs::Metadata, new: &fs::File) -> io::Result<()> {
    let now = new.metadata()?;
    if (now.uid(), now.gid()) != (meta.uid(), meta.gid()) {
        std::os::unix::fs::fchown(new, Some(meta.uid()), Some(meta.gid()))?;
    }
    sys::copy_xattrs(old, new)?;
    new.set_permissions(fs::Permissions::from_mode(meta.mode() & 0o7777))
}

/// Rewrite the open file in place: the new bytes over the old, then cut to
/// length (never an empty file in between).
fn in_place(file: &fs::File, content: &[u8]) -> io::Result<()> {
    file.write_all_at(content, 0)?;
    file.set_len(content.len() as u64)
}
