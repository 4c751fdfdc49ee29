//! Ember's state directory: the line-editor history and the HUD snapshots.
//!
//! The directory is `EMBER_STATE_DIR`, else `$XDG_STATE_HOME/ember`, else
//! `~/.local/state/ember` (mode 0700). Each running REPL keeps a small
//! `hud-<pid>.state` file (key=value lines) up to date; `ember-repl hud`
//! reads the freshest one whose process is alive, so the status bar shows
//! the live REPL's model and health without talking to it.
//!
//! The folder is trusted only when it is ours: an existing one owned by
//! someone else is not used (anyone able to plant a link there could make
//! us overwrite its target), and ours is tightened to 0700 through a
//! descriptor of the folder itself, never by following a path again.
//! Snapshots are written through the shared write primitive
//! ([`shared::write`]: a fresh temp file renamed over the target, so a
//! planted `hud-N.tmp` is never written through, and a link only to a
//! regular file inside the state folder is followed) and read only when
//! they are regular files of at most [`MAX_SNAPSHOT`] bytes.

use crate::safe_read;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// A snapshot is a few short lines; anything bigger is not one.
pub const MAX_SNAPSHOT: u64 = 64 * 1024;

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

/// Creates the directory (0700) if needed; an existing one must be a
/// folder owned by us, and is made private. Err says why it cannot be used.
pub fn ensure_dir(dir: &Path) -> Result<(), String> {
    let shown = dir.display();
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("state folder {shown} cannot be created ({e})"))?;
    let folder = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY)
        .open(dir)
        .map_err(|e| format!("state folder {shown} cannot be opened ({e})"))?;
    let meta = folder
        .metadata()
        .map_err(|e| format!("state folder {shown} cannot be read ({e})"))?;
    let me = crate::os::euid();
    if meta.uid() != me {
        return Err(format!(
            "state folder {shown} belongs to user {}, not to us",
            meta.uid()
        ));
    }
    if meta.mode() & 0o077 != 0 {
        folder
            .set_permissions(std::fs::Permissions::from_mode(0o700))
            .map_err(|e| format!("state folder {shown} cannot be made private ({e})"))?;
    }
    Ok(())
}

/// The snapshot file of process `pid`.
pub fn snapshot_path(dir: &Path, pid: u32) -> PathBuf {
    dir.join(format!("hud-{pid}.state"))
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
    shared::write::write_file(path, body.as_bytes(), &private_policy(path))
}

/// How Ember writes into its folders: new files 0600, links followed only
/// to regular files in the same folder, no folder created, nothing written
/// into a device or FIFO.
pub fn private_policy(path: &Path) -> shared::write::Policy<'_> {
    shared::write::Policy {
        root: path.parent(),
        create_dirs: false,
        mode: 0o600,
        streams: false,
    }
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
    crate::os::process_exists(pid)
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
        // Only regular files, as listed (no link followed, no FIFO opened).
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found.into_iter().find_map(|(_, p)| {
        let bytes = safe_read::read_capped(&p, MAX_SNAPSHOT).ok()?;
        parse(&String::from_utf8_lossy(&bytes)).filter(|s| alive(s.pid))
    })
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
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&d), 0o700);
        // An existing folder of ours is made private.
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        ensure_dir(&d).expect("again");
        assert_eq!(mode(&d), 0o700);
        let file = tmp.path().join("file");
        std::fs::write(&file, "").expect("write");
        assert!(ensure_dir(&file)
            .expect_err("file")
            .contains("cannot be created"));
        // Someone else's folder (root's /, when we are not root) is refused
        // and left as it is.
        if crate::os::euid() != 0 {
            let e = ensure_dir(Path::new("/")).expect_err("not ours");
            assert!(e.ends_with("belongs to user 0, not to us"), "{e}");
        }
    }

    #[test]
    fn planted_links_and_fifos_are_never_followed() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("state");
        ensure_dir(&dir).expect("mkdir");
        let victim = tmp.path().join("victim");
        std::fs::write(&victim, "keep").expect("write");
        let pid = std::process::id();
        for name in [
            format!("hud-{pid}.tmp"),
            format!(".hud-{pid}.state.tmp{pid}-0"),
        ] {
            std::os::unix::fs::symlink(&victim, dir.join(name)).expect("link");
        }
        let snap = Snapshot {
            pid,
            ..Snapshot::default()
        };
        write(&snapshot_path(&dir, pid), &snap).expect("write");
        assert_eq!(std::fs::read_to_string(&victim).expect("read"), "keep");
        assert_eq!(
            std::fs::metadata(snapshot_path(&dir, pid))
                .expect("meta")
                .permissions()
                .mode()
                & 0o777,
            0o600
        );
        // A link as the snapshot itself, to a file outside the folder, is
        // refused, not written through.
        std::fs::remove_file(snapshot_path(&dir, pid)).expect("rm");
        std::os::unix::fs::symlink(&victim, snapshot_path(&dir, pid)).expect("link");
        assert!(write(&snapshot_path(&dir, pid), &snap).is_err());
        assert_eq!(std::fs::read_to_string(&victim).expect("read"), "keep");
        // A FIFO snapshot is skipped, not waited on.
        std::fs::remove_file(snapshot_path(&dir, pid)).expect("rm");
        crate::testutil::mkfifo(&snapshot_path(&dir, pid));
        let start = std::time::Instant::now();
        assert_eq!(freshest_live(&dir), None);
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }
}
