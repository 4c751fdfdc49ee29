//! Managed sections: the generator owns the text between
//! `# === MANAGED BY infra.yml ===` and `# === END MANAGED ===`; everything
//! else in the file belongs to the user (upstream `_write_managed`).
//!
//! - a file with markers gets its first managed block replaced;
//! - a file without markers gets the block prepended (after a `---` line
//!   unless the file already starts with `---`);
//! - a new file is `---`, the block, and a "custom variables" comment.
//!
//! Upstream reads files in Python's text mode, which turns `\r\n` and `\r`
//! into `\n`; we do the same so the result is byte-identical. Unlike
//! upstream (re.sub), the block is inserted literally: backslashes in values
//! survive a re-run. Files are written through `shared::write` (links
//! followed only inside the base dir), all checked before the first write,
//! and skipped when nothing changed.

use py::universal_newlines;
use shared::write::{check, Policy, Target};
use shared::Error;
use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::Path;

pub const BEGIN: &str = "# === MANAGED BY infra.yml ===";
pub const END: &str = "# === END MANAGED ===";
const NOTICE: &str = "# Do not edit this section — it will be overwritten by `make sync`";

/// The managed block around the YAML text of its content.
pub fn block(yaml: &str) -> String {
    let body = yaml.trim_end_matches(py::is_space);
    // Room for what [`merge`] adds around a new file's block.
    concat(&[BEGIN, "\n", NOTICE, "\n", body, "\n", END], 40)
}

/// The pieces in one string (`format!` costs more for plain pieces), with
/// `spare` bytes of room.
fn concat(pieces: &[&str], spare: usize) -> String {
    let mut out = String::with_capacity(pieces.iter().map(|p| p.len()).sum::<usize>() + spare);
    pieces.iter().for_each(|p| out.push_str(p));
    out
}

/// Where the first managed block is: a line that is exactly `BEGIN`, then
/// the nearest line after it that is exactly `END`. Unlike upstream, a
/// marker inside a longer line (a comment quoting it) is not a marker.
pub fn find_block(text: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let start = find_line(bytes, BEGIN.as_bytes(), 0)?;
    let after = start + BEGIN.len();
    let end = find_line(bytes, END.as_bytes(), after)? + END.len();
    Some((start, end))
}

/// The first `line` at or after `from` that is a whole line of `text`.
/// memmem: str::find sets up a two-way searcher per call, a few percent
/// of a whole run over a thousand files. The markers are ASCII, so a byte
/// match is always on a character boundary.
fn find_line(text: &[u8], line: &[u8], mut from: usize) -> Option<usize> {
    let finder = memchr::memmem::Finder::new(line);
    loop {
        let at = finder.find(text.get(from..)?)? + from;
        let starts = at == 0 || text[at - 1] == b'\n';
        let ends = matches!(text.get(at + line.len()), None | Some(b'\n'));
        if starts && ends {
            return Some(at);
        }
        from = at + 1;
    }
}

/// The new file text, given the current text (None: no file yet).
pub fn merge(existing: Option<&str>, block: String) -> String {
    const NEW_HEAD: &str = "---\n";
    const NEW_TAIL: &str = "\n\n# Your custom variables below:\n";
    match existing {
        None => {
            // The block's own buffer, which [`block`] made big enough.
            let mut text = block;
            text.reserve(NEW_HEAD.len() + NEW_TAIL.len());
            text.insert_str(0, NEW_HEAD);
            text.push_str(NEW_TAIL);
            text
        }
        Some(text) => match find_block(text) {
            Some((start, end)) => concat(&[&text[..start], &block, &text[end..]], 0),
            None => {
                let prefix = if text.starts_with("---") { "" } else { "---\n" };
                concat(&[prefix, &block, "\n\n", text], 0)
            }
        },
    }
}

/// What was at a file's path before this run, as far as writing it goes.
#[derive(Debug, Clone)]
pub enum OnDisk {
    /// Nothing (or a dangling symlink).
    Absent,
    /// A file, read through any symlinks: `exact` when its text was read
    /// unchanged (no `\r` to normalise); its identity.
    File { exact: bool, id: (u64, u64) },
    /// Not known: the writer looks again.
    Unknown,
}

/// The file's current text as upstream reads it, None when it does not
/// exist (a dangling symlink counts as absent, as `Path.exists()` says),
/// and what the writer needs to know about the file: one open, one read.
pub fn read_with_state(path: &Path, shown: &str) -> Result<(Option<String>, OnDisk), Error> {
    // Only regular files up to [`READ_CAP`], opened without waiting, so
    // that a FIFO is refused rather than a read that never returns.
    let read = || shared::write::read_regular_meta(path, READ_CAP);
    let (bytes, meta) = match read() {
        Ok(r) => r,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((None, OnDisk::Absent)),
        // `Path.exists()` is also False when a parent is a file (ENOTDIR)
        // or a symlink loops; upstream then treats the file as new (the
        // write then says what is wrong).
        Err(e)
            if e.kind() != io::ErrorKind::PermissionDenied
                && e.raw_os_error().is_some()
                && !path.exists() =>
        {
            return Ok((None, OnDisk::Unknown))
        }
        Err(e) => return Err(Error::new(format!("cannot read {shown}: {e}"))),
    };
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::new(format!("cannot read {shown}: it is not UTF-8 text")))?;
    let exact = !text.contains('\r');
    let state = file_state(&meta, exact);
    let text = if exact {
        text
    } else {
        universal_newlines(&text)
    };
    Ok((Some(text), state))
}

/// The largest existing file read (generated files are a few kilobytes).
pub const READ_CAP: u64 = 64 << 20;

#[cfg(unix)]
fn file_state(meta: &fs::Metadata, exact: bool) -> OnDisk {
    use std::os::unix::fs::MetadataExt;
    OnDisk::File {
        exact,
        id: (meta.dev(), meta.ino()),
    }
}

#[cfg(not(unix))]
fn file_state(_: &fs::Metadata, _: bool) -> OnDisk {
    OnDisk::Unknown
}

/// How a file gets its new text, decided from what was read before the
/// first write of the run. A file is looked at again only when an earlier
/// write of the run may have changed it: two paths reaching one file
/// through links, or the same path twice.
#[derive(Debug, Clone)]
pub enum Action {
    /// The file already holds its new text: nothing to do.
    Keep,
    /// Written (replaced or created).
    Write,
    /// Written unless it holds its new text by then.
    Recheck,
}

/// Decides each file's [`Action`], in the order the files are written.
#[derive(Default)]
pub struct Actions {
    /// Identities of the existing files met so far.
    seen: HashSet<(u64, u64)>,
}

impl Actions {
    /// The action for a file found as `disk`; `same` says that its new
    /// text is the text read.
    pub fn decide(&mut self, disk: OnDisk, same: bool) -> Action {
        match disk {
            OnDisk::File { exact, id } if self.seen.insert(id) => {
                if exact && same {
                    Action::Keep
                } else {
                    Action::Write
                }
            }
            OnDisk::Absent => Action::Write,
            _ => Action::Recheck,
        }
    }
}

/// One file for [`write_all`]: where, what, its name in messages, and how.
pub struct Job<'a> {
    pub path: &'a Path,
    pub content: &'a str,
    pub shown: &'a str,
    pub action: &'a Action,
}

/// Fewer files than this are written on the calling thread.
const PARALLEL_FROM: usize = 64;

/// Carries out every job through `shared::write`, links followed only
/// inside `base`. Every file is checked before the first is written (a
/// refused link, a folder that is a file, a name too long: nothing is
/// written); then the missing folders are made, and the files written in
/// order, or on every core when no two of them are one file.
pub fn write_all(jobs: &[Job], base: &Path) -> Result<(), Error> {
    let policy = Policy::within(base);
    let failed = |shown: &str, e: io::Error| Error::new(format!("cannot write {shown}: {e}"));
    let mut targets = Vec::with_capacity(jobs.len());
    let mut files = HashSet::new();
    let mut distinct = true;
    for j in jobs {
        if matches!(j.action, Action::Keep) {
            targets.push(None);
            continue;
        }
        let t = check(j.path, &policy).map_err(|e| failed(j.shown, e))?;
        distinct &= files.insert(t.path().to_path_buf());
        targets.push(Some(t));
    }
    // Each missing folder once, here, rather than a look per file.
    let mut dirs: Vec<&Path> = Vec::new();
    for (j, t) in jobs.iter().zip(&targets) {
        let Some(t) = t.as_ref().filter(|t| !t.exists()) else {
            continue;
        };
        let dir = parent_dir(t.path());
        if !dirs.contains(&dir) {
            fs::create_dir_all(dir).map_err(|e| failed(j.shown, e))?;
            dirs.push(dir);
        }
    }
    let policy = Policy {
        create_dirs: false,
        ..policy
    };
    let one = |(j, t): (&Job, &Option<Target>)| -> Result<(), Error> {
        let Some(t) = t else { return Ok(()) };
        let content = j.content.as_bytes();
        if matches!(j.action, Action::Recheck)
            && t.exists()
            && shared::write::read_regular(t.path(), content.len() as u64)
                .is_ok_and(|old| old == content)
        {
            return Ok(());
        }
        t.write(content, &policy).map_err(|e| failed(j.shown, e))
    };
    if distinct && jobs.len() >= PARALLEL_FROM {
        let pairs: Vec<_> = jobs.iter().zip(&targets).collect();
        crate::par::map(&pairs, |&p| one(p)).into_iter().collect()
    } else {
        jobs.iter().zip(&targets).try_for_each(one)
    }
}

/// The folder a path's file is in (`.` for a bare name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// A unified diff from the current text to the new one (empty when equal).
pub fn unified_diff(old: Option<&str>, new: &str, shown: &str) -> String {
    let old = old.unwrap_or("");
    if old == new {
        return String::new();
    }
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .header(&format!("a/{shown}"), &format!("b/{shown}"))
        .to_string()
}

/// `str(Path(base) / part / …)`: pathlib drops empty and `.` components
/// and keeps exactly two leading slashes (POSIX), one for three or more.
pub fn display_path(base: &str, parts: &[&str]) -> String {
    DisplayBase::new(base).join(parts)
}

/// A base folder as pathlib prints it, for joining many paths to it.
pub struct DisplayBase {
    root: &'static str,
    /// The base's components, joined by `/`.
    comps: String,
}

impl DisplayBase {
    pub fn new(base: &str) -> Self {
        let root = if base.starts_with("//") && !base.starts_with("///") {
            "//"
        } else if base.starts_with('/') {
            "/"
        } else {
            ""
        };
        let comps: Vec<&str> = components(base).collect();
        DisplayBase {
            root,
            comps: comps.join("/"),
        }
    }

    /// [`display_path`] of this base and `parts`.
    pub fn join(&self, parts: &[&str]) -> String {
        let mut out = String::with_capacity(self.root.len() + self.comps.len() + 32);
        out.push_str(self.root);
        out.push_str(&self.comps);
        let mut first = self.comps.is_empty();
        for c in parts.iter().flat_map(|p| components(p)) {
            if !first {
                out.push('/');
            }
            first = false;
            out.push_str(c);
        }
        if out.is_empty() {
            ".".into()
        } else {
            out
        }
    }
}

/// The components pathlib keeps: not empty, not `.`.
fn components(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|c| !c.is_empty() && *c != ".")
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: &str = "# === MANAGED BY infra.yml ===\n# x\na: 1\n# === END MANAGED ===";

    #[test]
    fn new_file_layout() {
        assert_eq!(
            merge(None, B.into()),
            format!("---\n{B}\n\n# Your custom variables below:\n")
        );
    }

    #[test]
    fn replaces_only_first_block() {
        let old = format!("---\n{BEGIN}\nold\n{END}\nmine: 1\n{BEGIN}\nsecond\n{END}\n");
        let new = merge(Some(&old), B.into());
        assert_eq!(new, format!("---\n{B}\nmine: 1\n{BEGIN}\nsecond\n{END}\n"));
    }

    #[test]
    fn prepends_without_markers() {
        assert_eq!(
            merge(Some("x: 1\n"), B.into()),
            format!("---\n{B}\n\nx: 1\n")
        );
        assert_eq!(
            merge(Some("--- # doc\nx: 1\n"), B.into()),
            format!("{B}\n\n--- # doc\nx: 1\n")
        );
        let unterminated = format!("{BEGIN}\nno end\n");
        assert_eq!(
            merge(Some(&unterminated), B.into()),
            format!("---\n{B}\n\n{unterminated}")
        );
    }

    #[test]
    fn only_whole_line_markers_count() {
        let quoted = format!("# everything after '{BEGIN}' is generated\nmine: 1\n");
        let old = format!("{quoted}{BEGIN}\nold\n{END} trailing\n{END}\nafter: 2\n");
        assert_eq!(
            merge(Some(&old), B.into()),
            format!("{quoted}{B}\nafter: 2\n")
        );
        // A marker only inside a line: no block, the new one is prepended.
        assert_eq!(find_block(&quoted), None);
        assert_eq!(find_block(&format!("x{BEGIN}\n{END}")), None);
        assert_eq!(
            find_block(&format!("{BEGIN}\n{END}")),
            Some((0, BEGIN.len() + 1 + END.len()))
        );
    }

    #[test]
    fn backslashes_are_literal() {
        let b = format!("{BEGIN}\npath: C:\\new\\1\n{END}");
        let old = format!("---\n{BEGIN}\nx\n{END}\n");
        assert_eq!(merge(Some(&old), b.clone()), format!("---\n{b}\n"));
    }

    #[test]
    fn paths_print_like_pathlib() {
        assert_eq!(
            display_path(".", &["group_vars", "all.yml"]),
            "group_vars/all.yml"
        );
        assert_eq!(display_path("out/", &["a.yml"]), "out/a.yml");
        assert_eq!(display_path("./out//x/.", &["a.yml"]), "out/x/a.yml");
        assert_eq!(display_path("", &["a.yml"]), "a.yml");
        assert_eq!(display_path("//srv", &["a.yml"]), "//srv/a.yml");
        assert_eq!(display_path("///srv/../x", &["a.yml"]), "/srv/../x/a.yml");
    }
}
