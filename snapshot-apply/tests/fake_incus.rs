//! `snapshot-apply` argument handling, create and rollback, against fake
//! `incus` and `ansible-inventory` programs that record their calls.

mod common;

use common::{inst, inventory_json, text, Fake};

/// web and db in group pro (projects pro / perso in Incus), ghost in perso
/// but not in Incus.
fn two_groups(ansible: bool) -> Fake {
    let f = Fake::new(ansible);
    f.write(
        "inv.json",
        &inventory_json(&[("pro", &["web", "db"]), ("perso", &["ghost"])]),
    );
    f.write(
        "list.json",
        &format!(
            "[{},{}]",
            inst("web", "pro", "none", &[]),
            inst("db", "perso", "none", &[])
        ),
    );
    f
}

#[test]
fn usage_and_unknown_options() {
    let f = Fake::new(true);
    let out = f.run(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).starts_with("Usage: snapshot-apply [--remote NAME] [--jobs N] {create|rollback|list|cleanup} [options]\n"));
    assert_eq!(f.run(&["frobnicate"]).status.code(), Some(1));
    assert_eq!(f.run(&["--help"]).status.code(), Some(0));
    for (args, err) in [
        (
            &["create", "--bogus"][..],
            "  ERROR: Unknown option: --bogus\n",
        ),
        (
            &["create", "--limit"],
            "  ERROR: --limit needs a group name\n",
        ),
        (&["cleanup", "--keep"], "  ERROR: --keep needs a number\n"),
        (
            &["cleanup", "--keep", "x"],
            "  ERROR: --keep needs a whole number (0 or more), got 'x'\n",
        ),
        (
            &["--jobs", "0", "list"],
            "  ERROR: --jobs needs a number from 1 to 64, got '0'\n",
        ),
    ] {
        let out = f.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(text(&out.stderr), err, "{args:?}");
    }
    assert!(f.calls().is_empty(), "usage errors never reach incus");
}

#[test]
fn create_snapshots_every_host_with_one_listing() {
    let f = two_groups(true);
    let out = f.run(&["create"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ts = f.state_file("latest").trim().to_owned();
    let snap = format!("pre-apply-{ts}");
    assert_eq!(
        f.calls_sorted(),
        [
            "list --all-projects --format json".to_owned(),
            format!("snapshot create db {snap} --project perso"),
            format!("snapshot create web {snap} --project pro"),
        ]
    );
    assert_eq!(f.read("ansible.log"), "-i inventory/ --list\n");
    // Inventory order (sorted), whatever order the pool finished in.
    assert_eq!(
        text(&out.stdout),
        format!(
            "  Creating pre-apply snapshots: {snap}\n  OK db (project=perso)\n  OK web (project=pro)\n  2 snapshot(s) created, 0 failed\n"
        )
    );
    assert_eq!(
        text(&out.stderr),
        "  WARNING: ghost: not found in any Incus project, skipping\n"
    );
    assert_eq!(f.state_file("history"), format!("{snap}\n"));
    assert_eq!(f.state_file("latest-scope"), "all\n");
}

#[test]
fn limit_takes_only_the_group() {
    let f = two_groups(true);
    let out = f.run(&["create", "--limit", "perso"]);
    assert!(out.status.success());
    assert_eq!(
        f.calls(),
        ["list --all-projects --format json"],
        "ghost is not in Incus"
    );
    assert_eq!(f.state_file("latest-scope"), "perso\n");

    let out = f.run(&["create", "--limit", "nosuch"]);
    assert!(out.status.success());
    assert_eq!(
        text(&out.stderr),
        "  WARNING: No instances found in inventory\n  WARNING: group 'nosuch' is not in the inventory\n"
    );
    assert_eq!(f.state_file("latest-scope"), "perso\n", "state untouched");
}

#[test]
fn without_ansible_the_yaml_files_are_read() {
    let f = Fake::new(false);
    let out = f.run(&["create"]);
    assert!(out.status.success());
    assert_eq!(
        text(&out.stderr),
        "  NOTE: ansible-inventory not found; reading inventory/*.yml directly\n  WARNING: No instances found in inventory\n"
    );
    assert!(f.calls().is_empty());

    f.write(
        "project/inventory/pro.yml",
        "all:\n  children:\n    pro:\n      hosts:\n        web:\n          ansible_host: 10.1.1.1\n        db:\n",
    );
    f.write(
        "project/host_vars/web.yml",
        "---\ninstance_name: nest-web\n",
    );
    f.write(
        "list.json",
        &format!("[{}]", inst("nest-web", "nest-pro", "none", &[])),
    );
    let out = f.run(&["--jobs", "1", "create", "--limit", "pro"]);
    assert!(out.status.success());
    let snap = format!("pre-apply-{}", f.state_file("latest").trim());
    assert_eq!(
        f.calls()[1..],
        [format!(
            "snapshot create nest-web {snap} --project nest-pro"
        )]
    );
    assert!(text(&out.stdout).contains("  OK nest-web (project=nest-pro)\n"));
}

#[test]
fn daemon_down_is_one_error_line() {
    let f = two_groups(true);
    // Any wording: what counts is that the daemon does not answer a ping.
    f.write("down", "");
    let out = f.run(&["create"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("  ERROR: cannot reach the Incus daemon: "),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(f.state_file("history"), "", "nothing recorded");
}

#[test]
fn refused_listing_falls_back_to_each_instance() {
    let f = two_groups(true);
    f.write("list.fail", "Error: not authorized\n");
    f.write("project/group_vars/pro.yml", "incus_project: pro\n");
    f.write("snaps-web.json", "[]");
    let out = f.run(&["--jobs", "1", "create"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let snap = format!("pre-apply-{}", f.state_file("latest").trim());
    assert_eq!(
        f.calls(),
        [
            "list --all-projects --format json".to_owned(),
            "snapshot list db --project pro --format json".to_owned(),
            "snapshot list ghost --project default --format json".to_owned(),
            "snapshot list web --project pro --format json".to_owned(),
            format!("snapshot create web {snap} --project pro"),
        ]
    );
    assert!(text(&out.stderr).starts_with(
        "  NOTE: incus could not list all projects (not authorized); asking for each instance instead\n"
    ));
}

#[test]
fn create_failure_is_a_warning() {
    let f = two_groups(true);
    f.write("fail-create-db", "");
    let out = f.run(&["create"]);
    assert!(out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("  WARNING: db: snapshot failed: create of db failed\n"),
        "{err}"
    );
    assert!(err.contains(
        "  WARNING: Some snapshots failed. Apply will proceed but rollback may be incomplete.\n"
    ));
    assert!(text(&out.stdout).ends_with("  1 snapshot(s) created, 1 failed\n"));
}

#[test]
fn rollback_restores_only_holders() {
    let f = two_groups(true);
    let snap = "pre-apply-20250101-120000";
    f.write(
        "list.json",
        &format!(
            "[{},{}]",
            inst("web", "pro", "none", &[snap]),
            inst("db", "perso", "none", &[])
        ),
    );
    f.write(
        "home/.anklume/pre-apply-snapshots/latest",
        "20250101-120000\n",
    );
    let out = f.run(&["rollback", "--allow-partial"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        f.calls(),
        [
            "list --all-projects --format json".to_owned(),
            format!("snapshot restore web {snap} --project pro"),
        ]
    );
    assert_eq!(
        text(&out.stdout),
        format!("  Rolling back to: {snap}\n  Restoring web...\n  OK web\n  1 instance(s) restored, 2 skipped (no matching snapshot)\n")
    );
    let skipped = format!(
        "  WARNING: db: not restored: it has no snapshot {snap}\n  WARNING: ghost: not restored: not found in any Incus project\n"
    );
    assert_eq!(text(&out.stderr), skipped);

    // Without --allow-partial, fewer restored than targeted is an error
    // (upstream: exit 0, nobody named).
    let out = f.run(&["rollback"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        format!("{skipped}  ERROR: only 1 of 3 instance(s) were rolled back (2 not restored, named above); if that is what you want, pass --allow-partial\n")
    );

    // Rolling back to the last create made with --limit: its group only.
    f.write("home/.anklume/pre-apply-snapshots/latest-scope", "pro\n");
    f.write(
        "list.json",
        &format!(
            "[{},{}]",
            inst("web", "pro", "none", &[snap]),
            inst("db", "perso", "none", &[snap])
        ),
    );
    let out = f.run(&["rollback"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).ends_with("  2 instance(s) restored, 0 skipped (no matching snapshot)\n")
    );

    // An explicit timestamp nobody has: upstream's error and hint.
    let out = f.run(&["rollback", "20240101-000000"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "  ERROR: No instances were restored. Snapshot 'pre-apply-20240101-000000' may not exist.\n  Run 'make rollback-list' to see available snapshots.\n"
    );

    f.write("fail-restore-web", "");
    let out = f.run(&["rollback"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed restore is not a success"
    );
}

#[test]
fn rollback_without_snapshots_or_with_bad_timestamps() {
    let f = two_groups(true);
    let out = f.run(&["rollback"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "  ERROR: No pre-apply snapshots found. Nothing to rollback.\n  Run 'make rollback-list' to see available snapshots.\n"
    );
    for bad in [
        "2025",
        "--all",
        "20250101-120000; rm -rf /",
        "20251301-120000",
    ] {
        let out = f.run(&["rollback", bad]);
        assert_eq!(out.status.code(), Some(1), "{bad}");
        assert!(text(&out.stderr).starts_with(&format!("  ERROR: invalid timestamp '{bad}'")));
    }
    f.write("home/.anklume/pre-apply-snapshots/latest", "../../x\n");
    let out = f.run(&["rollback"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("does not hold a YYYYMMDD-HHMMSS timestamp"));
    assert!(f.calls().is_empty(), "nothing invalid reached incus");
}
