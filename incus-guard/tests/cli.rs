//! Command line, install and uninstall: no root and no network needed
//! (temp paths, fake `systemctl` on PATH).

mod common;

use std::os::unix::fs::PermissionsExt;

use common::{stderr, stdout, Rig, BIN};

#[test]
fn no_argument_prints_usage_and_exits_1() {
    let out = Rig::new().run(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), "");
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn help_exits_0_with_the_same_text() {
    let rig = Rig::new();
    let none = rig.run(&[]);
    for flag in ["--help", "-h"] {
        let out = rig.run(&[flag]);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(stdout(&out), stdout(&none));
    }
}

#[test]
fn unknown_subcommand_goes_to_stderr() {
    let out = Rig::new().run(&["restart", "now"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "ERROR: Unknown subcommand: restart\nUsage: incus-guard <start|post-start|install|uninstall|status>\n"
    );
}

#[test]
fn install_copies_itself_and_writes_the_dropin() {
    let rig = Rig::new();
    let out = rig.run(&["install"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!(rig.redact(&stdout(&out)));
    let installed = rig.path("opt/incus-guard");
    assert_eq!(
        std::fs::read(&installed).unwrap(),
        std::fs::read(BIN).unwrap()
    );
    let mode = std::fs::metadata(&installed).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o755);
    assert_eq!(
        rig.redact(&std::fs::read_to_string(rig.path("dropin/network-guard.conf")).unwrap()),
        "[Service]\nExecStartPost=[RIG]/opt/incus-guard post-start\n"
    );
    assert_eq!(rig.calls(), "systemctl daemon-reload\n");

    // Again, and from the installed copy: same result.
    let again = rig
        .command(installed.to_str().unwrap(), &["install"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(stdout(&again), stdout(&out));
}

#[test]
fn install_reports_daemon_reload_failure_with_its_code() {
    let rig = Rig::new();
    rig.write("systemctl-rc", "3");
    let out = rig.run(&["install"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(stderr(&out), "ERROR: `systemctl daemon-reload` exited 3\n");
}

#[test]
fn install_into_an_impossible_path_fails_cleanly() {
    let rig = Rig::new();
    rig.write("file", "not a directory");
    let out = rig
        .command(BIN, &["install"])
        .env("INCUS_GUARD_INSTALL", rig.path("file/incus-guard"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        rig.redact(&stderr(&out))
            .starts_with("ERROR: cannot install [RIG]/file/incus-guard: "),
        "{}",
        stderr(&out)
    );
    assert_eq!(rig.calls(), "");
}

#[test]
fn uninstall_removes_what_install_put() {
    let rig = Rig::new();
    assert!(rig.run(&["install"]).status.success());
    let out = rig.run(&["uninstall"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!(rig.redact(&stdout(&out)));
    assert!(!rig.path("opt/incus-guard").exists());
    assert!(!rig.path("dropin").exists());
    assert_eq!(
        rig.calls(),
        "systemctl daemon-reload\nsystemctl daemon-reload\n"
    );

    let again = rig.run(&["uninstall"]);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(
        stdout(&again),
        "Uninstalling Incus network guard...\nNothing to remove: the guard is not installed.\n"
    );
}

#[test]
fn uninstall_keeps_other_dropins() {
    let rig = Rig::new();
    assert!(rig.run(&["install"]).status.success());
    rig.write("dropin/other.conf", "[Service]\n");
    assert!(rig.run(&["uninstall"]).status.success());
    assert!(rig.path("dropin/other.conf").exists());
    assert!(!rig.path("dropin/network-guard.conf").exists());
}

#[test]
fn bad_environment_never_fails_post_start() {
    let rig = Rig::new();
    let out = rig
        .command(BIN, &["post-start"])
        .env("INCUS_GUARD_BACKEND", "carrier-pigeon")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out)
        .ends_with(" ERROR: INCUS_GUARD_BACKEND=carrier-pigeon is not one of auto, netlink, ip\n"));

    let out = rig
        .command(BIN, &["status"])
        .env("INCUS_GUARD_SETTLE_MS", "soon")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "ERROR: INCUS_GUARD_SETTLE_MS=soon is not a whole number\n"
    );
}

/// `status > /dev/full`: the report lost is one error line and exit 1.
#[test]
fn status_into_a_full_disk_is_one_error_line() {
    let rig = Rig::new();
    let full = std::fs::File::options()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = rig.command(BIN, &["status"]).stdout(full).output().unwrap();
    assert_eq!(
        stderr(&out),
        "ERROR: cannot write the report to stdout: No space left on device (os error 28)\n"
    );
    assert_eq!(out.status.code(), Some(1));
}
