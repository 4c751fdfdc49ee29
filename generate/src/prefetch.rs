//! Reading the generated files while the run is still working out their
//! new text.
//!
//! On a re-run nearly every file the run writes exists already, and
//! opening and reading a thousand small files costs about as much as all
//! the rest of the run. The folders are known from the command line, before
//! infra.yml is even parsed, so a second thread reads every regular `*.yml`
//! file in them while the main thread loads, validates and plans. The
//! per-file step then takes the text from here instead of opening the file
//! again. A file not found here (not listed, not a regular file, not
//! readable) is read the usual way when its turn comes, so only
//! the moment of the read changes, never its result.

use std::collections::HashMap;
use std::path::Path;
use std::thread::{self, JoinHandle};

use crate::write::{self, OnDisk};

/// The folders a run writes into.
const FOLDERS: [&str; 3] = ["inventory", "group_vars", "host_vars"];

/// A file's text and state, as [`write::read_with_state`] gives them.
pub type Read = (Option<String>, OnDisk);

/// The reads under way; [`Prefetch::finish`] waits for them.
pub struct Prefetch(Option<JoinHandle<Found>>);

/// What was read: file name → read, one map per folder of [`FOLDERS`].
///
/// Every `*.yml` file there is read by the run anyway: the planned ones to
/// be rewritten, the others by the orphan check.
#[derive(Default)]
pub struct Found([HashMap<String, Read>; 3]);

impl Prefetch {
    /// Start reading the files under `base`. When no thread can be started
    /// the files are simply read later, one by one.
    pub fn start(base: &Path) -> Prefetch {
        let base = base.to_path_buf();
        let handle = thread::Builder::new()
            .name("prefetch".into())
            .spawn(move || read_folders(&base))
            .ok();
        Prefetch(handle)
    }

    /// Everything read so far (all of it: this waits for the thread).
    pub fn finish(self) -> Found {
        self.0.and_then(|h| h.join().ok()).unwrap_or_default()
    }
}

impl Found {
    /// The read of `dir/name`, if the thread made it; each is handed out
    /// once.
    pub fn take(&mut self, dir: &str, name: &str) -> Option<Read> {
        let i = FOLDERS.iter().position(|f| *f == dir)?;
        self.0[i].remove(name)
    }
}

fn read_folders(base: &Path) -> Found {
    let mut found = Found::default();
    for (dir, files) in FOLDERS.into_iter().zip(&mut found.0) {
        let Ok(entries) = std::fs::read_dir(base.join(dir)) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            // The entry's own type, from the listing: a symlink is left to
            // the usual read, which follows it.
            if !entry.file_type().is_ok_and(|t| t.is_file()) {
                continue;
            }
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            if !name.ends_with(".yml") {
                continue;
            }
            if let Ok(read) = write::read_with_state(&entry.path(), &name) {
                files.insert(name, read);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_regular_yml_files_once() {
        let dir = tempfile::tempdir().unwrap();
        let hv = dir.path().join("host_vars");
        std::fs::create_dir(&hv).unwrap();
        std::fs::write(hv.join("a.yml"), "x: 1\n").unwrap();
        std::fs::write(hv.join("notes.txt"), "n").unwrap();
        std::fs::write(hv.join("bad.yml"), b"\xff\xfe").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("a.yml", hv.join("link.yml")).unwrap();
        std::fs::create_dir(dir.path().join("other")).unwrap();
        std::fs::write(dir.path().join("other/b.yml"), "y").unwrap();

        let mut found = Prefetch::start(dir.path()).finish();
        let (text, state) = found.take("host_vars", "a.yml").unwrap();
        assert_eq!(text.as_deref(), Some("x: 1\n"));
        assert!(matches!(state, OnDisk::File { exact: true, .. }));
        // Each read is handed out once; the rest is left to the usual read.
        assert!(found.take("host_vars", "a.yml").is_none());
        for name in ["notes.txt", "bad.yml", "link.yml", "missing.yml"] {
            assert!(found.take("host_vars", name).is_none(), "{name}");
        }
        assert!(found.take("other", "b.yml").is_none());
    }

    #[test]
    fn a_missing_base_reads_nothing() {
        let mut found = Prefetch::start(Path::new("/nonexistent/base")).finish();
        assert!(found.take("host_vars", "a.yml").is_none());
    }
}
