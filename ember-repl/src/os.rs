//! The operating-system calls std does not offer, behind safe functions.
//!
//! With `backend::llama::ffi`, this is the only module of the crate allowed
//! `unsafe` (the crate denies it everywhere else). Each function is a thin
//! libc call with its SAFETY reasoning; no raw pointer leaves the module.

use std::ffi::{CStr, CString};
use std::path::Path;

/// The effective user id.
pub fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Whether process `pid` exists (signal 0 probes without sending anything;
/// EPERM means it exists but is someone else's).
pub fn process_exists(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: kill with signal 0 only checks for existence and permission.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// The size of a memory page in bytes.
pub fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    u64::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096)
}

/// What `readdir` says an entry is, without a `stat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Link,
    /// The file system does not say (DT_UNKNOWN): ask `stat` if it matters.
    Unknown,
    Other,
}

/// Calls `each(name, kind, inode)` for every entry of `dir`, straight from
/// `readdir`'s buffer: no allocation per entry (3,000 models cost none).
/// False when the folder cannot be opened.
pub fn scan_dir(dir: &Path, mut each: impl FnMut(&[u8], EntryKind, u64)) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = CString::new(dir.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: a valid C string. The stream is closed below (a panic in
    // `each` would only leak it).
    let stream = unsafe { libc::opendir(c.as_ptr()) };
    if stream.is_null() {
        return false;
    }
    loop {
        // SAFETY: `stream` is open; the entry stays valid until the next call.
        let entry = unsafe { libc::readdir(stream) };
        if entry.is_null() {
            break;
        }
        // SAFETY: non-null, and d_name is NUL-terminated within the entry;
        // the borrow ends before the next readdir.
        let (name, kind, ino) = unsafe {
            let e = &*entry;
            (
                CStr::from_ptr(e.d_name.as_ptr()).to_bytes(),
                e.d_type,
                e.d_ino,
            )
        };
        let kind = match kind {
            libc::DT_REG => EntryKind::File,
            libc::DT_LNK => EntryKind::Link,
            libc::DT_UNKNOWN => EntryKind::Unknown,
            _ => EntryKind::Other,
        };
        each(name, kind, ino);
    }
    // SAFETY: opened above, closed once.
    unsafe { libc::closedir(stream) };
    true
}

/// The SIGINT disposition in force before [`set_sigint_flag`].
pub struct SavedSigint(libc::sigaction);

/// Runs `handler` (which must only touch atomics: it runs as a signal
/// handler) on SIGINT, with SA_RESTART so a Ctrl-C does not make a pending
/// read or write fail; returns what to restore, None if refused.
pub fn set_sigint_flag(handler: extern "C" fn(libc::c_int)) -> Option<SavedSigint> {
    // SAFETY: sigaction with a zeroed struct, the handler and an empty mask;
    // the caller's handler is async-signal-safe (documented contract).
    unsafe {
        let mut new: libc::sigaction = std::mem::zeroed();
        new.sa_sigaction = handler as libc::sighandler_t;
        libc::sigemptyset(&raw mut new.sa_mask);
        new.sa_flags = libc::SA_RESTART;
        let mut old: libc::sigaction = std::mem::zeroed();
        (libc::sigaction(libc::SIGINT, &raw const new, &raw mut old) == 0)
            .then_some(SavedSigint(old))
    }
}

/// Puts back the SIGINT disposition `set_sigint_flag` replaced.
pub fn restore_sigint(saved: SavedSigint) {
    // SAFETY: a disposition the kernel gave us.
    unsafe {
        libc::sigaction(libc::SIGINT, &raw const saved.0, std::ptr::null_mut());
    }
}

/// Sends SIGINT to this process (tests of the Ctrl-C path).
#[cfg(test)]
pub fn raise_sigint() {
    // SAFETY: raise has no preconditions.
    unsafe {
        libc::raise(libc::SIGINT);
    }
}

/// Makes a FIFO at `path` (tests of files that would block a read).
#[cfg(test)]
pub fn mkfifo(path: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = CString::new(path.as_os_str().as_bytes())?;
    // SAFETY: a valid C string and a mode.
    if unsafe { libc::mkfifo(c.as_ptr(), 0o600) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}
