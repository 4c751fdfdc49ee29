//! Ember's state directory: the line-editor history and the HUD snapshots.
//!
//! The directory is `EMBER_STATE_DIR`, else `$XDG_STATE_HOME/ember`, else
//! `~/.local/state/ember` (mode 0700). Each running REPL keeps a small
//! `hud-<pid>.state` file (key=value lines) up to date; `ember-repl hud`
//! reads the freshest one whose process is alive, so the status bar shows
//! the live REPL's model and health without talking to it.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// What the HUD shows about a running REPL.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    pub pid: u32,
    pub vault: PathBuf,
    pub vault_state: String,
    pub model: Option<PathBuf>,
    pub model_state: String,
    pub health: String,
    pub error: String,
}

/// The state directory for this environment.
pub fn dir(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    if let Some(d) = get("EMBER_STATE_DIR") {
        return Some(PathBuf::from(d));
    }
    if let Some(d) = get("XDG_STATE_HOME") {
        return Some(PathBuf::from(d).join("ember"));
    }
    get("HOME").map(|h| PathBuf::from(h).join(".local/state/ember"))
}

/// Creates the directory (0700) if needed.
pub fn ensure_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// The snapshot file of process `pid`.
pub fn snapshot_path(dir: &Path, pid: u32) -> PathBuf {
    dir.join(format!("hud-{pid}.state"))
}

/// Creates `path` with mode 0600 if missing and tightens it if it exists.
pub fn private_file(path: &Path) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

/// Writes `snap` (temp file + rename; no fsync: it is refreshed constantly).
pub fn write(path: &Path, snap: &Snapshot) -> std::io::Result<()> {
    let one_line = |s: &str| s.replace(['\n', '\r'], " ");
    let body = format!(
        "pid={}\nvault={}\nvault_state={}\nmodel={}\nmodel_state={}\nhealth={}\nerror={}\n",
        snap.pid,
        one_line(&snap.vault.to_string_lossy()),
        one_line(&snap.vault_state),
        snap.model
            .as_deref()
            .map(|m| one_line(&m.to_string_lossy()))
            .unwrap_or_default(),
        one_line(&snap.model_state),
        one_line(&snap.health),
        one_line(&snap.error),
    );
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(body.as_bytes())?;
    std::fs::rename(&tmp, path)
}

/// Parses a snapshot; None when it is not one.
pub fn parse(text: &str) -> Option<Snapshot> {
    let mut s = Snapshot::default();
    for line in text.lines() {
        let (k, v) = line.split_once('=')?;
        match k {
            "pid" => s.pid = v.parse().ok()?,
            "vault" => s.vault = PathBuf::from(v),
            "vault_state" => s.vault_state = v.to_string(),
            "model" => s.model = (!v.is_empty()).then(|| PathBuf::from(v)),
            "model_state" => s.model_state = v.to_string(),
            "health" => s.health = v.to_string(),
            "error" => s.error = v.to_string(),
            _ => {}
        }
    }
    (s.pid != 0).then_some(s)
}

/// Whether process `pid` exists (signal 0 probes without sending anything).
pub fn alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: kill with signal 0 only checks for existence and permission.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// The newest snapshot of a live REPL in `dir`, by modification time.
pub fn freshest_live(dir: &Path) -> Option<Snapshot> {
    let entries = std::fs::read_dir(dir).ok()?;
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name().to_string_lossy().starts_with("hud-")
                && e.file_name().to_string_lossy().ends_with(".state")
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found
        .into_iter()
        .find_map(|(_, p)| parse(&std::fs::read_to_string(p).ok()?).filter(|s| alive(s.pid)))
}

/// Removes snapshots left by REPLs that died without cleaning up.
pub fn remove_stale(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("hud-")
            .and_then(|n| n.strip_suffix(".state"))
        else {
            continue;
        };
        if pid.parse().is_ok_and(|pid: u32| !alive(pid)) {
            let _ = std::fs::remove_file(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_finds_the_live_one() {
        let tmp = tempfile::tempdir().expect("tmp");
        let me = std::process::id();
        let snap = Snapshot {
            pid: me,
            vault: "/vault".into(),
            vault_state: "ready".into(),
            model: Some("/m/a.gguf".into()),
            model_state: "loaded".into(),
            health: "ok".into(),
            error: "multi\nline".into(),
        };
        write(&snapshot_path(tmp.path(), me), &snap).expect("write");
        // A dead REPL's file (pid far above pid_max) is ignored, then removed.
        let dead = Snapshot {
            pid: 999_999_999,
            ..snap.clone()
        };
        write(&snapshot_path(tmp.path(), dead.pid), &dead).expect("write");
        let got = freshest_live(tmp.path()).expect("live");
        assert_eq!(
            got,
            Snapshot {
                error: "multi line".into(),
                ..snap
            }
        );
        remove_stale(tmp.path());
        assert!(!snapshot_path(tmp.path(), dead.pid).exists());
        assert!(snapshot_path(tmp.path(), me).exists());
        assert_eq!(parse("garbage"), None);
    }

    #[test]
    fn directory_and_private_files() {
        let env = |k: &str| match k {
            "HOME" => Some("/home/op".to_string()),
            _ => None,
        };
        assert_eq!(
            dir(&env),
            Some(PathBuf::from("/home/op/.local/state/ember"))
        );
        let tmp = tempfile::tempdir().expect("tmp");
        let d = tmp.path().join("a/b");
        ensure_dir(&d).expect("mkdir");
        assert_eq!(
            std::fs::metadata(&d).expect("meta").permissions().mode() & 0o777,
            0o700
        );
        let f = d.join("history");
        std::fs::write(&f, "x").expect("write");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        private_file(&f).expect("private");
        assert_eq!(
            std::fs::metadata(&f).expect("meta").permissions().mode() & 0o777,
            0o600
        );
    }
}
