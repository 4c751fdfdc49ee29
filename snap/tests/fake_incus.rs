//! `snap` argument handling and error paths, against a fake `incus` on PATH
//! that records its calls.

use std::path::Path;
use std::process::{Command, Output};

const LIST: &str = r#"[{"name":"web","project":"pro","status":"Running","type":"container","location":"none","snapshots":[]}]"#;

/// A fake incus: logs argv, answers `list` with LIST, fails when $FAIL is set.
fn fake_bin(dir: &Path) {
    let script = format!(
        "#!/bin/sh\necho \"$*\" >> \"{log}\"\n[ -n \"$FAIL\" ] && {{ echo 'Error: Get \"http://unix.socket/1.0\": connection refused' >&2; exit 1; }}\ncase \"$1\" in list) echo '{LIST}';; esac\nexit 0\n",
        log = dir.join("calls.log").display()
    );
    let path = dir.join("incus");
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn snap<S: AsRef<std::ffi::OsStr>>(dir: &Path, args: &[S], fail: bool) -> Output {
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut c = Command::new(env!("CARGO_BIN_EXE_snap"));
    c.args(args)
        .env("PATH", path)
        .env("HOSTNAME", "host")
        .env_remove("ANKLUME_INCUS_REMOTE");
    if fail {
        c.env("FAIL", "1");
    }
    c.output().unwrap()
}

fn calls(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("calls.log")).unwrap_or_default()
}

#[test]
fn create_resolves_project_with_one_listing() {
    let d = tempfile::tempdir().unwrap();
    fake_bin(d.path());
    let out = snap(d.path(), &["create", "web", "s1"], false);
    assert!(out.status.success());
    assert_eq!(
        calls(d.path()),
        "project list --format csv\nlist --all-projects --format json\nsnapshot create web s1 --project pro\n"
    );
}

#[test]
fn default_name_is_timestamped() {
    let d = tempfile::tempdir().unwrap();
    fake_bin(d.path());
    let out = snap(d.path(), &["create", "web"], false);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("Creating snapshot 'snap-"), "{stdout}");
    assert_eq!(
        "Creating snapshot 'snap-YYYYMMDD-HHMMSS'".len(),
        stdout.find(" for ").unwrap()
    );
}

#[test]
fn remote_prefixes_instance_and_listing() {
    let d = tempfile::tempdir().unwrap();
    fake_bin(d.path());
    let out = snap(d.path(), &["--remote", "lab", "delete", "web", "s1"], false);
    assert!(out.status.success());
    assert_eq!(
        calls(d.path()),
        "project list lab: --format csv\nlist lab: --all-projects --format json\nsnapshot delete lab:web s1 --project pro\n"
    );
}

#[test]
fn daemon_down_is_one_line_exit_1() {
    let d = tempfile::tempdir().unwrap();
    fake_bin(d.path());
    let out = snap(d.path(), &["list"], true);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "ERROR: Cannot connect to the Incus daemon. Check that incus is installed and you have socket access.\n"
    );
}

#[test]
fn usage_errors_and_help() {
    let d = tempfile::tempdir().unwrap();
    fake_bin(d.path());
    let out = snap::<&str>(d.path(), &[], false);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Usage: snap "));
    let out = snap(d.path(), &["restore", "web"], false);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "ERROR: Usage: snap restore [--force] <instance|self> <snap-name>\n"
    );
    let out = snap(d.path(), &["frobnicate"], false);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "ERROR: Unknown command: frobnicate. Run 'snap help' for usage.\n"
    );
    assert_eq!(calls(d.path()), "", "usage errors never reach incus");
}

#[test]
fn invalid_snapshot_name_never_reaches_incus() {
    let d = tempfile::tempdir().unwrap();
    fake_bin(d.path());
    let out = snap(d.path(), &["create", "web", "--bad"], false);
    assert_eq!(out.status.code(), Some(1));
    assert!(!calls(d.path()).contains("snapshot create"));
}

#[test]
fn help_anywhere_is_ours_and_never_reaches_incus() {
    let d = tempfile::tempdir().unwrap();
    fake_bin(d.path());
    for args in [
        &["delete", "web", "--help"][..],
        &["restore", "web", "-h"],
        &["create", "web", "--help"],
    ] {
        let out = snap(d.path(), args, false);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.starts_with("Usage: snap "), "{args:?}: {stdout}");
        assert!(!stdout.contains("Done"), "{args:?}");
    }
    assert_eq!(calls(d.path()), "");
}

#[test]
fn every_name_taking_command_checks_the_name_first() {
    let d = tempfile::tempdir().unwrap();
    fake_bin(d.path());
    for verb in ["create", "restore", "delete"] {
        for name in [".", "..", "a/b", "", "x\u{1b}y"] {
            let out = snap(d.path(), &[verb, "web", name], false);
            assert_eq!(out.status.code(), Some(1), "{verb} {name:?}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.starts_with("ERROR: invalid snapshot name '"),
                "{verb} {name:?}: {err}"
            );
        }
    }
    assert_eq!(calls(d.path()), "", "refused before any incus call");
}

#[test]
fn an_argument_that_is_not_utf8_is_an_error_not_a_panic() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().unwrap();
    fake_bin(tmp.path());
    let args = [
        OsStr::new("create"),
        OsStr::new("web"),
        OsStr::from_bytes(b"snap\xff"),
    ];
    let out = snap(tmp.path(), &args, false);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.starts_with("ERROR: "), "{stderr}");
    assert!(
        !calls(tmp.path()).contains("snapshot"),
        "{}",
        calls(tmp.path())
    );
}
