//! The line-editor history file (`EMBER_HISTORY_FILE`, else
//! `<state dir>/history`), kept by Ember rather than by rustyline.
//!
//! rustyline's own file handling opens the path as given: a history setting
//! pointing at `/dev/null` (through a link or not) got it `chmod 0600`, a
//! link to a text file got that file rewritten as a history, a dangling link
//! got its target created. Here the file is used only when it is missing
//! or a regular file we own that already is a history (`#V2` first line);
//! anything else turns history off with one warning. Each new line rewrites
//! the file through the shared write primitive ([`shared::write`]: a fresh
//! temp file renamed over it, a new file 0600, no device or outside link
//! ever written), and a concurrent session's lines, read back first, are
//! kept.

use crate::safe_read::{self, ReadError};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Lines kept, as rustyline's `max_history_size`.
pub const MAX_LINES: usize = 1000;
/// Largest history file read.
const MAX_BYTES: u64 = 8 * 1024 * 1024;
const HEADER: &str = "#V2";

/// A usable history file.
#[derive(Debug, Clone)]
pub struct HistoryFile {
    pub path: PathBuf,
}

impl HistoryFile {
    /// `path` if it can be used; Err is the warning to show.
    pub fn open(path: &Path) -> Result<(HistoryFile, Vec<String>), String> {
        let shown = path.display();
        let off = "; history is not saved this session";
        match std::fs::symlink_metadata(path) {
            Err(_) => {
                return Ok((
                    HistoryFile {
                        path: path.to_path_buf(),
                    },
                    Vec::new(),
                ))
            }
            Ok(m) if m.file_type().is_symlink() => {
                return Err(format!("history file {shown} is a link{off}"))
            }
            Ok(m) if !m.is_file() => {
                return Err(format!(
                    "history file {shown} is {}, not a regular file{off}",
                    safe_read::kind(&m)
                ))
            }
            Ok(m) if m.uid() != crate::os::euid() => {
                return Err(format!(
                    "history file {shown} belongs to user {}{off}",
                    m.uid()
                ))
            }
            Ok(_) => {}
        }
        let file = HistoryFile {
            path: path.to_path_buf(),
        };
        let lines = file.read().map_err(|e| format!("{e}{off}"))?;
        Ok((file, lines))
    }

    /// The entries in the file (oldest first).
    fn read(&self) -> Result<Vec<String>, String> {
        let shown = self.path.display();
        let bytes = match safe_read::read_capped(&self.path, MAX_BYTES) {
            Ok(b) => b,
            Err(ReadError::Missing) => return Ok(Vec::new()),
            Err(e) => return Err(format!("history file {shown} {e}")),
        };
        let text = String::from_utf8_lossy(&bytes);
        let mut lines = text.lines();
        match lines.next() {
            None => Ok(Vec::new()),
            Some(HEADER) => Ok(lines.map(unescape).collect()),
            Some(_) => Err(format!(
                "history file {shown} is not an Ember history (no {HEADER} first line)"
            )),
        }
    }

    /// Adds `line`, keeping the last [`MAX_LINES`] (with lines other
    /// sessions added meanwhile).
    pub fn append(&self, line: &str) -> Result<(), String> {
        let mut lines = self.read()?;
        lines.push(line.to_owned());
        let skip = lines.len().saturating_sub(MAX_LINES);
        let mut body = format!("{HEADER}\n");
        for l in lines.iter().skip(skip) {
            body.push_str(&escape(l));
            body.push('\n');
        }
        shared::write::write_file(
            &self.path,
            body.as_bytes(),
            &crate::state::private_policy(&self.path),
        )
        .map_err(|e| {
            format!(
                "history file {} cannot be written ({e})",
                self.path.display()
            )
        })
    }
}

/// rustyline's V2 escaping: `\` and newline as `\\` and `\n`.
fn escape(line: &str) -> String {
    line.replace('\\', "\\\\").replace('\n', "\\n")
}

fn unescape(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).expect("meta").permissions().mode() & 0o777
    }

    #[test]
    fn round_trips_and_keeps_the_last_lines_private() {
        let tmp = tempfile::tempdir().expect("tmp");
        let p = tmp.path().join("history");
        let (h, lines) = HistoryFile::open(&p).expect("open");
        assert!(lines.is_empty());
        h.append("a \\ b").expect("append");
        h.append("two\nlines").expect("append");
        assert_eq!(mode(&p), 0o600);
        let (h, lines) = HistoryFile::open(&p).expect("open");
        assert_eq!(lines, ["a \\ b", "two\nlines"]);
        for i in 0..MAX_LINES {
            h.append(&i.to_string()).expect("append");
        }
        let (_, lines) = HistoryFile::open(&p).expect("open");
        assert_eq!(lines.len(), MAX_LINES);
        assert_eq!(lines[0], "0");
    }

    #[test]
    fn links_devices_fifos_and_foreign_files_are_refused_untouched() {
        let tmp = tempfile::tempdir().expect("tmp");
        let t = tmp.path();
        let text = t.join("notes.txt");
        std::fs::write(&text, "line \\ one\n".repeat(1500)).expect("write");
        std::fs::set_permissions(&text, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        std::os::unix::fs::symlink(&text, t.join("link")).expect("link");
        std::os::unix::fs::symlink(t.join("gone"), t.join("dangling")).expect("link");
        std::os::unix::fs::symlink("/dev/null", t.join("null")).expect("link");
        crate::testutil::mkfifo(&t.join("fifo"));
        for (name, want) in [
            ("link", "is a link"),
            ("dangling", "is a link"),
            ("null", "is a link"),
            ("fifo", "is a FIFO, not a regular file"),
            ("notes.txt", "is not an Ember history"),
        ] {
            let e = HistoryFile::open(&t.join(name)).expect_err(name);
            assert!(e.contains(want), "{name}: {e}");
            assert!(e.ends_with("; history is not saved this session"), "{e}");
        }
        let e = HistoryFile::open(Path::new("/dev/null")).expect_err("dev");
        assert!(e.contains("is a character device"), "{e}");
        assert!(!t.join("gone").exists());
        assert_eq!(mode(&text), 0o644);
        assert_eq!(
            std::fs::read_to_string(&text).expect("read"),
            "line \\ one\n".repeat(1500)
        );
    }
}
