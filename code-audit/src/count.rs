//! Line counting, the way `sum(1 for _ in open(path))` counts.
//!
//! Python's text mode uses universal newlines: `\n`, `\r\n` and a lone `\r`
//! each end a line, and a last line without terminator still counts. Nothing
//! else does (`str.splitlines` would also split on `\x0b`, `\x85`, `U+2028`…,
//! but file iteration does not). Counting bytes gives the same answer for
//! every UTF-8 file, and also counts files that are not UTF-8, which upstream
//! reported as 0 lines. A path that cannot be read (a folder matching the
//! glob, a dangling symlink, no permission) counts 0, as upstream.
//!
//! A file starting with a UTF-16 byte order mark is counted in 16-bit
//! units, so it has the lines its text has: counted as bytes, the `0x00`
//! after its last `\n` would make one line too many. (Upstream's UTF-8
//! reading failed on the mark and counted such files 0, like any file that
//! is not UTF-8; without a mark its count and ours agree.)
//!
//! Syscalls are the whole cost, so a file costs `open`, one `read`, `close`:
//! only regular files are opened (a FIFO or a device matching the glob
//! counts 0 instead of hanging the run, as it hung upstream), and for a
//! regular file a read shorter than the buffer means end of file.

use crate::walk::{self, Plan, Target};
use nix::fcntl::{openat, OFlag, AT_FDCWD};
use nix::sys::stat::Mode;
use std::fs::File;
use std::io::{ErrorKind, Read};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};
use std::thread;

/// Below this many files a single thread is faster than starting more.
const PARALLEL_FROM: usize = 256;
/// Files a thread claims at a time.
const BATCH: usize = 32;
const BUF: usize = 64 * 1024;

/// Line counts of `paths`, in the same order. Files are read in parallel
/// when there are enough of them to pay for the threads.
pub fn count_all(paths: &[Target]) -> Vec<u64> {
    let threads = if paths.len() < PARALLEL_FROM {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
    };
    if threads <= 1 {
        let mut buf = vec![0u8; BUF];
        let mut folder = Folder::default();
        return paths
            .iter()
            .map(|p| count_file(p, &mut buf, &mut folder))
            .collect();
    }
    let next = AtomicUsize::new(0);
    let results = Mutex::new(vec![0u64; paths.len()]);
    let work = || {
        let mut buf = vec![0u8; BUF];
        let mut folder = Folder::default();
        let mut done: Vec<(usize, u64)> = Vec::new();
        loop {
            let start = next.fetch_add(BATCH, Ordering::Relaxed);
            if start >= paths.len() {
                break;
            }
            let end = (start + BATCH).min(paths.len());
            for (i, p) in paths.iter().enumerate().take(end).skip(start) {
                done.push((i, count_file(p, &mut buf, &mut folder)));
            }
        }
        // A poisoned lock only means another worker panicked; the counts it
        // holds are still valid.
        let mut all = results.lock().unwrap_or_else(|e| e.into_inner());
        for (i, n) in done {
            if let Some(slot) = all.get_mut(i) {
                *slot = n;
            }
        }
    };
    std::thread::scope(|s| {
        for _ in 1..threads {
            // If the OS refuses a thread, the others (and this one) take its share.
            let _ = std::thread::Builder::new().spawn_scoped(s, work);
        }
        work();
    });
    results.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// The plan for `project` and the line count of each of its files, in the
/// plan's order. Files are counted while the walk is still listing others:
/// the walk hands them over in batches to counting threads, and the
/// walking thread joins them once the walk is done.
pub fn plan_and_count(project: &Path) -> (Plan, Vec<u64>) {
    let threads = thread::available_parallelism().map_or(1, |n| n.get().min(8));
    if threads <= 1 {
        let plan = walk::plan(project);
        let lines = count_all(&plan.paths);
        return (plan, lines);
    }
    let (tx, rx) = mpsc::channel::<Vec<(usize, Target)>>();
    let rx = Mutex::new(rx);
    let drain = || {
        let mut buf = vec![0u8; BUF];
        let mut folder = Folder::default();
        let mut done: Vec<(usize, u64)> = Vec::new();
        loop {
            // A poisoned lock only means another counter panicked.
            let batch = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
            let Ok(batch) = batch else {
                break;
            };
            for (i, target) in batch {
                done.push((i, count_file(&target, &mut buf, &mut folder)));
            }
        }
        done
    };
    thread::scope(|s| {
        // If the OS refuses a thread, the walking thread counts its share.
        let counters: Vec<_> = (1..threads)
            .filter_map(|_| thread::Builder::new().spawn_scoped(s, drain).ok())
            .collect();
        let mut batch = Vec::with_capacity(BATCH);
        let plan = walk::plan_with(project, &mut |i, target| {
            batch.push((i, target.clone()));
            if batch.len() == BATCH {
                let _ = tx.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
            }
        });
        if !batch.is_empty() {
            let _ = tx.send(batch);
        }
        drop(tx);
        let mut lines = vec![0u64; plan.paths.len()];
        let mine = drain();
        let theirs = counters.into_iter().filter_map(|c| c.join().ok());
        for (i, n) in theirs.flatten().chain(mine) {
            if let Some(slot) = lines.get_mut(i) {
                *slot = n;
            }
        }
        (plan, lines)
    })
}

/// Lines of one file, or 0 when it cannot be read to the end.
fn count_file(target: &Target, buf: &mut [u8], folder: &mut Folder) -> u64 {
    // The listing knows regular files; a symlink is followed with one stat.
    if !target.regular && !target.path.is_file() {
        return 0;
    }
    let Ok(mut file) = folder.open(&target.path) else {
        return 0;
    };
    let mut counter = FileCounter::default();
    loop {
        match file.read(buf) {
            Ok(0) => return counter.finish(),
            Ok(n) => {
                counter.feed(buf.get(..n).unwrap_or_default());
                // Linux fills a read from a regular file unless it hits the
                // end; this saves the second `read` that would return 0.
                if n < buf.len() {
                    return counter.finish();
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return 0,
        }
    }
}

/// The folder of the file opened last, held open: files come in listing
/// order, so most are opened relative to it, a one-name lookup instead of
/// a walk of the whole path.
#[derive(Default)]
struct Folder {
    path: PathBuf,
    fd: Option<OwnedFd>,
}

impl Folder {
    fn open(&mut self, path: &Path) -> std::io::Result<File> {
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
            return File::open(path);
        };
        // Compared as bytes: `Path`'s `==` parses both into components.
        if self.fd.is_none() || self.path.as_os_str() != dir.as_os_str() {
            self.fd = openat(
                AT_FDCWD,
                dir,
                OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
                Mode::empty(),
            )
            .ok();
            dir.clone_into(&mut self.path);
        }
        match &self.fd {
            Some(fd) => openat(fd, name, OFlag::O_RDONLY | OFlag::O_CLOEXEC, Mode::empty())
                .map(File::from)
                .map_err(std::io::Error::from),
            None => File::open(path),
        }
    }
}

/// Byte order of a file that starts with a UTF-16 mark.
#[derive(Debug, Clone, Copy)]
enum Utf16 {
    Le,
    Be,
}

/// A [`LineCounter`] that first looks for a UTF-16 byte order mark and, when
/// there is one, feeds it one byte per 16-bit unit (`\n`, `\r` or other).
#[derive(Debug, Default)]
pub struct FileCounter {
    lines: LineCounter,
    started: bool,
    utf16: Option<Utf16>,
    /// The first byte of a unit split between two chunks.
    odd: Option<u8>,
    units: Vec<u8>,
}

impl FileCounter {
    pub fn feed(&mut self, mut chunk: &[u8]) {
        if !self.started && !chunk.is_empty() {
            self.started = true;
            self.utf16 = match chunk {
                [0xff, 0xfe, ..] => Some(Utf16::Le),
                [0xfe, 0xff, ..] => Some(Utf16::Be),
                _ => None,
            };
            if self.utf16.is_some() {
                chunk = chunk.get(2..).unwrap_or_default();
            }
        }
        let Some(order) = self.utf16 else {
            return self.lines.feed(chunk);
        };
        self.units.clear();
        let mut rest = chunk;
        if let (Some(first), Some((&second, tail))) = (self.odd, chunk.split_first()) {
            self.units.push(unit_class(order, first, second));
            self.odd = None;
            rest = tail;
        }
        let mut pairs = rest.chunks_exact(2);
        for pair in &mut pairs {
            if let [a, b] = pair {
                self.units.push(unit_class(order, *a, *b));
            }
        }
        if let [last] = pairs.remainder() {
            self.odd = Some(*last);
        }
        self.lines.feed(&self.units);
    }

    /// The count; a lone byte at the end of a UTF-16 file is not a unit.
    pub fn finish(&self) -> u64 {
        self.lines.finish()
    }
}

/// The byte standing for one UTF-16 unit: `\n` and `\r` end lines, any
/// other unit is text.
fn unit_class(order: Utf16, a: u8, b: u8) -> u8 {
    let unit = match order {
        Utf16::Le => u16::from_le_bytes([a, b]),
        Utf16::Be => u16::from_be_bytes([a, b]),
    };
    match unit {
        0x0a => b'\n',
        0x0d => b'\r',
        _ => b'x',
    }
}

/// Universal-newline line counter fed chunk by chunk (a `\r\n` may straddle
/// two chunks).
#[derive(Debug, Default)]
pub struct LineCounter {
    lines: u64,
    /// The previous chunk ended with `\r`.
    pending_cr: bool,
    /// The last byte seen was `\n` or `\r` (or nothing was seen).
    at_line_start: bool,
    seen: bool,
}

impl LineCounter {
    pub fn feed(&mut self, chunk: &[u8]) {
        let Some(&last) = chunk.last() else {
            return;
        };
        let lf = bytecount::count(chunk, b'\n') as u64;
        // Most files have no `\r` at all: one fast search says so.
        let cr = match memchr::memchr(b'\r', chunk) {
            None => 0,
            Some(_) => bytecount::count(chunk, b'\r') as u64,
        };
        let mut crlf = 0u64;
        if cr > 0 || self.pending_cr {
            crlf = chunk.windows(2).filter(|w| *w == b"\r\n").count() as u64;
            if self.pending_cr && chunk.first() == Some(&b'\n') {
                crlf += 1;
            }
        }
        // Every `\n` and every `\r` ends a line, except a `\r` followed by `\n`.
        self.lines += (lf + cr).saturating_sub(crlf);
        self.pending_cr = last == b'\r';
        self.at_line_start = last == b'\n' || last == b'\r';
        self.seen = true;
    }

    pub fn finish(&self) -> u64 {
        if self.seen && !self.at_line_start {
            self.lines + 1
        } else {
            self.lines
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_opens_each_file_in_its_own_folder() {
        let dir = tempfile::tempdir().unwrap();
        for (sub, text) in [("a", "one\n"), ("b", "two\nlines\n")] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
            std::fs::write(dir.path().join(sub).join("f.yml"), text).unwrap();
        }
        let mut folder = Folder::default();
        let mut read = |sub: &str| {
            let mut text = String::new();
            folder
                .open(&dir.path().join(sub).join("f.yml"))
                .and_then(|mut f| f.read_to_string(&mut text))
                .map(|_| text)
        };
        assert_eq!(read("a").unwrap(), "one\n");
        assert_eq!(read("b").unwrap(), "two\nlines\n");
        assert_eq!(read("a").unwrap(), "one\n");
        assert!(read("missing").is_err());
        assert_eq!(read("b").unwrap(), "two\nlines\n");
    }

    fn count(bytes: &[u8]) -> u64 {
        let mut c = LineCounter::default();
        c.feed(bytes);
        c.finish()
    }

    #[test]
    fn matches_python_text_mode() {
        // Expected values are what CPython 3.11 prints for
        // `sum(1 for _ in open(path))` on these bytes.
        let cases: [(&[u8], u64); 11] = [
            (b"", 0),
            (b"x", 1),
            (b"x\n", 1),
            (b"a\rb", 2),
            (b"a\r\nb\r", 2),
            (b"\r\r\n", 2),
            (b"\n\n", 2),
            (b"a\xc2\x85b\xe2\x80\xa8c\x0cd\x0be\x1cf", 1),
            (b"\r", 1),
            (b"\r\n\r", 2),
            (b"\xef\xbb\xbfa", 1),
        ];
        for (bytes, want) in cases {
            assert_eq!(count(bytes), want, "{bytes:?}");
        }
    }

    fn count_file_bytes(bytes: &[u8], cut: usize) -> u64 {
        let mut c = FileCounter::default();
        c.feed(&bytes[..cut]);
        c.feed(&bytes[cut..]);
        c.finish()
    }

    #[test]
    fn utf16_with_a_mark_counts_its_text_lines() {
        let le: &[u8] = b"\xff\xfea\x00\n\x00b\x00\r\x00\n\x00c\x00";
        let be: &[u8] = b"\xfe\xff\x00a\x00\n\x00\n";
        // The mark is looked for in the first chunk, which for a regular
        // file is all of it up to the buffer size.
        for cut in 2..=le.len() {
            assert_eq!(count_file_bytes(le, cut), 3, "LE cut at {cut}");
        }
        for cut in 2..=be.len() {
            assert_eq!(count_file_bytes(be, cut), 2, "BE cut at {cut}");
        }
        // The mark alone is an empty text; without a mark, bytes as before.
        assert_eq!(count_file_bytes(b"\xff\xfe", 2), 0);
        assert_eq!(count_file_bytes(b"a\x00\n\x00", 2), 2);
        // U+0A0D and U+0D0A are text, not line ends.
        assert_eq!(count_file_bytes(b"\xff\xfe\x0d\x0a\x0a\x0d", 3), 1);
    }

    #[test]
    fn crlf_split_across_chunks_is_one_line() {
        let mut c = LineCounter::default();
        c.feed(b"a\r");
        c.feed(b"\nb\r");
        c.feed(b"");
        c.feed(b"\n");
        assert_eq!(c.finish(), 2);
    }

    #[test]
    fn every_split_point_gives_the_same_count() {
        let text = b"one\r\ntwo\rthree\n\r\nfour\r\r\nfive";
        for cut in 0..=text.len() {
            let mut c = LineCounter::default();
            c.feed(&text[..cut]);
            c.feed(&text[cut..]);
            assert_eq!(c.finish(), count(text), "cut at {cut}");
        }
    }

    #[test]
    fn unreadable_paths_count_zero_and_parallel_keeps_order() {
        let t = tempfile::tempdir().unwrap();
        let target = |path, regular| Target { path, regular };
        let mut paths = vec![
            target(t.path().to_path_buf(), false),
            target(t.path().join("missing"), false),
        ];
        for i in 0..600u64 {
            let p = t.path().join(format!("f{i}"));
            std::fs::write(&p, "x\n".repeat(i as usize % 7)).unwrap();
            paths.push(target(p, i % 2 == 0));
        }
        let got = count_all(&paths);
        assert_eq!(got[..2], [0, 0]);
        for (i, n) in got[2..].iter().enumerate() {
            assert_eq!(*n, i as u64 % 7);
        }
    }

    #[test]
    fn large_files_and_fifos() {
        let t = tempfile::tempdir().unwrap();
        let big = t.path().join("big");
        // 3 buffers and a bit, with a CRLF across the first boundary.
        let mut bytes = vec![b'x'; BUF - 1];
        bytes.extend_from_slice(b"\r\n");
        bytes.extend(b"line\n".repeat(2 * BUF / 5 + 7));
        std::fs::write(&big, &bytes).unwrap();
        let fifo = t.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        let mut paths = vec![Target {
            path: big,
            regular: true,
        }];
        if made.is_ok_and(|s| s.success()) {
            paths.push(Target {
                path: fifo,
                regular: false,
            });
        }
        let got = count_all(&paths);
        assert_eq!(got[0], 1 + 2 * BUF as u64 / 5 + 7);
        assert!(got[1..].iter().all(|&n| n == 0));
    }

    #[test]
    fn counting_while_walking_matches_walk_then_count() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        for (dir, ext, n) in [
            ("scripts", "py", 90),
            ("tests", "py", 40),
            ("roles/r/tasks", "yml", 300),
        ] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
            for i in 0..n {
                let text = "line\n".repeat(i % 11);
                std::fs::write(root.join(dir).join(format!("f{i}.{ext}")), text).unwrap();
            }
        }
        let (plan, lines) = plan_and_count(root);
        let expected = count_all(&walk::plan(root).paths);
        assert_eq!(plan.paths.len(), 430);
        assert_eq!(lines, expected);
        assert!(lines.contains(&10));
    }
}
