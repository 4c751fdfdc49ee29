//! Model discovery: which `.gguf` Ember will load, and what else is on disk.
//!
//! Order (as the Python runtime): `LLAMA_CPP_MODEL`, then `*.gguf` sorted by
//! name in `LLAMA_CPP_MODEL_DIR`, `./models`, `/srv/ember/models`,
//! `/opt/ember-app/models`, `/opt/llama.cpp/models`. The first existing file
//! wins. Discovery runs again before every load attempt, so a model dropped
//! into `./models` is picked up without a restart.
//!
//! One pass is linear: one listing per folder, file types from the listing
//! (a `stat` only for links), duplicates (the same file reached twice)
//! found by device and inode in a set. Models known to crash llama.cpp (see
//! `probe`) are left out, with the reason. [`Stamp`] lets the caller keep a
//! pass until a folder or the pinned file changes.

use crate::safe_read;
use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirEntryExt, MetadataExt};
use std::path::{Path, PathBuf};

/// Fixed directories searched after `LLAMA_CPP_MODEL_DIR` and `./models`.
pub const SYSTEM_DIRS: [&str; 3] = [
    "/srv/ember/models",
    "/opt/ember-app/models",
    "/opt/llama.cpp/models",
];

/// One model file and why it is on the list.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub path: PathBuf,
    pub origin: String,
}

/// The outcome of a discovery pass.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Discovery {
    /// Every usable candidate, in priority order, without duplicates.
    pub candidates: Vec<Candidate>,
    /// `LLAMA_CPP_MODEL` when it names no regular file, and what it names
    /// instead ("does not exist", "is a FIFO, not a regular file"): worth a
    /// warning.
    pub pinned_problem: Option<(PathBuf, String)>,
    /// Models left out because they failed a probe before, and why.
    pub skipped: Vec<(PathBuf, String)>,
}

impl Discovery {
    /// The model that would be loaded now.
    pub fn chosen(&self) -> Option<&Candidate> {
        self.candidates.first()
    }
}

/// What a discovery pass depends on: the pinned file and each folder, by
/// device, inode, size and change times. Equal stamps, equal passes (a
/// folder's mtime changes when an entry is added, removed or renamed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp(Vec<Option<[i64; 6]>>);

fn stat_key(path: &Path) -> Option<[i64; 6]> {
    let m = std::fs::metadata(path).ok()?;
    // Bit patterns only: compared, never used as numbers.
    #[allow(clippy::cast_possible_wrap)]
    Some([
        m.dev() as i64,
        m.ino() as i64,
        m.size() as i64,
        m.mtime(),
        m.mtime_nsec(),
        m.ctime_nsec(),
    ])
}

/// The stamp of a pass over `pinned`, `dirs`, and `extra` files (the probe
/// cache).
pub fn stamp(pinned: Option<&Path>, dirs: &[(PathBuf, String)], extra: &[&Path]) -> Stamp {
    let mut keys: Vec<Option<[i64; 6]>> = Vec::with_capacity(dirs.len() + 2);
    keys.push(pinned.and_then(stat_key));
    keys.extend(dirs.iter().map(|(d, _)| stat_key(d)));
    keys.extend(extra.iter().map(|p| stat_key(p)));
    Stamp(keys)
}

/// The search directories, in order, given the settings and the cwd.
pub fn search_dirs(model_dir: Option<&Path>, cwd: Option<&Path>) -> Vec<(PathBuf, String)> {
    let mut dirs = Vec::new();
    if let Some(d) = model_dir {
        dirs.push((d.to_path_buf(), "LLAMA_CPP_MODEL_DIR".to_string()));
    }
    let local = cwd.map_or_else(|| PathBuf::from("models"), |c| c.join("models"));
    dirs.push((local, "./models".to_string()));
    dirs.extend(
        SYSTEM_DIRS
            .iter()
            .map(|d| (PathBuf::from(d), (*d).to_string())),
    );
    dirs
}

/// Runs discovery over `pinned` (`LLAMA_CPP_MODEL`) and `dirs`; `bad`
/// says why a file must be skipped (a failed probe), if it must.
pub fn discover(
    pinned: Option<&Path>,
    dirs: &[(PathBuf, String)],
    bad: &dyn Fn(&Path) -> Option<String>,
) -> Discovery {
    let mut out = Discovery::default();
    let mut seen: HashSet<(u64, u64)> = HashSet::new();
    let mut offer = |out: &mut Discovery, path: PathBuf, id: (u64, u64), origin: &str| {
        if !seen.insert(id) {
            return;
        }
        match bad(&path) {
            Some(why) => out.skipped.push((path, why)),
            None => out.candidates.push(Candidate {
                path,
                origin: origin.to_owned(),
            }),
        }
    };
    if let Some(p) = pinned {
        match std::fs::metadata(p) {
            Ok(m) if m.is_file() => offer(
                &mut out,
                p.to_path_buf(),
                (m.dev(), m.ino()),
                "LLAMA_CPP_MODEL",
            ),
            Ok(m) => {
                let why = format!("is {}, not a regular file", safe_read::kind(&m));
                out.pinned_problem = Some((p.to_path_buf(), why));
            }
            Err(_) => out.pinned_problem = Some((p.to_path_buf(), "does not exist".into())),
        }
    }
    for (dir, origin) in dirs {
        for (path, id) in gguf_files(dir) {
            offer(&mut out, path, id, origin);
        }
    }
    out
}

/// `*.gguf` regular files (or links to them) in `dir`, sorted by name, each
/// with its device and inode.
pub fn gguf_files(dir: &Path) -> Vec<(PathBuf, (u64, u64))> {
    let mut names = gguf_names(dir);
    // By name as bytes: `Path`'s order would parse each path into
    // components, for the same result within one folder.
    names.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    names
        .into_iter()
        .filter_map(|(name, link, ino)| file_id(dir, &name, link, ino))
        .collect()
}

/// The model [`discover`] would choose, without listing the rest in order:
/// `ember-repl hud` needs only this one, every 2 s.
pub fn first(
    pinned: Option<&Path>,
    dirs: &[(PathBuf, String)],
    bad: &dyn Fn(&Path) -> Option<String>,
) -> Option<PathBuf> {
    if let Some(p) = pinned.filter(|p| p.is_file() && bad(p).is_none()) {
        return Some(p.to_path_buf());
    }
    let usable = |dir: &Path, (name, link, ino): &(OsString, bool, u64)| {
        let (path, _) = file_id(dir, name, *link, *ino)?;
        bad(&path).is_none().then_some(path)
    };
    for (dir, _) in dirs {
        // Usually the smallest name is the answer: one pass over the
        // listing, no name copied but the smallest so far.
        let Some(smallest) = smallest_gguf(dir) else {
            continue;
        };
        if let Some(path) = usable(dir, &smallest) {
            return Some(path);
        }
        let mut names = gguf_names(dir);
        names.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        if let Some(path) = names.iter().find_map(|n| usable(dir, n)) {
            return Some(path);
        }
    }
    None
}

/// Whether a listed name is a model's.
fn is_gguf(b: &[u8]) -> bool {
    b.len() > 5
        && b.get(b.len() - 5..)
            .is_some_and(|x| x.eq_ignore_ascii_case(b".gguf"))
}

/// The smallest `.gguf` name in `dir` that is a regular file or a link, as
/// [`gguf_names`] would list it, read with `readdir` in place: 3,000 names
/// cost no allocation each.
fn smallest_gguf(dir: &Path) -> Option<(OsString, bool, u64)> {
    use crate::os::EntryKind;
    use std::os::unix::ffi::OsStringExt;
    let mut best: Option<(Vec<u8>, bool, u64)> = None;
    let opened = crate::os::scan_dir(dir, |name, kind, ino| {
        let link = matches!(kind, EntryKind::Link | EntryKind::Unknown);
        if !is_gguf(name) || !(kind == EntryKind::File || link) {
            return;
        }
        if best.as_ref().is_none_or(|(b, _, _)| name < b.as_slice()) {
            best = Some((name.to_vec(), link, ino));
        }
    });
    if !opened {
        return None;
    }
    best.map(|(name, link, ino)| (OsString::from_vec(name), link, ino))
}

/// Names in `dir` ending in `.gguf` (any case) that are regular files or
/// links, with whether they are links and their inode; from the listing
/// alone, no `stat`.
fn gguf_names(dir: &Path) -> Vec<(OsString, bool, u64)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name();
            let gguf = is_gguf(name.as_bytes());
            let kind = e.file_type().ok()?;
            (gguf && (kind.is_file() || kind.is_symlink()))
                .then(|| (name, kind.is_symlink(), e.ino()))
        })
        .collect()
}

/// The path of a listed name and the file's identity (device, inode); a
/// link is followed (`stat`) and must lead to a regular file.
fn file_id(dir: &Path, name: &OsStr, link: bool, ino: u64) -> Option<(PathBuf, (u64, u64))> {
    let path = dir.join(name);
    if link {
        let m = std::fs::metadata(&path).ok().filter(|m| m.is_file())?;
        return Some((path, (m.dev(), m.ino())));
    }
    // A regular file lives on its folder's device; one `stat` per folder
    // would do, but the device only tells duplicates apart across folders.
    let dev = dir_dev(dir);
    Some((path, (dev, ino)))
}

fn dir_dev(dir: &Path) -> u64 {
    thread_local! {
        static LAST: std::cell::RefCell<Option<(PathBuf, u64)>> = const { std::cell::RefCell::new(None) };
    }
    LAST.with(|last| {
        if let Some((d, dev)) = &*last.borrow() {
            if d == dir {
                return *dev;
            }
        }
        let dev = std::fs::metadata(dir).map_or(0, |m| m.dev());
        *last.borrow_mut() = Some((dir.to_path_buf(), dev));
        dev
    })
}

/// Resolves `/model use <name|path>`: an existing path, else a discovered
/// model matched by file name or by name without `.gguf`.
pub fn resolve_identifier(id: &str, discovery: &Discovery, cwd: Option<&Path>) -> Option<PathBuf> {
    let direct = PathBuf::from(id);
    let direct = match (direct.is_absolute(), cwd) {
        (false, Some(c)) => c.join(&direct),
        _ => direct,
    };
    // Anything there is taken: the header check then says what it is.
    if std::fs::symlink_metadata(&direct).is_ok() {
        return Some(direct);
    }
    // Completion offers names as sanitised for the terminal: they match too.
    let same =
        |n: &std::ffi::OsStr| n == id || crate::render::sanitize_name(&n.to_string_lossy()) == id;
    let matches = |c: &&Candidate| {
        c.path.file_name().is_some_and(same) || c.path.file_stem().is_some_and(same)
    };
    discovery
        .candidates
        .iter()
        .find(matches)
        .map(|c| c.path.clone())
}

/// A short human size: `12.3 MB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    // Display only: f64 precision is plenty.
    #[allow(clippy::cast_precision_loss)]
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit < UNITS.len() - 1 {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path) {
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, b"GGUF").expect("write");
    }

    #[test]
    fn pinned_model_then_dirs_in_order_sorted() {
        let tmp = tempfile::tempdir().expect("tmp");
        let t = tmp.path();
        touch(&t.join("envdir/b.gguf"));
        touch(&t.join("envdir/a.gguf"));
        touch(&t.join("envdir/notes.txt"));
        touch(&t.join("cwd/models/c.GGUF"));
        touch(&t.join("pinned.gguf"));
        let dirs = search_dirs(Some(&t.join("envdir")), Some(&t.join("cwd")));
        assert_eq!(dirs[1].1, "./models");
        assert_eq!(dirs.len(), 5);

        let d = discover(Some(&t.join("pinned.gguf")), &dirs, &|_| None);
        let names: Vec<_> = d
            .candidates
            .iter()
            .map(|c| c.path.file_name().expect("name").to_owned())
            .collect();
        assert_eq!(names, ["pinned.gguf", "a.gguf", "b.gguf", "c.GGUF"]);
        assert_eq!(d.chosen().expect("chosen").origin, "LLAMA_CPP_MODEL");

        let d = discover(Some(&t.join("gone.gguf")), &dirs, &|_| None);
        assert_eq!(
            d.pinned_problem,
            Some((t.join("gone.gguf"), "does not exist".to_string()))
        );
        assert_eq!(d.chosen().expect("chosen").path, t.join("envdir/a.gguf"));
        // The pinned file found again in a directory is listed once.
        let d = discover(Some(&t.join("envdir/a.gguf")), &dirs, &|_| None);
        assert_eq!(d.candidates.len(), 3);

        assert_eq!(
            resolve_identifier("b", &d, None),
            Some(t.join("envdir/b.gguf"))
        );
        assert_eq!(
            resolve_identifier("b.gguf", &d, None),
            Some(t.join("envdir/b.gguf"))
        );
        let abs = t.join("pinned.gguf");
        assert_eq!(
            resolve_identifier(abs.to_str().expect("utf8"), &d, None),
            Some(abs)
        );
        assert_eq!(
            resolve_identifier("pinned.gguf", &d, Some(t)),
            Some(t.join("pinned.gguf"))
        );
        assert_eq!(resolve_identifier("zzz", &d, Some(t)), None);
        assert!(discover(None, &[], &|_| None).chosen().is_none());
    }

    #[test]
    fn special_files_links_and_known_bad_models() {
        let tmp = tempfile::tempdir().expect("tmp");
        let t = tmp.path();
        touch(&t.join("m/a.gguf"));
        touch(&t.join("m/b.gguf"));
        touch(&t.join("other/c.gguf"));
        std::os::unix::fs::symlink(t.join("m/b.gguf"), t.join("m/link.gguf")).expect("link");
        std::os::unix::fs::symlink(t.join("other/c.gguf"), t.join("m/to-c.gguf")).expect("link");
        std::os::unix::fs::symlink(t.join("none"), t.join("m/dangling.gguf")).expect("link");
        crate::testutil::mkfifo(&t.join("m/fifo.gguf"));
        std::fs::create_dir(t.join("m/dir.gguf")).expect("mkdir");
        let dirs = vec![
            (t.join("m"), "x".to_string()),
            (t.join("other"), "y".into()),
        ];
        let bad = |p: &Path| (p.file_name()? == "a.gguf").then(|| "crashed".to_string());
        let d = discover(Some(&t.join("m/fifo.gguf")), &dirs, &bad);
        let names: Vec<_> = d.candidates.iter().map(|c| c.path.clone()).collect();
        // link.gguf is b.gguf again; c.gguf was reached through to-c.gguf.
        assert_eq!(names, [t.join("m/b.gguf"), t.join("m/to-c.gguf")]);
        assert_eq!(d.skipped, [(t.join("m/a.gguf"), "crashed".to_string())]);
        assert_eq!(
            d.pinned_problem,
            Some((
                t.join("m/fifo.gguf"),
                "is a FIFO, not a regular file".into()
            ))
        );
        assert_eq!(
            first(Some(&t.join("m/fifo.gguf")), &dirs, &bad),
            Some(t.join("m/b.gguf"))
        );
        assert_eq!(
            first(Some(&t.join("m/a.gguf")), &dirs, &|_| None),
            Some(t.join("m/a.gguf"))
        );
        let s1 = stamp(None, &dirs, &[]);
        assert_eq!(s1, stamp(None, &dirs, &[]));
        std::fs::remove_file(t.join("m/b.gguf")).expect("rm");
        assert_ne!(s1, stamp(None, &dirs, &[]));
    }

    #[test]
    fn names_with_escapes_resolve_as_completion_shows_them() {
        let tmp = tempfile::tempdir().expect("tmp");
        touch(&tmp.path().join("m/x\x1b]2;T\x07y.gguf"));
        let dirs = vec![(tmp.path().join("m"), "x".to_string())];
        let d = discover(None, &dirs, &|_| None);
        let shown = crate::render::sanitize_name("x\x1b]2;T\x07y.gguf");
        assert_eq!(shown, "xy.gguf");
        assert_eq!(
            resolve_identifier(&shown, &d, None),
            Some(tmp.path().join("m/x\x1b]2;T\x07y.gguf"))
        );
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_size(12), "12 B");
        assert_eq!(human_size(12_345_678), "12.3 MB");
    }
}
