//! Trying a model in a child process before loading it in ours.
//!
//! Some files make llama.cpp abort the whole process (or eat memory without
//! end) on load or on the first prompt, in ways the header check cannot
//! foresee. So before a model is loaded in-process, `ember-repl probe`
//! loads it and generates one token in a child process of its own (its own
//! process group: the terminal's Ctrl-C reaches only us, and we kill it).
//! A child that dies, hangs, or holds more memory than a model of that size
//! needs for one token (its resident size is watched) marks the file bad; the verdict is cached by
//! path, size and mtime in the state folder, so a bad file is reported
//! once and then skipped by discovery, and a good one is probed once.
//! A child that fails politely (a file llama.cpp rejects with a message)
//! is not cached: the in-process load then gives the same message.

use crate::backend::LoadParams;
use crate::safe_read;
use std::collections::HashMap;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The child's exit code for an error it reported itself.
pub const EXIT_REPORTED: i32 = 3;
/// Name of the cache file in the state folder.
pub const CACHE_FILE: &str = "probe-cache";
const MAX_CACHE: u64 = 1024 * 1024;

/// The probe's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Safe to load in-process (loaded and generated, or failed politely).
    Safe,
    /// It would take the REPL down: why, for the "could not load" line.
    Bad(String),
    /// Ctrl-C while probing.
    Cancelled,
}

/// Size, modification time and change time (a `chmod` making an
/// unreadable file readable changes only the latter): a changed file is
/// tried again.
type Stamp = (u64, i64, i64);

fn stamp(path: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    Some((
        m.size(),
        m.mtime(),
        m.ctime() ^ m.mtime_nsec() ^ (m.ctime_nsec() << 32),
    ))
}

/// Verdicts by path, loaded from and saved to the state folder (in memory
/// only without one).
#[derive(Debug, Default)]
pub struct Cache {
    file: Option<PathBuf>,
    entries: HashMap<PathBuf, (Stamp, Option<String>)>,
}

impl Cache {
    /// The cache kept in `dir` (read now).
    pub fn load(dir: Option<&Path>) -> Cache {
        let file = dir.map(|d| d.join(CACHE_FILE));
        let mut cache = Cache {
            file,
            entries: HashMap::new(),
        };
        let Some(bytes) = cache
            .file
            .as_deref()
            .and_then(|f| safe_read::read_capped(f, MAX_CACHE).ok())
        else {
            return cache;
        };
        for line in String::from_utf8_lossy(&bytes).lines() {
            if let Some((path, entry)) = parse_line(line) {
                cache.entries.insert(path, entry);
            }
        }
        cache
    }

    /// The cache file, for discovery's stamp.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// Why `path` is known bad, if it is (and has not changed since).
    pub fn bad(&self, path: &Path) -> Option<String> {
        // Hashing a path parses it: skip that in the usual, empty case.
        if self.entries.is_empty() {
            return None;
        }
        let (at, why) = self.entries.get(path)?;
        why.clone().filter(|_| stamp(path) == Some(*at))
    }

    /// Whether `path` was probed good and has not changed since.
    pub fn good(&self, path: &Path) -> bool {
        self.entries
            .get(path)
            .is_some_and(|(at, why)| why.is_none() && stamp(path) == Some(*at))
    }

    /// Records a verdict and saves the cache (best effort).
    pub fn record(&mut self, path: &Path, bad: Option<String>) {
        let Some(at) = stamp(path) else { return };
        self.entries.insert(path.to_path_buf(), (at, bad));
        let Some(file) = &self.file else { return };
        let mut body = String::new();
        for (p, ((size, secs, nanos), why)) in &self.entries {
            let why = why
                .as_deref()
                .unwrap_or("")
                .replace(['\t', '\n', '\r'], " ");
            body.push_str(&format!(
                "{}\t{size}\t{secs}\t{nanos}\t{}\t{why}\n",
                hex(p.as_os_str().as_encoded_bytes()),
                if why.is_empty() { "ok" } else { "bad" }
            ));
        }
        let _ =
            shared::write::write_file(file, body.as_bytes(), &crate::state::private_policy(file));
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn parse_line(line: &str) -> Option<(PathBuf, (Stamp, Option<String>))> {
    let mut f = line.splitn(6, '\t');
    let path = unhex(f.next()?)?;
    let size = f.next()?.parse().ok()?;
    let secs = f.next()?.parse().ok()?;
    let nanos = f.next()?.parse().ok()?;
    let bad = match (f.next()?, f.next().unwrap_or("")) {
        ("ok", _) => None,
        ("bad", why) => Some(why.to_owned()),
        _ => return None,
    };
    use std::os::unix::ffi::OsStringExt;
    let path = PathBuf::from(std::ffi::OsString::from_vec(path));
    Some((path, ((size, secs, nanos), bad)))
}

/// How long a probe may take: a minute, plus a second per 100 MB to read.
fn time_limit(path: &Path) -> Duration {
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    Duration::from_secs(60 + size / 100_000_000)
}

/// How much memory a probe may hold: the model (mapped) and 4 GiB for the
/// context and buffers of a 512-token answer. A model that needs more to
/// answer one token is running away (the issue saw 13.5 GB in 60 s).
fn memory_limit(path: &Path) -> u64 {
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    size.saturating_add(4 << 30)
}

/// Resident bytes of process `pid` (0 when unknown).
fn resident(pid: u32) -> u64 {
    let statm = std::fs::read_to_string(format!("/proc/{pid}/statm")).unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let page = crate::os::page_size();
    pages.saturating_mul(page)
}

/// Runs `exe probe` on `params.model`, giving up on Ctrl-C (`cancel`).
pub fn run(exe: &Path, params: &LoadParams, cancel: &AtomicBool) -> Verdict {
    run_within(exe, params, cancel, memory_limit(&params.model))
}

/// [`run`], killing the child once it holds more than `max_resident` bytes.
fn run_within(exe: &Path, params: &LoadParams, cancel: &AtomicBool, max_resident: u64) -> Verdict {
    let limit = time_limit(&params.model);
    let mut cmd = Command::new(exe);
    cmd.arg("probe")
        .arg("--ctx")
        .arg(params.ctx.min(512).to_string())
        .arg("--threads")
        .arg(params.threads.to_string())
        .arg("--")
        .arg(&params.model)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        // ggml would attach gdb to print a backtrace when it aborts.
        .env("GGML_NO_BACKTRACE", "1")
        .process_group(0);
    let mut child = match cmd.spawn() {
        // Without a child we cannot probe; loading in-process is what
        // happened before probes existed.
        Err(_) => return Verdict::Safe,
        Ok(c) => c,
    };
    let stderr = child.stderr.take().map(|mut e| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = (&mut e).take(1 << 20).read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) => {}
            Err(_) => break None,
        }
        // Checked every 10 ms: a runaway cannot get far past the limit.
        if resident(child.id()) > max_resident {
            let _ = child.kill();
            let _ = child.wait();
            return Verdict::Bad(format!(
                "llama.cpp used more than {} MB of memory loading it and answering one token",
                max_resident >> 20
            ));
        }
        if cancel.load(Ordering::Relaxed) || start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            if cancel.load(Ordering::Relaxed) {
                return Verdict::Cancelled;
            }
            return Verdict::Bad(format!(
                "llama.cpp did not finish loading it and answering one token within {} s",
                limit.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let said = stderr.and_then(|t| t.join().ok()).unwrap_or_default();
    let Some(status) = status else {
        return Verdict::Safe;
    };
    if status.success() || status.code() == Some(EXIT_REPORTED) {
        return Verdict::Safe;
    }
    let last = said
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        // An assertion's source path says nothing to an operator.
        .map(|l| l.find("GGML_ASSERT(").and_then(|i| l.get(i..)).unwrap_or(l))
        .map(|l| {
            crate::render::sanitize_name(l)
                .chars()
                .take(200)
                .collect::<String>()
        });
    let how = match status.signal() {
        Some(sig) => format!("llama.cpp crashed on it (signal {sig})"),
        None => format!(
            "llama.cpp crashed on it (exit {})",
            status.code().unwrap_or(-1)
        ),
    };
    Verdict::Bad(match last {
        Some(l) => format!("{how}: {l}"),
        None => how,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn cache_round_trips_and_forgets_changed_files() {
        let tmp = tempfile::tempdir().expect("tmp");
        let model = tmp.path().join("odd\tname\n.gguf");
        std::fs::write(&model, "GGUF").expect("write");
        let good = tmp.path().join("good.gguf");
        std::fs::write(&good, "GGUF").expect("write");
        let mut c = Cache::load(Some(tmp.path()));
        c.record(&model, Some("crashed\t(signal 6)".into()));
        c.record(&good, None);
        let c = Cache::load(Some(tmp.path()));
        assert_eq!(c.bad(&model).as_deref(), Some("crashed (signal 6)"));
        assert!(c.good(&good) && c.bad(&good).is_none());
        let mode = std::fs::metadata(tmp.path().join(CACHE_FILE))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::write(&model, "GGUF but longer").expect("write");
        assert_eq!(c.bad(&model), None);
        assert!(Cache::load(None).bad(&model).is_none());
    }

    #[test]
    fn a_child_that_dies_is_bad_and_one_that_hangs_can_be_cancelled() {
        let tmp = tempfile::tempdir().expect("tmp");
        let params = LoadParams {
            model: tmp.path().join("m.gguf"),
            threads: 1,
            ctx: 512,
            batch: 16,
            rope_freq_base: None,
            rope_freq_scale: None,
        };
        let script = |name: &str, body: &str| {
            let p = tmp.path().join(name);
            std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).expect("write");
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
            p
        };
        let flag = AtomicBool::new(false);
        let abort = script(
            "abort",
            "echo 'GGML_ASSERT(n > 0) failed' >&2; kill -ABRT $$",
        );
        assert_eq!(
            run(&abort, &params, &flag),
            Verdict::Bad("llama.cpp crashed on it (signal 6): GGML_ASSERT(n > 0) failed".into())
        );
        let polite = script("polite", &format!("exit {EXIT_REPORTED}"));
        assert_eq!(run(&polite, &params, &flag), Verdict::Safe);
        let hang = script("hang", "exec sleep 30");
        let setter = std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(100));
                flag.store(true, Ordering::SeqCst);
            });
            let start = Instant::now();
            let v = run(&hang, &params, &flag);
            (v, start.elapsed())
        });
        assert_eq!(setter.0, Verdict::Cancelled);
        assert!(setter.1 < Duration::from_secs(5));
    }

    #[test]
    fn a_child_that_eats_memory_is_stopped_and_bad() {
        if Command::new("python3").arg("-c").arg("").status().is_err() {
            eprintln!("SKIPPED: python3 not installed");
            return;
        }
        let tmp = tempfile::tempdir().expect("tmp");
        let params = LoadParams {
            model: tmp.path().join("m.gguf"),
            threads: 1,
            ctx: 512,
            batch: 16,
            rope_freq_base: None,
            rope_freq_scale: None,
        };
        let p = tmp.path().join("greedy");
        std::fs::write(
            &p,
            "#!/bin/sh\nexec python3 -c 'import time\nx = []\nwhile True:\n    x.append(bytearray(8 << 20))\n    time.sleep(0.01)'\n",
        )
        .expect("write");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let start = Instant::now();
        let v = run_within(&p, &params, &AtomicBool::new(false), 64 << 20);
        assert_eq!(
            v,
            Verdict::Bad(
                "llama.cpp used more than 64 MB of memory loading it and answering one token"
                    .into()
            )
        );
        assert!(start.elapsed() < Duration::from_secs(20));
        assert!(memory_limit(Path::new("/nonexistent")) == 4 << 30);
    }
}
