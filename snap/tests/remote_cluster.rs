//! `snap --remote` beyond one machine, on the rig's other two modes: a
//! second daemon reached over HTTPS (create, list, list --json, restore
//! with the file coming back, delete, the self-restore guard), and a real
//! three-member cluster (`location` names the member). Skipped loudly
//! without `scripts/incus-rig.sh remote` / `cluster`; fails under CI.

use e2e::rig::{self, Project, CLUSTER, REMOTE};
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn snap(remote: &str, args: &[&str], hostname: &str, stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_snap"))
        .args(["--remote", remote])
        .args(args)
        .env("HOSTNAME", hostname)
        .env_remove("ANKLUME_INCUS_REMOTE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("snap runs");
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

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn create_list_restore_delete_through_a_remote() {
    if !rig::require_mode("remote") {
        return;
    }
    let p = Project::on(REMOTE, "e2e-snap-remote");
    let inst = &format!("{}-c", p.name());
    p.launch(inst, true);
    p.exec(inst, &["sh", "-c", "echo original > /root/f"]);

    let out = snap(REMOTE, &["create", inst, "cp1"], "elsewhere", "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!(
            "Creating snapshot 'cp1' for {inst} (project: {})...\nDone: {inst}/cp1\n",
            p.name()
        )
    );
    // Only on the remote: the local daemon does not know the instance.
    let out = Command::new(env!("CARGO_BIN_EXE_snap"))
        .args(["list", inst])
        .env_remove("ANKLUME_INCUS_REMOTE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));

    let rows = json(&snap(REMOTE, &["list", inst, "--json"], "elsewhere", ""));
    assert_eq!(rows[0]["snapshot"], "cp1");
    assert_eq!(rows[0]["project"], p.name());
    assert_eq!(rows[0]["location"], "none");
    let all = json(&snap(REMOTE, &["list", "--json"], "elsewhere", ""));
    assert!(all.as_array().unwrap().contains(&rows[0]), "{all}");

    let out = snap(REMOTE, &["list", inst], "elsewhere", "");
    let table = text(&out.stdout);
    assert!(
        table.starts_with(&format!("Snapshots for {inst} (project: {}):\n", p.name())),
        "{table}"
    );
    assert!(table.contains("cp1"), "{table}");

    p.exec(inst, &["sh", "-c", "echo changed > /root/f"]);
    // Restoring "self" on a remote asks too; anything but "yes" aborts.
    let out = snap(REMOTE, &["restore", "self", "cp1"], inst, "no\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).starts_with("WARNING: You are about to restore"));
    assert_eq!(text(&out.stderr), "Aborted.\n");
    p.wait_file(inst, "/root/f", "changed\n");

    let out = snap(REMOTE, &["restore", "self", "cp1"], inst, "yes\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    p.wait_file(inst, "/root/f", "original\n");

    let out = snap(REMOTE, &["delete", inst, "cp1"], "elsewhere", "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(p.snapshots(inst), Vec::<String>::new());
}

#[test]
fn list_json_names_the_cluster_member() {
    if !rig::require_mode("cluster") {
        return;
    }
    let p = Project::on(CLUSTER, "e2e-snap-cluster");
    let names: Vec<String> = rig::MEMBERS
        .iter()
        .map(|m| format!("{}-{m}", p.name()))
        .collect();
    for (name, member) in names.iter().zip(rig::MEMBERS) {
        p.launch_on(name, member != "rig1", Some(member));
        let out = snap(CLUSTER, &["create", name, "s1"], "elsewhere", "");
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let all = json(&snap(CLUSTER, &["list", "--json"], "elsewhere", ""));
    for (name, member) in names.iter().zip(rig::MEMBERS) {
        let row = all
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["instance"] == name.as_str())
            .unwrap_or_else(|| panic!("{name} missing from {all}"));
        assert_eq!(row["location"], member, "{row}");
        assert_eq!(row["snapshot"], "s1");
    }
    // Restore and delete reach the member that holds the instance.
    let last = &names[2];
    let out = snap(
        CLUSTER,
        &["restore", "--force", last, "s1"],
        "elsewhere",
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = snap(CLUSTER, &["delete", last, "s1"], "elsewhere", "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(p.snapshots(last), Vec::<String>::new());
}
