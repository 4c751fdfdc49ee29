//! `install` and `uninstall`: the binary at a stable path plus a systemd
//! drop-in that runs it after every Incus start.

use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use shared::cmd::{Cmd, CmdError};

use crate::config::Config;

/// `systemctl daemon-reload`; Err is the exit code to return.
fn daemon_reload() -> Result<(), i32> {
    match Cmd::new("systemctl").arg("daemon-reload").status_inherit() {
        Ok(0) => Ok(()),
        Ok(code) => {
            shared::eoutln!("ERROR: `systemctl daemon-reload` exited {code}");
            Err(code)
        }
        Err(e) => {
            shared::eoutln!("ERROR: {e}");
            Err(if matches!(e, CmdError::NotFound { .. }) {
                127
            } else {
                1
            })
        }
    }
}

/// Copy the running binary to `dest` (mode 755). Written beside and renamed
/// over, so a guard running from `dest` at that moment is not disturbed
/// (writing into a running executable fails with ETXTBSY).
fn copy_self(dest: &Path) -> io::Result<()> {
    let exe = std::env::current_exe()?;
    if let (Ok(a), Ok(b)) = (exe.canonicalize(), dest.canonicalize()) {
        if a == b {
            return Ok(()); // reinstalling from the installed copy
        }
    }
    let bytes = fs::read(&exe)?;
    let policy = shared::write::Policy {
        create_dirs: true,
        mode: 0o755,
        ..Default::default()
    };
    let target = shared::write::check(dest, &policy)?;
    target.write(&bytes, &policy)?;
    // An existing file keeps its mode when rewritten; the guard must run.
    fs::set_permissions(target.path(), fs::Permissions::from_mode(0o755))
}

pub fn install(cfg: &Config) -> i32 {
    shared::outln!("Installing Incus network guard...");
    if let Err(e) = copy_self(&cfg.install) {
        shared::eoutln!("ERROR: cannot install {}: {e}", cfg.install.display());
        return 1;
    }
    let policy = shared::write::Policy::default();
    let written = fs::create_dir_all(&cfg.dropin_dir).and_then(|()| {
        shared::write::write_file(&cfg.dropin, cfg.dropin_text().as_bytes(), &policy)
    });
    if let Err(e) = written {
        shared::eoutln!(
            "ERROR: cannot write the systemd drop-in {}: {e}",
            cfg.dropin.display()
        );
        return 1;
    }
    if let Err(code) = daemon_reload() {
        return code;
    }
    shared::outln!("Installed:");
    shared::outln!("  Guard script: {}", cfg.install.display());
    shared::outln!("  Systemd drop-in: {}", cfg.dropin.display());
    shared::outln!();
    shared::outln!("The guard will run automatically after every Incus startup.");
    shared::outln!("It removes any Incus bridge that conflicts with the host network.");
    0
}

/// Remove `path`; Ok(false) when it was not there.
fn remove(path: &Path) -> io::Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

pub fn uninstall(cfg: &Config) -> i32 {
    shared::outln!("Uninstalling Incus network guard...");
    // Drop-in first: systemd must never point at a binary that is gone.
    let mut removed = Vec::new();
    for (label, path) in [
        ("Systemd drop-in", &cfg.dropin),
        ("Guard script", &cfg.install),
    ] {
        match remove(path) {
            Ok(true) => removed.push((label, path)),
            Ok(false) => {}
            Err(e) => {
                shared::eoutln!("ERROR: cannot remove {}: {e}", path.display());
                return 1;
            }
        }
    }
    // Only when we emptied it; another drop-in there is someone else's.
    let _ = fs::remove_dir(&cfg.dropin_dir);
    if removed.is_empty() {
        shared::outln!("Nothing to remove: the guard is not installed.");
        return 0;
    }
    if removed.iter().any(|(label, _)| *label == "Systemd drop-in") {
        if let Err(code) = daemon_reload() {
            return code;
        }
    }
    shared::outln!("Removed:");
    for (label, path) in removed {
        shared::outln!("  {label}: {}", path.display());
    }
    shared::outln!();
    shared::outln!("Incus will start without the network guard.");
    0
}
