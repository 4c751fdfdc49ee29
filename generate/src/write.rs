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
//! survive a re-run. Writes are atomic and skipped when nothing changed.

use shared::fsutil::{replace_atomic, write_if_changed};
use shared::Error;
use std::collections::HashSet;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

pub const BEGIN: &str = "# === MANAGED BY infra.yml ===";
pub const END: &str = "# === END MANAGED ===";
const NOTICE: &str = "# Do not edit this section — it will be overwritten by `make sync`";

/// The managed block around the YAML text of its content.
pub fn block(yaml: &str) -> String {
    let body = yaml.trim_end_matches(crate::py::is_space);
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

/// Where the first managed block is: `BEGIN`, then the nearest `END`.
pub fn find_block(text: &str) -> Option<(usize, usize)> {
    // memmem: str::find sets up a two-way searcher per call, a few
    // percent of a whole run over a thousand files. The markers are ASCII,
    // so a byte match is always on a character boundary.
    let bytes = text.as_bytes();
    let start = memchr::memmem::find(bytes, BEGIN.as_bytes())?;
    let after = start + BEGIN.len();
    let end = memchr::memmem::find(bytes.get(after..)?, END.as_bytes())? + after + END.len();
    Some((start, end))
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

/// Python's universal newlines: `\r\n` and lone `\r` read as `\n`.
pub fn universal_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// What was at a file's path before this run, as far as writing it goes.
#[derive(Debug, Clone)]
pub enum OnDisk {
    /// Nothing (or a dangling symlink).
    Absent,
    /// A file, read through any symlinks: `exact` when its text was read
    /// unchanged (no `\r` to normalise); its identity, owner and
    /// permissions.
    File {
        exact: bool,
        id: (u64, u64),
        owner: (u32, u32),
        permissions: fs::Permissions,
    },
    /// Not known: the writer looks again.
    Unknown,
}

/// The file's current text as upstream reads it, None when it does not
/// exist (a dangling symlink counts as absent, as `Path.exists()` says),
/// and what the writer needs to know about the file: one open, one read.
pub fn read_with_state(path: &Path, shown: &str) -> Result<(Option<String>, OnDisk), Error> {
    // `fs::read`, keeping the metadata it asks for anyway.
    let read = || -> io::Result<(Vec<u8>, Option<fs::Metadata>)> {
        let mut file = fs::File::open(path)?;
        let meta = file.metadata().ok();
        let size = meta.as_ref().map_or(0, |m| m.len() as usize);
        let regular = meta.as_ref().is_some_and(fs::Metadata::is_file);
        Ok((read_all(&mut file, size, regular)?, meta))
    };
    let (bytes, meta) = match read() {
        Ok(r) => r,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((None, OnDisk::Absent)),
        // `Path.exists()` is also False when a parent is a file (ENOTDIR)
        // or a symlink loops; upstream then treats the file as new.
        Err(e) if e.kind() != io::ErrorKind::PermissionDenied && !path.exists() => {
            return Ok((None, OnDisk::Unknown))
        }
        Err(e) => return Err(Error::new(format!("cannot read {shown}: {e}"))),
    };
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::new(format!("cannot read {shown}: it is not UTF-8 text")))?;
    let exact = !text.contains('\r');
    let state = meta.map_or(OnDisk::Unknown, |m| file_state(&m, exact));
    let text = if exact {
        text
    } else {
        universal_newlines(&text)
    };
    Ok((Some(text), state))
}

/// The rest of a file expected to hold `size` bytes (`File::read_to_end`
/// would ask for the size and position again). A regular file is at its
/// end when a read returns less than asked for, which saves the read that
/// returns nothing; anything else is read until a read returns nothing.
fn read_all(file: &mut fs::File, size: usize, regular: bool) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; size.saturating_add(1)];
    let mut len = 0;
    loop {
        if len == buf.len() {
            buf.resize(buf.len().saturating_mul(2).max(8192), 0);
        }
        let asked = buf.len() - len;
        match file.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => {
                len += n;
                if regular && n < asked {
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(len);
    Ok(buf)
}

#[cfg(unix)]
fn file_state(meta: &fs::Metadata, exact: bool) -> OnDisk {
    use std::os::unix::fs::MetadataExt;
    OnDisk::File {
        exact,
        id: (meta.dev(), meta.ino()),
        owner: (meta.uid(), meta.gid()),
        permissions: meta.permissions(),
    }
}

#[cfg(not(unix))]
fn file_state(_: &fs::Metadata, _: bool) -> OnDisk {
    OnDisk::Unknown
}

/// How a file gets its new text, decided from what was read before the
/// first write of the run. A file is looked at again (as [`write`] does)
/// only when an earlier write of the run may have changed it: two paths
/// reaching one file through links, the same path twice, or a new file
/// reached through a symlink.
#[derive(Debug, Clone)]
pub enum Action {
    /// The file already holds its new text: nothing to do.
    Keep,
    /// A file no other path of the run reaches: replaced, keeping its
    /// permissions and owner.
    Replace {
        owner: (u32, u32),
        permissions: fs::Permissions,
    },
    /// Nothing at the path.
    Create,
    /// Anything else: look again.
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
            OnDisk::File {
                exact,
                id,
                owner,
                permissions,
            } if self.seen.insert(id) => {
                if exact && same {
                    Action::Keep
                } else {
                    Action::Replace { owner, permissions }
                }
            }
            OnDisk::Absent => Action::Create,
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

/// Carries out every job as [`Writer::write`] would in order. When no file
/// needs a second look and no new file's path is a symlink, the files are
/// distinct and nothing one write does can change another, so after the
/// folders are made (in order, on this thread) the files are written on
/// every core. On an error, the first failing file in order is reported;
/// files after it may have been written (each one whole).
pub fn write_all(jobs: &[Job]) -> Result<(), Error> {
    let mut writer = Writer::default();
    let simple =
        jobs.len() >= PARALLEL_FROM && jobs.iter().all(|j| !matches!(j.action, Action::Recheck));
    if simple {
        for j in jobs {
            if matches!(j.action, Action::Create) {
                writer.prepare_create(j.path, j.shown)?;
            }
        }
    }
    if !simple || writer.saw_symlink {
        for j in jobs {
            writer.write(j.path, j.content, j.shown, j.action)?;
        }
        return Ok(());
    }
    let results = crate::par::map(jobs, |j| match j.action {
        Action::Create => replace_atomic(j.path, j.content.as_bytes(), None)
            .map_err(|e| Error::new(format!("cannot write {}: {e}", j.shown))),
        _ => Writer::default()
            .write(j.path, j.content, j.shown, j.action)
            .map(drop),
    });
    results.into_iter().collect()
}

/// Carries out [`Action`]s in order: each folder is created once, and a
/// file already holding its text costs no system call at all.
#[derive(Default)]
pub struct Writer {
    /// Folders known to exist (a run writes into three).
    dirs: Vec<PathBuf>,
    /// Folders this run created: they hold no symlinks.
    created_dirs: Vec<PathBuf>,
    /// A new file's path was a (dangling) symlink.
    saw_symlink: bool,
}

impl Writer {
    /// Give `path` the text `content` as `action` says; returns whether it
    /// wrote.
    pub fn write(
        &mut self,
        path: &Path,
        content: &str,
        shown: &str,
        action: &Action,
    ) -> Result<bool, Error> {
        let failed = |e: io::Error| Error::new(format!("cannot write {shown}: {e}"));
        match action {
            Action::Keep => Ok(false),
            Action::Replace { owner, permissions } => {
                let target = follow_symlinks(path);
                replace_atomic(&target, content.as_bytes(), Some(permissions.clone()))
                    .map_err(failed)?;
                restore_owner(&target, Some(*owner));
                Ok(true)
            }
            Action::Create => {
                self.prepare_create(path, shown)?;
                if self.saw_symlink {
                    return write(path, content, shown);
                }
                replace_atomic(path, content.as_bytes(), None).map_err(failed)?;
                Ok(true)
            }
            Action::Recheck => write(path, content, shown),
        }
    }

    /// What a new file needs before it is written: its folder (made once),
    /// and, in a folder this run did not make, a look at whether its path
    /// is a dangling symlink (then every later file is written carefully).
    fn prepare_create(&mut self, path: &Path, shown: &str) -> Result<(), Error> {
        let failed = |e: io::Error| Error::new(format!("cannot write {shown}: {e}"));
        let dir = parent_dir(path);
        if !self.created_dirs.iter().any(|d| d == dir) {
            self.saw_symlink |= fs::read_link(path).is_ok();
        }
        if self.saw_symlink || self.dirs.iter().any(|d| d == dir) {
            return Ok(());
        }
        // `create_dir_all`, noting whether the folder is new.
        let fresh = match fs::create_dir(dir) {
            Ok(()) => true,
            Err(e) => {
                fs::create_dir_all(dir).map_err(failed)?;
                e.kind() == io::ErrorKind::NotFound
            }
        };
        if fresh {
            self.created_dirs.push(dir.to_path_buf());
        }
        self.dirs.push(dir.to_path_buf());
        Ok(())
    }
}

/// The folder a path's file is in (`.` for a bare name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Write `content` to `path` atomically unless it already holds exactly
/// that. A symlink is followed (its target is rewritten, as Python's
/// `write_text` does), and a rewritten file keeps its owner when we can.
pub fn write(path: &Path, content: &str, shown: &str) -> Result<bool, Error> {
    let target = follow_symlinks(path);
    let owner = owner_of(&target);
    let wrote = write_if_changed(&target, content.as_bytes())
        .map_err(|e| Error::new(format!("cannot write {shown}: {e}")))?;
    if wrote {
        restore_owner(&target, owner);
    }
    Ok(wrote)
}

fn follow_symlinks(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match fs::read_link(&p) {
            Ok(link) => {
                p = match p.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                }
            }
            Err(_) => break,
        }
    }
    p
}

#[cfg(unix)]
fn owner_of(path: &Path) -> Option<(u32, u32)> {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).ok().map(|m| (m.uid(), m.gid()))
}

#[cfg(unix)]
fn restore_owner(path: &Path, owner: Option<(u32, u32)>) {
    let Some((uid, gid)) = owner else { return };
    if owner_of(path) != Some((uid, gid)) {
        // Only root can give a file away; for anyone else this is a no-op.
        let _ = std::os::unix::fs::chown(path, Some(uid), Some(gid));
    }
}

#[cfg(not(unix))]
fn owner_of(_: &Path) -> Option<(u32, u32)> {
    None
}

#[cfg(not(unix))]
fn restore_owner(_: &Path, _: Option<(u32, u32)>) {}

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

    #[test]
    fn newlines_are_normalised() {
        assert_eq!(universal_newlines("a\r\nb\rc\n"), "a\nb\nc\n");
    }
}
