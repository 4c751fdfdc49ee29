//! The state folder: locking between runs, history trimming by `cleanup`,
//! `list`, and per-remote state, against fake `incus` / `ansible-inventory`.

mod common;

use common::{inst, inventory_json, text, Fake};
use nix::fcntl::{Flock, FlockArg};
use std::fs::File;

const S1: &str = "pre-apply-20250101-000001";
const S2: &str = "pre-apply-20250101-000002";
const S3: &str = "pre-apply-20250101-000003";
const S4: &str = "pre-apply-20250101-000004";

fn with_history(names: &[&str]) -> Fake {
    let f = Fake::new(true);
    f.write("inv.json", &inventory_json(&[("pro", &["web", "db"])]));
    let mut h = names.join("\n");
    h.push('\n');
    f.write("home/.anklume/pre-apply-snapshots/history", &h);
    f
}

#[test]
fn a_second_run_waits_then_fails_clearly() {
    let f = with_history(&[S1]);
    let lock = File::create(f.state().join(".lock")).unwrap();
    let held = Flock::lock(lock, FlockArg::LockExclusive).unwrap();
    let out = f
        .command(&["cleanup", "--keep", "0"])
        .env("ANKLUME_SNAPSHOT_LOCK_TIMEOUT", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("  NOTE: waiting for another snapshot-apply run to finish (lock "),
        "{err}"
    );
    assert!(
        err.contains("  ERROR: another snapshot-apply run still holds "),
        "{err}"
    );
    assert!(f.calls().is_empty());
    assert_eq!(f.state_file("history"), format!("{S1}\n"));
    drop(held);
}

#[test]
fn concurrent_creates_queue_and_record_distinct_names() {
    let f = with_history(&[]);
    f.write(
        "list.json",
        &format!("[{}]", inst("web", "pro", "none", &[])),
    );
    f.write("slow", "");
    let a = f.command(&["create"]).spawn().unwrap();
    let b = f.command(&["create"]).spawn().unwrap();
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let history = f.state_file("history");
    let lines: Vec<&str> = history.lines().collect();
    assert_eq!(lines.len(), 2, "{history}");
    assert_ne!(lines[0], lines[1]);
    assert!(lines
        .iter()
        .all(|l| l.len() == "pre-apply-YYYYMMDD-HHMMSS".len()));
}

#[test]
fn cleanup_keeps_the_newest_and_trims_history() {
    let f = with_history(&[S1, S2, S3, S4]);
    f.write(
        "list.json",
        &format!(
            "[{},{}]",
            inst("web", "pro", "none", &[S1, S2, S3, S4]),
            inst("db", "pro", "none", &[S2, S4])
        ),
    );
    let out = f.run(&["cleanup", "--keep", "2"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        f.calls_sorted(),
        [
            "list --all-projects --format json".to_owned(),
            format!("snapshot delete db {S2} --project pro"),
            format!("snapshot delete web {S1} --project pro"),
            format!("snapshot delete web {S2} --project pro"),
        ]
    );
    assert_eq!(
        text(&out.stdout),
        format!("  Cleaning up: removing 2 old snapshot(s), keeping 2\n  OK Deleted {S1}\n  OK Deleted {S2}\n  Cleanup complete\n")
    );
    assert_eq!(f.state_file("history"), format!("{S3}\n{S4}\n"));

    // What Incus now holds (the fake does not delete anything itself).
    f.write(
        "list.json",
        &format!(
            "[{},{}]",
            inst("web", "pro", "none", &[S3, S4]),
            inst("db", "pro", "none", &[S4])
        ),
    );
    let out = f.run(&["cleanup", "--keep", "2"]);
    assert_eq!(
        text(&out.stdout),
        "  Only 2 snapshot(s), keeping all (retention: 2)\n"
    );
}

#[test]
fn a_failed_delete_stays_in_history() {
    let f = with_history(&[S1, S2, S3]);
    f.write(
        "list.json",
        &format!("[{}]", inst("web", "pro", "none", &[S1, S2, S3])),
    );
    f.write("fail-delete-web", "");
    let out = f.run(&["cleanup", "--keep", "1"]);
    assert!(out.status.success());
    assert_eq!(f.state_file("history"), format!("{S1}\n{S2}\n{S3}\n"));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            "  WARNING: web: could not delete {S1}: delete of web failed\n"
        )),
        "{err}"
    );
}

#[test]
fn cleanup_never_sends_garbage_or_kept_names_to_incus() {
    let f = with_history(&["-rf", S1, S1, S2]);
    f.write(
        "list.json",
        &format!("[{}]", inst("web", "pro", "none", &[S1, S2])),
    );
    let out = f.run(&["cleanup", "--keep", "2"]);
    assert!(out.status.success());
    // Upstream deleted S1 although its second line is kept, and counted
    // `-rf` as a snapshot.
    assert_eq!(f.calls(), ["list --all-projects --format json"]);
    assert_eq!(
        text(&out.stdout),
        "  Only 2 snapshot(s), keeping all (retention: 2)\n"
    );
    assert_eq!(f.state_file("history"), format!("-rf\n{S1}\n{S1}\n{S2}\n"));
}

#[test]
fn lines_that_are_not_names_are_kept_and_never_counted() {
    // Upstream, with --keep 2: deleted S1 and "kept" `--all`.
    let f = with_history(&[S1, "junk", "--all", S2]);
    f.write(
        "list.json",
        &format!("[{}]", inst("web", "pro", "none", &[S1, S2])),
    );
    let out = f.run(&["cleanup", "--keep", "2"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(f.calls(), ["list --all-projects --format json"]);
    let out = f.run(&["cleanup", "--keep", "1"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        f.calls()[2..],
        [format!("snapshot delete web {S1} --project pro")]
    );
    assert_eq!(f.state_file("history"), format!("junk\n--all\n{S2}\n"));
}

#[test]
fn cleanup_without_history_or_inventory() {
    let f = Fake::new(true);
    f.write("inv.json", "{}");
    let out = f.run(&["cleanup"]);
    assert_eq!(text(&out.stdout), "  No pre-apply snapshots to clean up\n");
    let f = with_history(&[S1, S2]);
    f.write("inv.json", "{}");
    let out = f.run(&["cleanup", "--keep", "1"]);
    assert!(out.status.success());
    assert_eq!(
        f.state_file("history"),
        format!("{S1}\n{S2}\n"),
        "nothing forgotten"
    );
}

#[test]
fn list_marks_latest_and_shows_members_on_a_cluster() {
    let f = Fake::new(true);
    let out = f.run(&["list"]);
    assert_eq!(text(&out.stdout), "  Pre-apply snapshots:\n  (none)\n");

    let f = with_history(&[S1, S2]);
    f.write(
        "home/.anklume/pre-apply-snapshots/latest",
        "20250101-000002\n",
    );
    f.write(
        "list.json",
        &format!("[{}]", inst("web", "pro", "none", &[S1])),
    );
    let out = f.run(&["list"]);
    assert_eq!(
        text(&out.stdout),
        format!("  Pre-apply snapshots:\n  {S1}\n  {S2}  <-- latest\n")
    );
    f.write(
        "list.json",
        &format!(
            "[{},{}]",
            inst("web", "pro", "node1", &[S1, S2]),
            inst("db", "pro", "node2", &[S2])
        ),
    );
    let out = f.run(&["list"]);
    assert_eq!(
        text(&out.stdout),
        format!(
            "  Pre-apply snapshots:\n  {S1}\n      web (project=pro, member=node1)\n  {S2}  <-- latest\n      web (project=pro, member=node1)\n      db (project=pro, member=node2)\n"
        )
    );
}

#[test]
fn remote_prefixes_targets_and_keeps_its_own_state() {
    let f = with_history(&[]);
    f.write(
        "list.json",
        &format!("[{}]", inst("web", "pro", "node1", &[])),
    );
    let out = f
        .command(&["create"])
        .env("ANKLUME_INCUS_REMOTE", "lab")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let latest = std::fs::read_to_string(f.state().join("remote-lab/latest")).unwrap();
    assert_eq!(
        f.calls(),
        [
            "list lab: --all-projects --format json".to_owned(),
            format!(
                "snapshot create lab:web pre-apply-{} --project pro",
                latest.trim()
            ),
        ]
    );
    assert_eq!(
        f.state_file("history"),
        "\n",
        "the local history is untouched"
    );
}

/// `list > /dev/full`: the report lost is one error line (in the tool's
/// own indented format) and exit 1, never a silent success or a panic.
#[test]
fn list_into_a_full_disk_is_one_error_line() {
    let f = Fake::new(true);
    let full = File::options().write(true).open("/dev/full").unwrap();
    let out = f.command(&["list"]).stdout(full).output().unwrap();
    let stderr = text(&out.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("ERROR")).collect();
    assert_eq!(
        errors,
        ["  ERROR: cannot write the report to stdout: No space left on device (os error 28)"],
        "{stderr}"
    );
    assert_eq!(out.status.code(), Some(1));
}
