//! One run at a time per base dir: the whole run holds a lock on it
//! (shared for `--dry-run`, which only reads). Upstream has none: two
//! runs with `--clean-orphans` at once could delete each other's files.

use shared::lock::{self, DirLock, Mode};
use shared::Error;
use std::path::Path;

use crate::output::Output;

/// Lock `base` (or, while it does not exist, the nearest folder above it
/// that does, so that nothing is created before the run has checked
/// everything). A second run waits and says so on `io`'s stderr, or with
/// `no_wait` fails at once.
pub fn take(base: &Path, dry_run: bool, no_wait: bool, io: &mut Output) -> Result<DirLock, Error> {
    let mode = if dry_run {
        Mode::Shared
    } else {
        Mode::Exclusive
    };
    let dir = existing_folder(base);
    let cannot =
        |e: std::io::Error| Error::new(format!("cannot lock {} for this run: {e}", dir.display()));
    if let Some(held) = lock::try_lock(&dir, mode).map_err(cannot)? {
        return Ok(held);
    }
    if no_wait {
        return Err(Error::new(format!(
            "another generate run is using {}; try again when it has finished \
             (without --no-wait, generate waits for it)",
            base.display()
        )));
    }
    io.err(&format!(
        "INFO: another generate run is using {}; waiting for it to finish \
         (--no-wait or ANKLUME_GENERATE_NO_WAIT=1 fails at once instead)",
        base.display()
    ));
    lock::lock(&dir, mode).map_err(cannot)
}

/// `base`, or the nearest folder above it that exists.
fn existing_folder(base: &Path) -> std::path::PathBuf {
    let mut dir = base.to_path_buf();
    loop {
        if dir.is_dir() {
            return dir;
        }
        match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => dir = p.to_path_buf(),
            _ => return ".".into(),
        }
    }
}
