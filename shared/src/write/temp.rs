//! Temporary files beside the target: unnamed (`O_TMPFILE`) where the file
//! system allows, else named `.NAME.tmpPID-N`; [`sweep`] removes named ones
//! whose process is gone.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use super::sys;

/// Named temp files get `.` + at most this many bytes of the target's name
/// + `.tmpPID-N`, within the 255-byte limit on names.
const STEM_MAX: usize = 200;

pub enum Tmp {
    Unnamed(File),
    Named(PathBuf, File),
}

impl Tmp {
    /// A temporary file in `dir` for `target`, with permissions `mode`
    /// (before the umask).
    pub fn create(dir: &Path, target: &Path, mode: u32) -> io::Result<Tmp> {
        if unnamed_ok() {
            match fs::OpenOptions::new()
                .write(true)
                .mode(mode)
                .custom_flags(libc::O_TMPFILE | libc::O_CLOEXEC)
                .open(dir)
            {
                Ok(f) => return Ok(Tmp::Unnamed(f)),
                // No O_TMPFILE on this file system (or kernel).
                Err(e)
                    if matches!(
                        e.raw_os_error(),
                        Some(libc::EOPNOTSUPP | libc::EISDIR | libc::EINVAL)
                    ) => {}
                Err(e) => return Err(e),
            }
        }
        let (path, file) = named(dir, target, |p| {
            fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(mode)
                .custom_flags(libc::O_CLOEXEC)
                .open(p)
        })?;
        Ok(Tmp::Named(path, file))
    }

    pub fn file(&self) -> &File {
        match self {
            Tmp::Unnamed(f) | Tmp::Named(_, f) => f,
        }
    }

    pub fn fill(&mut self, content: &[u8]) -> io::Result<()> {
        let mut f = self.file();
        let r = f.write_all(content);
        if r.is_err() {
            self.discard_ref();
        }
        r
    }

    /// Put the file at `target` (in `dir`), replacing what is there when
    /// `replace`, else failing with AlreadyExists if something is.
    pub fn publish(self, dir: &Path, target: &Path, replace: bool) -> io::Result<()> {
        match self {
            Tmp::Unnamed(f) if !replace => sys::link_open_file(&f, target),
            Tmp::Unnamed(f) => {
                // No call links over an existing name: a name for the
                // instant until the rename (swept if we die in between).
                let (tmp, ()) = named(dir, target, |p| sys::link_open_file(&f, p))?;
                rename(&tmp, target)
            }
            Tmp::Named(tmp, _) if !replace => {
                // A hard link fails on an existing name, as linkat above.
                let r = fs::hard_link(&tmp, target);
                let _ = fs::remove_file(&tmp);
                r
            }
            Tmp::Named(tmp, _) => rename(&tmp, target),
        }
    }

    pub fn discard(self) {
        self.discard_ref();
    }

    fn discard_ref(&self) {
        if let Tmp::Named(p, _) = self {
            let _ = fs::remove_file(p);
        }
    }
}

fn rename(tmp: &Path, target: &Path) -> io::Result<()> {
    let r = fs::rename(tmp, target);
    if r.is_err() {
        let _ = fs::remove_file(tmp);
    }
    r
}

/// Whether unnamed temp files can be given a name (/proc is mounted).
fn unnamed_ok() -> bool {
    static OK: OnceLock<bool> = OnceLock::new();
    *OK.get_or_init(|| Path::new("/proc/self/fd").is_dir())
}

/// The first free `.NAME.tmpPID-N` in `dir`, made by `make`.
fn named<T>(
    dir: &Path,
    target: &Path,
    mut make: impl FnMut(&Path) -> io::Result<T>,
) -> io::Result<(PathBuf, T)> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut cut = name.len().min(STEM_MAX);
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    let stem = &name[..cut];
    let pid = std::process::id();
    for attempt in 0..1000u32 {
        let p = dir.join(format!(".{stem}.tmp{pid}-{attempt}"));
        match make(&p) {
            Ok(t) => return Ok((p, t)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("no free temporary file name in {}", dir.display()),
    ))
}

/// The process id in a temp file name `.NAME.tmpPID-N`.
pub fn temp_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?;
    let (_, tail) = rest.rsplit_once(".tmp")?;
    let (pid, n) = tail.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(pid) && digits(n)).then(|| pid.parse().ok())?
}

/// Remove the temp files in `dir` left by processes that are gone (once
/// per folder per process).
pub fn sweep(dir: &Path) {
    static SWEPT: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);
    {
        let Ok(mut swept) = SWEPT.lock() else { return };
        if !swept
            .get_or_insert_with(HashSet::new)
            .insert(dir.to_path_buf())
        {
            return;
        }
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let me = std::process::id();
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temp_pid) else {
            continue;
        };
        if pid != me && entry.file_type().is_ok_and(|t| t.is_file()) && !sys::alive(pid) {
            let _ = fs::remove_file(entry.path());
        }
    }
}
