//! `snap` end to end on the real Incus rig: create, list (table and JSON),
//! restore with the file coming back, delete, and the self-restore guard.

use e2e::rig::{self, Project};
use std::process::{Command, Output, Stdio};

fn snap(args: &[&str], hostname: &str, stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_snap"))
        .args(args)
        .env("HOSTNAME", hostname)
        .env_remove("ANKLUME_INCUS_REMOTE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("snap runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn create_list_restore_delete() {
    if !rig::require() {
        return;
    }
    let p = Project::new("e2e-snapcli");
    // Unique across projects: snap resolves instances by name in all of them.
    let inst = &format!("{}-c", p.name());
    p.launch(inst, true);
    p.exec(inst, &["sh", "-c", "echo original > /root/f"]);

    let out = snap(&["create", inst, "cp1"], "elsewhere", "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!(
            "Creating snapshot 'cp1' for {inst} (project: {})...\nDone: {inst}/cp1\n",
            p.name()
        )
    );

    let out = snap(&["list", inst, "--json"], "elsewhere", "");
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["snapshot"], "cp1");
    assert_eq!(rows[0]["project"], p.name());

    let out = snap(&["list", inst], "elsewhere", "");
    assert!(
        text(&out.stdout).starts_with(&format!("Snapshots for {inst} (project: {}):\n", p.name()))
    );
    assert!(text(&out.stdout).contains("cp1"));

    p.exec(inst, &["sh", "-c", "echo changed > /root/f"]);
    // Restoring "self" without --force asks; anything but "yes" aborts.
    let out = snap(&["restore", "self", "cp1"], inst, "no\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).starts_with("WARNING: You are about to restore"));
    assert_eq!(text(&out.stderr), "Aborted.\n");
    assert_eq!(p.exec(inst, &["cat", "/root/f"]), "changed\n");

    let out = snap(&["restore", "self", "cp1"], inst, "yes\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(p.exec(inst, &["cat", "/root/f"]), "original\n");

    let out = snap(&["delete", inst, "cp1"], "elsewhere", "");
    assert!(out.status.success());
    let out = snap(&["list", inst, "--json"], "elsewhere", "");
    assert_eq!(text(&out.stdout).trim(), "[]");
}

#[test]
fn unknown_instance_is_one_error_line() {
    if !rig::require() {
        return;
    }
    let out = snap(&["create", "no-such-instance-q"], "elsewhere", "");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "ERROR: Instance 'no-such-instance-q' not found in any Incus project\n"
    );
}
