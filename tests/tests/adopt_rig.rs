//! `make apply` (with its snapshot wrap), `rollback`, `rollback-list` and
//! `rollback-cleanup` of an adopted anklume-shaped checkout against the real
//! Incus rig: the checkout's own targets run our snapshot-apply through the
//! shims, and the rollback really brings the old file back. Skipped (loudly)
//! without the rig; fails under CI.

use std::fs;
use std::process::Output;

use e2e::checkout::{adopt_cmd, text, Checkout, STAND_IN};
use e2e::rig::{self, Project};

/// The pre-apply snapshots of `instance`, sorted.
fn pre_apply(p: &Project, instance: &str) -> Vec<String> {
    let json = rig::incus([
        "query",
        &format!("/1.0/instances/{instance}/snapshots?project={}", p.name()),
    ]);
    let mut names: Vec<String> = json
        .split('"')
        .filter_map(|u| u.split('?').next()?.rsplit('/').next())
        .filter(|n| n.starts_with("pre-apply-"))
        .map(str::to_owned)
        .collect();
    names.sort();
    names
}

fn ok(out: Output, what: &str) -> String {
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{what}: {all}");
    assert!(!all.contains(STAND_IN), "{what}: {all}");
    text(&out.stdout)
}

#[test]
fn apply_and_rollback_through_the_checkout_targets() {
    if !rig::require() {
        return;
    }
    let p = Project::new("adopt");
    let web = format!("{}-web", p.name());
    p.launch(&web, true);
    let c = Checkout::new();
    let out = adopt_cmd("adopt", c.path(), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    fs::create_dir_all(c.path().join("inventory")).unwrap();
    fs::write(
        c.path().join("inventory/g.yml"),
        format!("all:\n  children:\n    g:\n      hosts:\n        {web}:\n"),
    )
    .unwrap();
    let v1 = c.scratch.path().join("v1");
    fs::write(&v1, "v1\n").unwrap();
    p.push_file(&web, &v1, "/root/f");

    let state = c.scratch.path().join("state").display().to_string();
    let env = [("ANKLUME_PRE_APPLY_STATE_DIR", state.as_str())];
    let playbook = format!(
        "PLAYBOOK=incus exec --project {} {web} -- sh -c 'echo v2 > /root/f'",
        p.name()
    );

    // apply: snapshot, "playbook", cleanup (KEEP default) — all ours.
    let said = ok(c.make("apply", &[&playbook], &env), "apply");
    assert!(said.contains("1 snapshot(s) created, 0 failed"), "{said}");
    assert!(said.contains("Running: apply"), "{said}");
    p.wait_file(&web, "/root/f", "v2\n");
    let first = pre_apply(&p, &web);
    assert_eq!(first.len(), 1, "{first:?}");

    let listed = ok(c.make("rollback-list", &[], &env), "rollback-list");
    let stamp = first[0].trim_start_matches("pre-apply-");
    assert!(listed.contains(stamp), "{listed}");

    let said = ok(c.make("rollback", &[], &env), "rollback");
    assert!(said.contains("1 instance(s) restored"), "{said}");
    p.wait_file(&web, "/root/f", "v1\n");

    // A second apply keeps both generations; rollback-cleanup KEEP=1 the newest.
    ok(c.make("apply", &[&playbook], &env), "apply again");
    let both = pre_apply(&p, &web);
    assert_eq!(both.len(), 2, "{both:?}");
    ok(
        c.make("rollback-cleanup", &["KEEP=1"], &env),
        "rollback-cleanup",
    );
    assert_eq!(pre_apply(&p, &web), both[1..]);

    let out = adopt_cmd("unadopt", c.path(), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(c.git_status(), "");
}
