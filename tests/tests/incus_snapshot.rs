//! Real-Incus check of the snapshot cycle the anklume tools build on:
//! launch a container, snapshot it, see the snapshot in
//! `incus list --all-projects --format json`, change a file, restore, and get
//! the old content back. Skipped (loudly) without the rig; fails under CI.

use std::path::PathBuf;

use e2e::rig::{self, Project};
use serde_json::Value;

/// Snapshot names of `instance` in `project`, from the all-projects listing.
fn listed_snapshots(project: &str, instance: &str) -> Vec<String> {
    let json = rig::incus(["list", "--all-projects", "--format", "json"]);
    let all: Value = serde_json::from_str(&json).expect("incus list prints JSON");
    let entry = all
        .as_array()
        .expect("a JSON array")
        .iter()
        .find(|i| i["project"] == project && i["name"] == instance)
        .unwrap_or_else(|| panic!("{project}/{instance} missing from incus list"));
    assert_eq!(entry["status"], "Running");
    entry["snapshots"]
        .as_array()
        .map(|snaps| {
            snaps
                .iter()
                .filter_map(|s| s["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn snapshot_restore_brings_file_back() {
    if !rig::require() {
        return;
    }
    let project = Project::new("e2e-snap");
    project.launch("c1", true);
    assert_eq!(project.exec("c1", &["echo", "hi"]), "hi\n");

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(project.name());
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("marker.txt");

    std::fs::write(&file, "original\n").unwrap();
    project.push_file("c1", &file, "/root/marker.txt");
    project.incus(&["snapshot", "create", "c1", "s1"]);
    assert_eq!(listed_snapshots(project.name(), "c1"), ["s1"]);

    std::fs::write(&file, "changed\n").unwrap();
    project.push_file("c1", &file, "/root/marker.txt");
    project.wait_file("c1", "/root/marker.txt", "changed\n");

    project.incus(&["snapshot", "restore", "c1", "s1"]);
    project.wait_file("c1", "/root/marker.txt", "original\n");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn init_without_start_leaves_instance_stopped() {
    if !rig::require() {
        return;
    }
    let project = Project::new("e2e-init");
    project.launch("idle", false);
    assert_eq!(project.instances(), ["idle"]);
    let state = project.incus(&["list", "--format", "csv", "--columns", "s"]);
    assert_eq!(state.trim(), "STOPPED");
}
