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
    pub fn locate(remote: Option<&str>) -> Result<State, String> {
        let base = match std::env::var_os("ANKLUME_PRE_APPLY_STATE_DIR").filter(|d| !d.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
                Some(home) => Path::new(&home).join(".anklume/pre-apply-snapshots"),
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
        Ok(State { dir })
    }

    #[cfg(test)]
    pub fn at(dir: &Path) -> State {
        State {
            dir: dir.to_path_buf(),
        }
    }

    fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    /// Take the exclusive lock, waiting up to `$ANKLUME_SNAPSHOT_LOCK_TIMEOUT`
    /// seconds (default 300) for another run to finish.
    pub fn lock(&self) -> Result<Lock, String> {
        let wait = std::env::var("ANKLUME_SNAPSHOT_LOCK_TIMEOUT")
            .ok()
            .and_then(|s| s.parse().ok())
            .map_or(DEFAULT_LOCK_WAIT, Duration::from_secs);
        self.lock_within(wait)
    }

    fn lock_within(&self, wait: Duration) -> Result<Lock, String> {
        let path = self.path(".lock");
        let cannot = |e: &dyn std::fmt::Display| format!("cannot lock {}: {e}", path.display());
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
            if start.elapsed() >= wait {
                return Err(format!(
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
    pub fn latest(&self) -> Result<Option<String>, String> {
        let Some(text) = read_optional(&self.path("latest"))? else {
            return Ok(None);
        };
        let ts = text.trim();
        if is_timestamp(ts) {
            Ok(Some(ts.to_owned()))
        } else {
            Err(format!(
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

    /// The `history` lines (blank ones dropped); None when there is no file.
    pub fn history(&self) -> Result<Option<Vec<String>>, String> {
        Ok(read_optional(&self.path("history"))?.map(|text| {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()
        }))
    }

    /// Replace `history` with `names`.
    pub fn write_history(&self, names: &[String]) -> Result<(), String> {
        let mut text = names.join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        self.write("history", &text)
    }

    /// After a create: append the name to `history`, then point `latest`
    /// and `latest-scope` at it.
    pub fn record(&self, timestamp: &str, scope: &str) -> Result<(), String> {
        let mut history = self.history()?.unwrap_or_default();
        history.push(snapshot_name(timestamp));
        self.write_history(&history)?;
        self.write("latest", &format!("{timestamp}\n"))?;
        self.write("latest-scope", &format!("{scope}\n"))
    }

    fn write(&self, file: &str, text: &str) -> Result<(), String> {
        let path = self.path(file);
        let policy = shared::write::Policy::within(&self.dir);
        shared::write::write_file(&path, text.as_bytes(), &policy)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    }
}

fn read_optional(path: &Path) -> Result<Option<String>, String> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
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
    b.len() == 15
        && b[8] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 8 || c.is_ascii_digit())
        && chrono::NaiveDateTime::parse_from_str(s, "%Y%m%d-%H%M%S").is_ok()
}

/// A `rollback` argument: a timestamp, or a whole `pre-apply-…` name as
/// `make rollback-list` prints it. Returns the timestamp.
pub fn parse_timestamp(arg: &str) -> Result<String, String> {
    let ts = arg.strip_prefix(PREFIX).unwrap_or(arg);
    if is_timestamp(ts) {
        Ok(ts.to_owned())
    } else {
        Err(format!(
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
    fn record_and_read_back() {
        let d = tempfile::tempdir().unwrap();
        let s = State::at(&d.path().join("st"));
        assert_eq!(s.history().unwrap(), None);
        assert_eq!(s.latest().unwrap(), None);
        s.record("20250101-000000", "all").unwrap();
        s.record("20250102-000000", "pro").unwrap();
        assert_eq!(
            fs::read_to_string(d.path().join("st/history")).unwrap(),
            "pre-apply-20250101-000000\npre-apply-20250102-000000\n"
        );
        assert_eq!(
            fs::read_to_string(d.path().join("st/latest")).unwrap(),
            "20250102-000000\n"
        );
        assert_eq!(
            fs::read_to_string(d.path().join("st/latest-scope")).unwrap(),
            "pro\n"
        );
        fs::write(d.path().join("st/latest"), "; rm -rf /\n").unwrap();
        assert!(s.latest().is_err());
    }

    #[test]
    fn lock_is_exclusive_and_bounded() {
        let d = tempfile::tempdir().unwrap();
        let s = State::at(d.path());
        let held = s.lock_within(Duration::ZERO).unwrap();
        let e = s.lock_within(Duration::from_millis(250)).unwrap_err();
        assert!(
            e.starts_with("another snapshot-apply run still holds"),
            "{e}"
        );
        drop(held);
        assert!(s.lock_within(Duration::ZERO).is_ok());
    }
}
