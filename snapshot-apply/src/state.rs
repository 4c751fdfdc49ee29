//! The state folder `~/.anklume/pre-apply-snapshots/`: `latest` (timestamp
//! of the last create), `latest-scope` (its `--limit` group or `all`) and
//! `history` (every snapshot name, oldest first), in the script's format.
//!
//! Every write replaces a file atomically, and commands that change state
//! hold an exclusive `flock` on `.lock` in the folder, so two runs (say a
//! `make apply` and a `make rollback-cleanup`) never interleave their
//! read-modify-write of `history`.

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use std::ffi::OsString;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Every snapshot this tool makes is named `pre-apply-<timestamp>`.
pub const PREFIX: &str = "pre-apply-";
/// How long a second run waits for the first before giving up.
const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(300);
const LOCK_POLL: Duration = Duration::from_millis(100);

/// The state folder of one Incus target (local daemon or a remote).
#[derive(Debug, Clone)]
pub struct State {
    dir: PathBuf,
    /// `$ANKLUME_SNAPSHOT_LOCK_TIMEOUT`, checked when a lock is waited for.
    lock_timeout: Option<String>,
}

/// The environment variables that place the state folder and time its
/// lock, read once by `main`.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// `$ANKLUME_PRE_APPLY_STATE_DIR`.
    pub state_dir: Option<OsString>,
    pub home: Option<OsString>,
    /// `$ANKLUME_SNAPSHOT_LOCK_TIMEOUT` (a value that is not UTF-8 counts
    /// as unset).
    pub lock_timeout: Option<String>,
}

impl Env {
    /// The variables, looked up through `var` (`std::env::var_os`).
    pub fn read(var: impl Fn(&str) -> Option<OsString>) -> Env {
        Env {
            state_dir: var("ANKLUME_PRE_APPLY_STATE_DIR"),
            home: var("HOME"),
            lock_timeout: var("ANKLUME_SNAPSHOT_LOCK_TIMEOUT").and_then(|v| v.into_string().ok()),
        }
    }
}

/// Held while a command changes snapshots or state; released on drop.
#[derive(Debug)]
pub struct Lock {
    _flock: Flock<File>,
}

impl State {
    /// `$ANKLUME_PRE_APPLY_STATE_DIR`, else `$HOME/.anklume/pre-apply-snapshots`.
    /// A remote gets its own subfolder: its snapshots live on another daemon,
    /// and one shared history would make `cleanup` count them against each other.
    pub fn locate(remote: Option<&str>, env: &Env) -> shared::Result<State> {
        let base = match env.state_dir.as_ref().filter(|d| !d.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => match env.home.as_ref().filter(|h| !h.is_empty()) {
                Some(home) => Path::new(home).join(".anklume/pre-apply-snapshots"),
                None => {
                    return Err(
                        "HOME is not set: cannot find ~/.anklume/pre-apply-snapshots \
                         (or set ANKLUME_PRE_APPLY_STATE_DIR)"
                            .into(),
                    )
                }
            },
        };
        let dir = match remote {
            Some(r) => base.join(format!("remote-{r}")),
            None => base,
        };
        Ok(State {
            dir,
            lock_timeout: env.lock_timeout.clone(),
        })
    }

    #[cfg(test)]
    pub fn at(dir: &Path) -> State {
        State {
            dir: dir.to_path_buf(),
            lock_timeout: None,
        }
    }

    fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    /// Take the exclusive lock, waiting up to `$ANKLUME_SNAPSHOT_LOCK_TIMEOUT`
    /// seconds (default 300) for another run to finish.
    pub fn lock(&self) -> shared::Result<Lock> {
        let wait = lock_wait(self.lock_timeout.as_deref());
        self.lock_within(wait)
    }

    /// The lock when it is free right now (for `list`, which can do
    /// without).
    pub fn try_lock(&self) -> Option<Lock> {
        self.lock_within(Duration::ZERO).ok()
    }

    fn lock_within(&self, wait: Duration) -> shared::Result<Lock> {
        let path = self.path(".lock");
        let cannot =
            |e: &dyn std::fmt::Display| shared::err!("cannot lock {}: {e}", path.display());
        fs::create_dir_all(&self.dir).map_err(|e| cannot(&e))?;
        let mut file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| cannot(&e))?;
        let start = Instant::now();
        let mut told = false;
        loop {
            match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
                Ok(flock) => return Ok(Lock { _flock: flock }),
                Err((f, Errno::EWOULDBLOCK | Errno::EINTR)) => file = f,
                Err((_, e)) => return Err(cannot(&e)),
            }
            if shared::interrupt::interrupted() {
                return Err(shared::err!(
                    "interrupted while waiting for {}",
                    path.display()
                ));
            }
            if start.elapsed() >= wait {
                return Err(shared::err!(
                    "another snapshot-apply run still holds {} after {}s; let it finish and \
                     try again (ANKLUME_SNAPSHOT_LOCK_TIMEOUT sets the wait)",
                    path.display(),
                    wait.as_secs()
                ));
            }
            if !told {
                crate::out::note(format!(
                    "waiting for another snapshot-apply run to finish (lock {})",
                    path.display()
                ));
                told = true;
            }
            std::thread::sleep(LOCK_POLL);
        }
    }

    /// The `latest` timestamp; None when there is no file. A file that does
    /// not hold a timestamp is an error rather than a name sent to Incus.
    pub fn latest(&self) -> shared::Result<Option<String>> {
        let Some(text) = read_optional(&self.path("latest"))? else {
            return Ok(None);
        };
        let ts = text.trim();
        if is_timestamp(ts) {
            Ok(Some(ts.to_owned()))
        } else {
            Err(shared::err!(
                "{} does not hold a YYYYMMDD-HHMMSS timestamp (it says '{}')",
                self.path("latest").display(),
                ts.escape_debug()
            ))
        }
    }

    /// `latest` as the script's `cat` saw it, for `list`'s marker only.
    pub fn latest_raw(&self) -> Option<String> {
        read_optional(&self.path("latest"))
            .ok()
            .flatten()
            .map(|s| s.trim().to_owned())
    }

    /// The `--limit` group of the last create (None: all hosts, or unknown).
    pub fn latest_scope(&self) -> Option<String> {
        read_optional(&self.path("latest-scope"))
            .ok()
            .flatten()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty() && s != "all")
    }

    /// The `history` entries (blank lines dropped); None when there is no file.
    pub fn history(&self) -> shared::Result<Option<Vec<Entry>>> {
        Ok(read_optional(&self.path("history"))?.map(|text| {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(Entry::parse)
                .collect()
        }))
    }

    /// Replace `history` with `entries`. Also the check that the folder
    /// can be written before anything is done in Incus: a run that could
    /// not record what it did must not do it.
    pub fn write_history(&self, entries: &[Entry]) -> shared::Result<()> {
        let mut text = String::with_capacity(entries.len() * 32);
        for e in entries {
            text.push_str(&e.text());
            text.push('\n');
        }
        self.write("history", &text)
    }

    /// Before the first snapshot of a create: `entries` (the history as
    /// read, maybe reconciled) plus `<name> in-progress`, written. If the
    /// run dies, the next one finds the mark and settles it.
    pub fn begin(&self, entries: &mut Vec<Entry>, timestamp: &str) -> shared::Result<()> {
        entries.push(Entry::Pending(snapshot_name(timestamp)));
        self.write_history(entries)
    }

    /// After a create: the mark becomes a plain name (or goes, when no
    /// snapshot was made: nothing to track), then `latest` and
    /// `latest-scope` point at it.
    pub fn finish(
        &self,
        mut entries: Vec<Entry>,
        timestamp: &str,
        scope: &str,
        created: bool,
    ) -> shared::Result<()> {
        let name = snapshot_name(timestamp);
        let pending = Entry::Pending(name.clone());
        if created {
            for e in entries.iter_mut().filter(|e| **e == pending) {
                *e = Entry::Done(name.clone());
            }
        } else {
            entries.retain(|e| *e != pending);
        }
        self.write_history(&entries)?;
        self.write("latest", &format!("{timestamp}\n"))?;
        self.write("latest-scope", &format!("{scope}\n"))
    }

    fn write(&self, file: &str, text: &str) -> shared::Result<()> {
        let path = self.path(file);
        let policy = shared::write::Policy::within(&self.dir);
        shared::write::write_file(&path, text.as_bytes(), &policy)
            .map_err(|e| shared::err!("cannot write {}: {e}", path.display()))
    }
}

/// `ANKLUME_SNAPSHOT_LOCK_TIMEOUT` in seconds; a value that is not a whole
/// number is said, and the default used.
fn lock_wait(value: Option<&str>) -> Duration {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => DEFAULT_LOCK_WAIT,
        Some(v) => v.parse().map(Duration::from_secs).unwrap_or_else(|_| {
            crate::out::warn(format!(
                "ANKLUME_SNAPSHOT_LOCK_TIMEOUT='{}' is not a whole number of seconds; using the default, {}",
                v.escape_debug(),
                DEFAULT_LOCK_WAIT.as_secs()
            ));
            DEFAULT_LOCK_WAIT
        }),
    }
}

fn read_optional(path: &Path) -> shared::Result<Option<String>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(shared::err!("cannot read {}: {e}", path.display())),
    }
}

/// The mark of a create that has not finished (`<name> in-progress`).
const PENDING_MARK: &str = " in-progress";

/// One line of `history`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A snapshot this tool made: `pre-apply-YYYYMMDD-HHMMSS`.
    Done(String),
    /// `<name> in-progress`: a create started and did not finish.
    Pending(String),
    /// Anything else: kept as written, never counted, never sent to Incus.
    Other(String),
}

impl Entry {
    pub fn parse(line: &str) -> Entry {
        if is_snapshot_name(line) {
            return Entry::Done(line.to_owned());
        }
        match line.strip_suffix(PENDING_MARK) {
            Some(name) if is_snapshot_name(name) => Entry::Pending(name.to_owned()),
            _ => Entry::Other(line.to_owned()),
        }
    }

    /// The snapshot name, for a line that holds one.
    pub fn name(&self) -> Option<&str> {
        match self {
            Entry::Done(n) | Entry::Pending(n) => Some(n),
            Entry::Other(_) => None,
        }
    }

    fn text(&self) -> String {
        match self {
            Entry::Done(n) | Entry::Other(n) => n.clone(),
            Entry::Pending(n) => format!("{n}{PENDING_MARK}"),
        }
    }
}

/// `pre-apply-<timestamp>`.
pub fn snapshot_name(timestamp: &str) -> String {
    format!("{PREFIX}{timestamp}")
}

/// Now, in local time, as the script's `date +%Y%m%d-%H%M%S`.
pub fn now_timestamp() -> String {
    chrono::Local::now().format("%Y%m%d-%H%M%S").to_string()
}

/// Exactly `YYYYMMDD-HHMMSS`, and a real date and time.
pub fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 15
        || b[8] != b'-'
        || !b
            .iter()
            .enumerate()
            .all(|(i, c)| i == 8 || c.is_ascii_digit())
    {
        return false;
    }
    // Digits only from here; no format parsing (cleanup reads every line).
    let num = |from: usize, to: usize| {
        b[from..to]
            .iter()
            .fold(0u32, |n, c| n * 10 + u32::from(c - b'0'))
    };
    chrono::NaiveDate::from_ymd_opt(num(0, 4) as i32, num(4, 6), num(6, 8)).is_some()
        && chrono::NaiveTime::from_hms_opt(num(9, 11), num(11, 13), num(13, 15)).is_some()
}

/// A `rollback` argument: a timestamp, or a whole `pre-apply-…` name as
/// `make rollback-list` prints it. Returns the timestamp.
pub fn parse_timestamp(arg: &str) -> shared::Result<String> {
    let ts = arg.strip_prefix(PREFIX).unwrap_or(arg);
    if is_timestamp(ts) {
        Ok(ts.to_owned())
    } else {
        Err(shared::err!(
            "invalid timestamp '{}': expected YYYYMMDD-HHMMSS, e.g. 20250219-143022 \
             (run 'make rollback-list' to see available snapshots)",
            arg.escape_debug()
        ))
    }
}

/// A history entry we may hand to Incus: `pre-apply-` and a valid timestamp.
pub fn is_snapshot_name(name: &str) -> bool {
    name.strip_prefix(PREFIX).is_some_and(is_timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn located_from_the_environment_main_read() {
        let both = Env {
            state_dir: Some("/s".into()),
            home: Some("/h".into()),
            lock_timeout: Some("7".into()),
        };
        let s = State::locate(None, &both).unwrap();
        assert_eq!(s.dir, PathBuf::from("/s"));
        assert_eq!(s.lock_timeout.as_deref(), Some("7"));
        let home = Env {
            state_dir: Some("".into()),
            home: Some("/h".into()),
            ..Env::default()
        };
        assert_eq!(
            State::locate(Some("r"), &home).unwrap().dir,
            PathBuf::from("/h/.anklume/pre-apply-snapshots/remote-r")
        );
        assert!(State::locate(None, &Env::default()).is_err());
    }

    #[test]
    fn timestamps() {
        assert!(is_timestamp("20250219-143022"));
        assert!(!is_timestamp("20251319-143022"), "month 13");
        assert!(!is_timestamp("2025021-1430222"));
        assert!(!is_timestamp("+2025021-143022"));
        assert!(!is_timestamp("20250219-14302٣"));
        assert!(!is_timestamp("20250219_143022"));
        assert!(is_timestamp(&now_timestamp()));
        assert!(is_snapshot_name("pre-apply-20250219-143022"));
        assert!(!is_snapshot_name("pre-apply--rf"));
        assert_eq!(
            parse_timestamp("pre-apply-20250219-143022").unwrap(),
            "20250219-143022"
        );
        assert!(parse_timestamp("--force").is_err());
    }

    #[test]
    fn begin_finish_and_read_back() {
        let d = tempfile::tempdir().unwrap();
        let s = State::at(&d.path().join("st"));
        assert_eq!(s.history().unwrap(), None);
        assert_eq!(s.latest().unwrap(), None);
        let history = || fs::read_to_string(d.path().join("st/history")).unwrap();
        let mut entries = Vec::new();
        s.begin(&mut entries, "20250101-000000").unwrap();
        assert_eq!(history(), "pre-apply-20250101-000000 in-progress\n");
        s.finish(entries, "20250101-000000", "all", true).unwrap();
        let mut entries = s.history().unwrap().unwrap();
        entries.push(Entry::Other("# a note".into()));
        s.begin(&mut entries, "20250102-000000").unwrap();
        s.finish(entries, "20250102-000000", "pro", true).unwrap();
        assert_eq!(
            history(),
            "pre-apply-20250101-000000\n# a note\npre-apply-20250102-000000\n"
        );
        assert_eq!(
            fs::read_to_string(d.path().join("st/latest")).unwrap(),
            "20250102-000000\n"
        );
        assert_eq!(
            fs::read_to_string(d.path().join("st/latest-scope")).unwrap(),
            "pro\n"
        );
        // Nothing created: the mark goes, nothing else changes in history.
        let mut entries = s.history().unwrap().unwrap();
        s.begin(&mut entries, "20250103-000000").unwrap();
        s.finish(entries, "20250103-000000", "all", false).unwrap();
        assert_eq!(history().lines().count(), 3);
        fs::write(d.path().join("st/latest"), "; rm -rf /\n").unwrap();
        assert!(s.latest().is_err());
    }

    /// State files go through shared::write: a link out of the state
    /// folder or to a device is refused, the device untouched.
    #[test]
    fn state_files_follow_the_write_rules() {
        use std::os::unix::fs::{symlink, FileTypeExt};
        let d = tempfile::tempdir().unwrap();
        let st = d.path().join("st");
        fs::create_dir(&st).unwrap();
        let s = State::at(&st);
        symlink("/dev/null", st.join("latest")).unwrap();
        let e = s.write("latest", "20250101-000000\n").unwrap_err();
        assert!(e.message().contains("/dev/null, a character device"), "{e}");
        assert!(fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device());
        fs::write(d.path().join("outside"), "keep").unwrap();
        symlink("../outside", st.join("history")).unwrap();
        assert!(s
            .write("history", "x\n")
            .unwrap_err()
            .message()
            .contains("outside"));
        assert_eq!(
            fs::read_to_string(d.path().join("outside")).unwrap(),
            "keep"
        );
    }

    #[test]
    fn lock_wait_values() {
        assert_eq!(lock_wait(None), DEFAULT_LOCK_WAIT);
        assert_eq!(lock_wait(Some(" 7 ")), Duration::from_secs(7));
        assert_eq!(lock_wait(Some("abc")), DEFAULT_LOCK_WAIT);
        assert_eq!(lock_wait(Some("-1")), DEFAULT_LOCK_WAIT);
    }

    #[test]
    fn entries() {
        let n = "pre-apply-20250101-000000";
        assert_eq!(Entry::parse(n), Entry::Done(n.into()));
        assert_eq!(
            Entry::parse(&format!("{n} in-progress")),
            Entry::Pending(n.into())
        );
        for other in [
            "--all",
            "pre-apply-x in-progress",
            "junk",
            "pre-apply-20251301-000000",
        ] {
            assert_eq!(Entry::parse(other), Entry::Other(other.into()));
            assert_eq!(Entry::parse(other).name(), None);
        }
    }

    #[test]
    fn lock_is_exclusive_and_bounded() {
        let d = tempfile::tempdir().unwrap();
        let s = State::at(d.path());
        let held = s.lock_within(Duration::ZERO).unwrap();
        let e = s.lock_within(Duration::from_millis(250)).unwrap_err();
        assert!(
            e.message()
                .starts_with("another snapshot-apply run still holds"),
            "{e}"
        );
        drop(held);
        assert!(s.lock_within(Duration::ZERO).is_ok());
    }
}
