//! [`check`]: what a path leads to, and every reason it cannot be written,
//! found before anything is written.

use std::fs;
use std::io;
use std::os::unix::fs::FileTypeExt;
use std::path::{Component, Path, PathBuf};

use super::{parent_dir, sys, Kind, Policy, Target};

/// Linux's NAME_MAX: the longest name one folder entry can have.
const NAME_MAX: usize = 255;
/// Links followed before giving up, as the kernel's limit.
const MAX_LINKS: usize = 40;

pub(super) fn check(path: &Path, policy: &Policy) -> io::Result<Target> {
    check_names(path)?;
    if policy.streams {
        // `/dev/stdout` leads through /proc's magic links, which only the
        // kernel can follow.
        if let Ok(meta) = fs::metadata(path) {
            if is_stream(&meta.file_type()) {
                return Ok(target(path, Kind::Stream));
            }
        }
    }
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_file() => Ok(target(path, Kind::File)),
        Ok(m) if m.is_symlink() => follow(path, policy),
        Ok(m) => Err(not_regular(format!("it is {}", kind_name(&m.file_type())))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => new_file(path, policy),
        Err(e) if e.raw_os_error() == Some(libc::ENOTDIR) => Err(not_a_folder(parent_dir(path))),
        Err(e) => Err(e),
    }
}

fn target(path: &Path, kind: Kind) -> Target {
    Target {
        path: path.to_path_buf(),
        kind,
    }
}

fn check_names(path: &Path) -> io::Result<()> {
    if path.file_name().is_none() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the path does not end in a file name",
        ));
    }
    for c in path.components() {
        if let Component::Normal(name) = c {
            if name.len() > NAME_MAX {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "the name '{}' is {} bytes long; file systems allow at most {NAME_MAX}",
                        name.to_string_lossy(),
                        name.len()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Where `link`'s chain of symlinks ends, which must be a regular file
/// (inside the policy's root, when it has one).
fn follow(link: &Path, policy: &Policy) -> io::Result<Target> {
    let mut at = link.to_path_buf();
    for _ in 0..MAX_LINKS {
        let to = fs::read_link(&at)?;
        at = parent_dir(&at).join(to);
        let refuse = |why: String| {
            Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "it is a symlink to {}, {why}; nothing written",
                    at.display()
                ),
            ))
        };
        match fs::symlink_metadata(&at) {
            Ok(m) if m.is_symlink() => continue,
            Ok(m) if m.is_file() => {
                if let Some(root) = policy.root {
                    if !inside(&at, root)? {
                        return refuse(format!("outside {}", root.display()));
                    }
                }
                return Ok(target(&at, Kind::File));
            }
            Ok(m) if policy.streams && is_stream(&m.file_type()) => {
                return Ok(target(&at, Kind::Stream))
            }
            Ok(m) => return refuse(format!("{}, not a regular file", kind_name(&m.file_type()))),
            Err(e)
                if e.kind() == io::ErrorKind::NotFound
                    || e.raw_os_error() == Some(libc::ENOTDIR) =>
            {
                return refuse(
                    "which does not exist (no file or folder is created for a dangling link)"
                        .into(),
                )
            }
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::from_raw_os_error(libc::ELOOP))
}

fn inside(path: &Path, root: &Path) -> io::Result<bool> {
    let root = fs::canonicalize(root)?;
    Ok(fs::canonicalize(path)?.starts_with(root))
}

/// Nothing at `path`: its folder must be a folder the caller can create
/// files in, or missing with [`Policy::create_dirs`] and creatable.
fn new_file(path: &Path, policy: &Policy) -> io::Result<Target> {
    let mut dir = parent_dir(path);
    loop {
        match fs::metadata(dir) {
            Ok(m) if m.is_dir() => break,
            Ok(_) => return Err(not_a_folder(dir)),
            Err(e) if e.kind() == io::ErrorKind::NotFound && policy.create_dirs => {
                match dir.parent() {
                    Some(p) if !p.as_os_str().is_empty() => dir = p,
                    _ => {
                        dir = Path::new(".");
                        break;
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(io::Error::new(
                    e.kind(),
                    format!("the folder {} does not exist", dir.display()),
                ))
            }
            Err(e) if e.raw_os_error() == Some(libc::ENOTDIR) => return Err(not_a_folder(dir)),
            Err(e) => return Err(e),
        }
    }
    if !sys::can_write_dir(dir) {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!(
                "cannot create files in {}: permission denied",
                dir.display()
            ),
        ));
    }
    Ok(target(path, Kind::New))
}

/// The error for a folder that, or one above it, is not a folder: it
/// names the first one that is not.
fn not_a_folder(dir: &Path) -> io::Error {
    let mut so_far = PathBuf::new();
    let mut culprit = None;
    for c in dir.components() {
        so_far.push(c);
        if fs::metadata(&so_far).is_ok_and(|m| !m.is_dir()) {
            culprit = Some(so_far.clone());
            break;
        }
    }
    let culprit = culprit.unwrap_or_else(|| dir.to_path_buf());
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{} is not a folder", culprit.display()),
    )
}

fn not_regular(what: String) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{what}, not a regular file; nothing written"),
    )
}

fn is_stream(t: &fs::FileType) -> bool {
    t.is_fifo() || t.is_char_device()
}

/// "a folder", "a FIFO", … for messages.
pub fn kind_name(t: &fs::FileType) -> &'static str {
    if t.is_dir() {
        "a folder"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_symlink() {
        "a symlink"
    } else if t.is_file() {
        "a regular file"
    } else {
        "an unknown kind of file"
    }
}
