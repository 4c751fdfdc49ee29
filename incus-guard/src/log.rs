//! Log lines: `<ISO-8601 timestamp> message` (like `date -Iseconds`),
//! appended to the guard's log file and echoed on stdout.
//!
//! A log file we cannot write (not root, read-only /var) never stops the
//! guard: the line still reaches the terminal or the journal. Terminal
//! lines go through `shared::out`: a closed stdout (a reader gone, a
//! journal restarting) never stops a guard halfway through its work.

use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Logger {
    file: PathBuf,
}

impl Logger {
    pub fn new(file: PathBuf) -> Logger {
        Logger { file }
    }

    /// Timestamped on the terminal and in the file (the script's `log`).
    pub fn log(&self, msg: &str) {
        let line = stamped(msg);
        shared::outln!("{line}");
        self.append(&line);
    }

    /// Plain on the terminal (the script's `echo`), timestamped in the file,
    /// so that `start` prints what the script printed and the log file still
    /// keeps every deletion.
    pub fn note(&self, msg: &str) {
        shared::outln!("{msg}");
        self.append(&stamped(msg));
    }

    /// One write per line: O_APPEND keeps concurrent writers' lines whole.
    /// A log path that is a device, a FIFO or a dangling link is not
    /// written (shared::write's rules); the terminal still has the line.
    fn append(&self, line: &str) {
        let policy = shared::write::Policy::default();
        let _ = shared::write::append(&self.file, format!("{line}\n").as_bytes(), &policy);
    }
}

/// `2026-01-01T12:00:00+01:00 msg`.
pub fn stamped(msg: &str) -> String {
    format!("{} {msg}", timestamp())
}

/// Local time, seconds, numeric offset with a colon (`date -Iseconds`).
pub fn timestamp() -> String {
    chrono::Local::now()
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_looks_like_date_iseconds() {
        let t = timestamp();
        // 2026-01-01T00:00:00+00:00
        assert_eq!(t.len(), 25, "{t}");
        let b = t.as_bytes();
        assert_eq!(
            (b[4], b[7], b[10], b[13], b[16], b[22]),
            (b'-', b'-', b'T', b':', b':', b':')
        );
        assert!(b[19] == b'+' || b[19] == b'-', "{t}");
    }

    #[test]
    fn lines_are_appended_with_a_timestamp() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("guard.log");
        let log = Logger::new(path.clone());
        log.log("first");
        log.note("WATCHER: second");
        let text = std::fs::read_to_string(path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(&lines[0][25..], " first");
        assert_eq!(&lines[1][25..], " WATCHER: second");
    }

    #[test]
    fn unwritable_file_is_ignored() {
        Logger::new(PathBuf::from("/nonexistent-dir/x.log")).log("still printed");
    }

    /// A FIFO at the log path (the old `OpenOptions::open` waited forever
    /// for a reader) or a dangling link (its target was created) is not
    /// written: shared::write's rules.
    #[test]
    fn a_fifo_or_dangling_link_is_not_written() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("guard.log");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        Logger::new(fifo).log("not blocked");
        let link = d.path().join("link.log");
        std::os::unix::fs::symlink(d.path().join("elsewhere.log"), &link).unwrap();
        Logger::new(link).log("not followed");
        assert!(!d.path().join("elsewhere.log").exists());
    }
}
