//! The system calls std does not wrap: extended attributes, `faccessat`,
//! `linkat` of an open file, and whether a process is alive.

use std::ffi::CString;
use std::fs::File;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::io::AsRawFd;
use std::path::Path;

fn cstr(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a path holds a NUL byte"))
}

/// Whether this process may create files in `dir` (write and search
/// permission, by its effective ids, as the kernel will judge).
pub fn can_write_dir(dir: &Path) -> bool {
    let Ok(c) = cstr(dir) else { return false };
    // SAFETY: a valid C string; faccessat only reads it.
    unsafe {
        libc::faccessat(
            libc::AT_FDCWD,
            c.as_ptr(),
            libc::W_OK | libc::X_OK,
            libc::AT_EACCESS,
        ) == 0
    }
}

/// Copy every extended attribute of `from` to `to`. A file system without
/// them has none to copy.
pub fn copy_xattrs(from: &File, to: &File) -> io::Result<()> {
    let names = match list(from) {
        Ok(n) => n,
        Err(e) if e.raw_os_error() == Some(libc::EOPNOTSUPP) => return Ok(()),
        Err(e) => return Err(e),
    };
    for name in names.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let Ok(name) = CString::new(name) else {
            continue;
        };
        let value = get(from, &name)?;
        // SAFETY: valid name and a buffer of the given length.
        let r = unsafe {
            libc::fsetxattr(
                to.as_raw_fd(),
                name.as_ptr(),
                value.as_ptr().cast(),
                value.len(),
                0,
            )
        };
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Asks for the size, then the bytes; again if they grew in between.
fn sized(mut call: impl FnMut(*mut libc::c_void, usize) -> isize) -> io::Result<Vec<u8>> {
    for _ in 0..8 {
        let size = call(std::ptr::null_mut(), 0);
        if size < 0 {
            return Err(io::Error::last_os_error());
        }
        let mut buf = vec![0u8; size as usize];
        if buf.is_empty() {
            return Ok(buf);
        }
        let got = call(buf.as_mut_ptr().cast(), buf.len());
        if got >= 0 {
            buf.truncate(got as usize);
            return Ok(buf);
        }
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::ERANGE) {
            return Err(e);
        }
    }
    Err(io::Error::from_raw_os_error(libc::ERANGE))
}

fn list(f: &File) -> io::Result<Vec<u8>> {
    let fd = f.as_raw_fd();
    // SAFETY: the buffer pointer and length come from `sized`.
    sized(|buf, len| unsafe { libc::flistxattr(fd, buf.cast(), len) })
}

fn get(f: &File, name: &CString) -> io::Result<Vec<u8>> {
    let fd = f.as_raw_fd();
    // SAFETY: valid name; the buffer pointer and length come from `sized`.
    sized(|buf, len| unsafe { libc::fgetxattr(fd, name.as_ptr(), buf, len) })
}

/// Give the open (unnamed, `O_TMPFILE`) file `file` the name `to`, which
/// must not exist. Through /proc, as `AT_EMPTY_PATH` needs a capability.
pub fn link_open_file(file: &File, to: &Path) -> io::Result<()> {
    let from = CString::new(format!("/proc/self/fd/{}", file.as_raw_fd()))
        .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    let to = cstr(to)?;
    // SAFETY: two valid C strings.
    let r = unsafe {
        libc::linkat(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::AT_SYMLINK_FOLLOW,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Whether process `pid` exists (one we may not signal exists too).
pub fn alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}
