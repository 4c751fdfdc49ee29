//! `snapshot-apply` beyond one machine, on the rig's other two modes:
//! through `--remote` to a second daemon, and on a real three-member
//! cluster with instances spread over the members, two projects holding
//! the same instance name, and a member stopped mid-way. Skipped loudly
//! without `scripts/incus-rig.sh remote` / `cluster`; fails under CI.

use e2e::rig::{self, Project, CLUSTER, REMOTE};
use std::process::Output;

/// A project folder (inventory/, host_vars/, group_vars/) and a state
/// folder, for runs against one remote. HOME stays: incus finds the
/// remote in the user's client configuration.
struct Tree {
    dir: tempfile::TempDir,
    remote: &'static str,
}

impl Tree {
    fn new(remote: &'static str) -> Tree {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["inventory", "host_vars", "group_vars"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        Tree { dir, remote }
    }

    fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.dir.path().join(rel), text).unwrap();
    }

    fn run(&self, args: &[&str]) -> Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_snapshot-apply"))
            .args(["--remote", self.remote])
            .args(args)
            .current_dir(self.dir.path())
            .env("ANKLUME_PRE_APPLY_STATE_DIR", self.dir.path().join("state"))
            .env_remove("ANKLUME_INCUS_REMOTE")
            .output()
            .unwrap()
    }

    /// Runs and expects success; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?} failed:\n{}", both(&out));
        text(&out.stdout)
    }

    /// Runs and expects exit 1; returns stdout and stderr.
    fn fails(&self, args: &[&str]) -> (String, String) {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}:\n{}", both(&out));
        (text(&out.stdout), text(&out.stderr))
    }

    /// A state file's lines; a remote has its own folder.
    fn state(&self, file: &str) -> Vec<String> {
        let path = self
            .dir
            .path()
            .join(format!("state/remote-{}/{file}", self.remote));
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn both(out: &Output) -> String {
    text(&out.stdout) + &text(&out.stderr)
}

fn assert_has(haystack: &str, needle: &str) {
    assert!(haystack.contains(needle), "no {needle:?} in:\n{haystack}");
}

#[test]
fn through_a_remote() {
    if !rig::require_mode("remote") {
        return;
    }
    let p = Project::on(REMOTE, "e2e-sa-remote");
    let (web, db) = (format!("{}-web", p.name()), format!("{}-db", p.name()));
    p.launch(&web, true);
    p.launch(&db, false);
    p.exec(&web, &["sh", "-c", "echo v1 > /root/f"]);
    let tree = Tree::new(REMOTE);
    tree.write(
        "inventory/g.yml",
        &format!("all:\n  children:\n    g:\n      hosts:\n        {web}:\n        {db}:\n"),
    );

    let out = tree.ok(&["create"]);
    assert_has(&out, &format!("  OK {web} (project={})\n", p.name()));
    assert_has(&out, "  2 snapshot(s) created, 0 failed\n");
    let first = tree.state("history");
    assert_eq!(first.len(), 1);
    assert_eq!(p.snapshots(&db), first);
    // The local daemon's state folder is untouched.
    assert!(!tree.dir.path().join("state/history").exists());

    assert_has(
        &tree.ok(&["list"]),
        &format!("  {}  <-- latest\n", first[0]),
    );

    p.exec(&web, &["sh", "-c", "echo v2 > /root/f"]);
    let out = tree.ok(&["rollback"]);
    assert_has(
        &out,
        "  2 instance(s) restored, 0 skipped (no matching snapshot)\n",
    );
    p.wait_file(&web, "/root/f", "v1\n");

    tree.ok(&["create"]);
    let newest = tree.state("history")[1].clone();
    assert_has(
        &tree.ok(&["cleanup", "--keep", "1"]),
        "  Cleanup complete\n",
    );
    assert_eq!(tree.state("history"), std::slice::from_ref(&newest));
    for inst in [&web, &db] {
        assert_eq!(p.snapshots(inst), std::slice::from_ref(&newest), "{inst}");
    }
}

/// Brings a stopped member back even when the test fails half-way, so the
/// next test finds the cluster whole.
struct Revive;

impl Drop for Revive {
    fn drop(&mut self) {
        match rig::rig_script(&["cluster"]) {
            Ok(out) if out.status.success() => {}
            Ok(out) => eprintln!("warning: the cluster did not come back:\n{}", both(&out)),
            Err(e) => eprintln!("warning: cannot run the rig script: {e}"),
        }
    }
}

#[test]
fn on_a_cluster_with_a_member_stopped_mid_way() {
    if !rig::require_mode("cluster") {
        return;
    }
    let a = Project::on(CLUSTER, "e2e-sa-ca");
    let b = Project::on(CLUSTER, "e2e-sa-cb");
    // The same name in both projects; group_vars tell them apart.
    let web = format!("web-{}", std::process::id());
    let (db, app) = (format!("{}-db", a.name()), format!("{}-app", b.name()));
    a.launch_on(&web, true, Some("rig1"));
    a.launch_on(&db, false, Some("rig3"));
    b.launch_on(&web, true, Some("rig2"));
    b.launch_on(&app, false, Some("rig3"));
    for p in [&a, &b] {
        p.exec(&web, &["sh", "-c", "echo v1 > /root/f"]);
    }

    let tree = Tree::new(CLUSTER);
    tree.write(
        "inventory/hosts.yml",
        &format!(
            "all:\n  children:\n    ga:\n      hosts:\n        a-web:\n        {db}:\n    \
             gb:\n      hosts:\n        b-web:\n        {app}:\n"
        ),
    );
    for (host, group, project) in [("a-web", "ga", a.name()), ("b-web", "gb", b.name())] {
        tree.write(
            &format!("host_vars/{host}.yml"),
            &format!("instance_name: {web}\n"),
        );
        tree.write(
            &format!("group_vars/{group}.yml"),
            &format!("incus_project: {project}\n"),
        );
    }

    // Every member up: each instance in its own project, `list` says where.
    let out = tree.ok(&["create"]);
    for (inst, p) in [(&web, &a), (&db, &a), (&web, &b), (&app, &b)] {
        assert_has(&out, &format!("  OK {inst} (project={})\n", p.name()));
    }
    assert_has(&out, "  4 snapshot(s) created, 0 failed\n");
    let first = tree.state("history");
    let listed = tree.ok(&["list"]);
    for (inst, p, member) in [
        (&web, &a, "rig1"),
        (&db, &a, "rig3"),
        (&web, &b, "rig2"),
        (&app, &b, "rig3"),
    ] {
        assert_has(
            &listed,
            &format!("      {inst} (project={}, member={member})\n", p.name()),
        );
    }
    b.exec(&web, &["sh", "-c", "echo v2 > /root/f"]);
    assert_has(
        &tree.ok(&["rollback"]),
        "  4 instance(s) restored, 0 skipped (no matching snapshot)\n",
    );
    b.wait_file(&web, "/root/f", "v1\n");

    // rig3 stops: its instances are errors naming it, the others are done.
    let _revive = Revive;
    let out = rig::rig_script(&["cluster", "stop", "rig3"]).unwrap();
    assert!(out.status.success(), "{}", both(&out));
    let down = "cluster member rig3 did not answer";

    let (out, err) = tree.fails(&["create"]);
    assert_has(&out, &format!("  OK {web} (project={})\n", a.name()));
    assert_has(&out, &format!("  OK {web} (project={})\n", b.name()));
    assert_has(&out, "  2 snapshot(s) created, 2 failed\n");
    assert_has(&err, &format!("  ERROR: {db}: {down}"));
    assert_has(&err, &format!("  ERROR: {app}: {down}"));
    let history = tree.state("history");
    assert_eq!(history.len(), 2);
    let second = history[1].clone();
    assert_eq!(
        tree.state("latest"),
        [second.trim_start_matches("pre-apply-")]
    );
    assert_eq!(a.snapshots(&web), history);

    let (out, err) = tree.fails(&["rollback"]);
    assert_has(
        &out,
        "  2 instance(s) restored, 0 skipped (no matching snapshot)\n",
    );
    assert_has(&err, &format!("  ERROR: {db}: {down}"));
    assert_has(&err, "  ERROR: 2 instance(s) could not be restored\n");

    let out = tree.run(&["list"]);
    assert_has(&text(&out.stderr), down);

    // Old snapshots on rig3 cannot be seen, so none leaves the history
    // (they are deleted where they can be).
    let (_, err) = tree.fails(&["cleanup", "--keep", "1"]);
    assert_has(&err, "kept in history");
    assert_eq!(tree.state("history"), history);
    assert_eq!(a.snapshots(&web), std::slice::from_ref(&second));

    // rig3 back: the next cleanup finishes the job everywhere.
    let out = rig::rig_script(&["cluster"]).unwrap();
    assert!(out.status.success(), "{}", both(&out));
    assert_has(
        &tree.ok(&["cleanup", "--keep", "1"]),
        "  Cleanup complete\n",
    );
    assert_eq!(tree.state("history"), std::slice::from_ref(&second));
    for p in [&a, &b] {
        assert_eq!(p.snapshots(&web), std::slice::from_ref(&second));
    }
    assert_eq!(
        a.snapshots(&db),
        Vec::<String>::new(),
        "{first:?} left on {db}"
    );
    assert_eq!(b.snapshots(&app), Vec::<String>::new());
}
