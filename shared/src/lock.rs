//! Advisory locks on a folder (`flock` on the folder itself: no lock file
//! to create, leave behind or have replaced by a link).

use std::fs::File;
use std::io;
use std::os::unix::io::AsRawFd;
use std::path::Path;

/// A held lock; released when dropped (or when the process ends, however
/// it ends).
#[derive(Debug)]
pub struct DirLock(#[allow(dead_code)] File);

/// Exclusive (one writer) or shared (any number of readers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Exclusive,
    Shared,
}

/// Take the lock on `dir` if no one holds a conflicting one: None when
/// someone does.
pub fn try_lock(dir: &Path, mode: Mode) -> io::Result<Option<DirLock>> {
    let file = File::open(dir)?;
    match flock(&file, mode, true) {
        Ok(()) => Ok(Some(DirLock(file))),
        Err(e) if e.raw_os_error() == Some(libc::EWOULDBLOCK) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Take the lock on `dir`, waiting for as long as it takes.
pub fn lock(dir: &Path, mode: Mode) -> io::Result<DirLock> {
    let file = File::open(dir)?;
    flock(&file, mode, false)?;
    Ok(DirLock(file))
}

fn flock(file: &File, mode: Mode, nonblock: bool) -> io::Result<()> {
    let mut op = match mode {
        Mode::Exclusive => libc::LOCK_EX,
        Mode::Shared => libc::LOCK_SH,
    };
    if nonblock {
        op |= libc::LOCK_NB;
    }
    loop {
        // SAFETY: a valid open descriptor.
        if unsafe { libc::flock(file.as_raw_fd(), op) } == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusive_excludes_and_shared_shares() {
        let d = tempfile::tempdir().unwrap();
        let a = try_lock(d.path(), Mode::Exclusive).unwrap();
        assert!(a.is_some());
        assert!(try_lock(d.path(), Mode::Exclusive).unwrap().is_none());
        assert!(try_lock(d.path(), Mode::Shared).unwrap().is_none());
        drop(a);
        let s = try_lock(d.path(), Mode::Shared).unwrap();
        assert!(try_lock(d.path(), Mode::Shared).unwrap().is_some());
        assert!(try_lock(d.path(), Mode::Exclusive).unwrap().is_none());
        drop(s);
        assert!(lock(d.path(), Mode::Exclusive).is_ok());
    }
}
