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
    p.wait_file(inst, "/root/f", "changed\n");

    let out = snap(&["restore", "self", "cp1"], inst, "yes\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    p.wait_file(inst, "/root/f", "original\n");

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

/// The pool folder holding `instance`'s snapshots (`dir` pool).
fn snapshot_dir(p: &Project, instance: &str) -> std::path::PathBuf {
    std::path::Path::new("/var/lib/incus/storage-pools/default/containers-snapshots")
        .join(format!("{}_{instance}", p.name()))
}

#[test]
fn dot_names_are_refused_and_other_snapshots_survive() {
    if !rig::require() {
        return;
    }
    let p = Project::new("e2e-snapdots");
    let (victim, other) = (format!("{}-v", p.name()), format!("{}-o", p.name()));
    p.launch(&victim, false);
    p.launch(&other, false);
    p.incus(&["snapshot", "create", &other, "keep"]);
    p.incus(&["snapshot", "create", &victim, "mine"]);
    let before = snapshot_dir(&p, &other).join("keep");
    let pool_checked = before.is_dir();

    for name in ["..", ".", "a/../..", ""] {
        for verb in ["create", "delete", "restore"] {
            let out = snap(&[verb, &victim, name], "elsewhere", "");
            assert_eq!(out.status.code(), Some(1), "{verb} {name:?}");
            assert!(
                text(&out.stderr).starts_with("ERROR: invalid snapshot name"),
                "{verb} {name:?}: {}",
                text(&out.stderr)
            );
            assert_eq!(text(&out.stdout), "", "{verb} {name:?}");
        }
    }
    // Incus still has both, and (on the rig's dir pool) so does the disk.
    let listed = |inst: &str| p.incus(&["snapshot", "list", inst, "--format", "csv", "-c", "n"]);
    assert_eq!(listed(&other).trim(), "keep");
    assert_eq!(listed(&victim).trim(), "mine");
    if pool_checked {
        assert!(before.is_dir(), "{} is gone", before.display());
        assert!(snapshot_dir(&p, &victim).join("mine").is_dir());
    }
    // And a snapshot can still be made and restored on the pool.
    let out = snap(&["create", &other, "after"], "elsewhere", "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    p.incus(&["snapshot", "restore", &other, "keep"]);
}

#[test]
fn a_read_loop_feeding_snap_reaches_every_instance() {
    if !rig::require() {
        return;
    }
    let p = Project::new("e2e-snapstdin");
    let names: Vec<String> = (1..=3).map(|i| format!("{}-{i}", p.name())).collect();
    for n in &names {
        p.launch(n, false);
    }
    // Upstream's snap.sh handed the loop's stdin to incus, which read the
    // remaining names as YAML config: one pass, then an unmarshal error.
    let script = format!(
        "printf '%s\\n' {} | while read -r i; do \"$SNAP\" create \"$i\" fromloop || exit 1; done",
        names.join(" ")
    );
    let out = Command::new("sh")
        .args(["-c", &script])
        .env("SNAP", env!("CARGO_BIN_EXE_snap"))
        .env("HOSTNAME", "elsewhere")
        .env_remove("ANKLUME_INCUS_REMOTE")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    for n in &names {
        let listed = p.incus(&["snapshot", "list", n, "--format", "csv", "-c", "n"]);
        assert_eq!(listed.trim(), "fromloop", "{n}");
    }
}
