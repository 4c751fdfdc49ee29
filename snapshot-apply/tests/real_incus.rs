//! `snapshot-apply` end to end on the real Incus rig: two projects, running
//! and stopped instances, a hand-written inventory/ and host_vars/ tree;
//! create → change a file → rollback → the file is back; `--limit`;
//! `cleanup --keep 1`. Once with the real ansible-inventory (when one is on
//! PATH) and once without it.

use e2e::rig::{self, Project};
use std::path::{Path, PathBuf};
use std::process::Output;

/// A project folder (inventory/, host_vars/) and a HOME for the state.
struct Tree {
    dir: tempfile::TempDir,
    path: String,
}

impl Tree {
    fn new(path: String) -> Tree {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["home", "inventory", "host_vars"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        Tree { dir, path }
    }

    fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.dir.path().join(rel), text).unwrap();
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_snapshot-apply"))
            .args(args)
            .current_dir(self.dir.path())
            .env("HOME", self.dir.path().join("home"))
            .env("PATH", &self.path)
            .env_remove("ANKLUME_INCUS_REMOTE")
            .env_remove("ANKLUME_PRE_APPLY_STATE_DIR")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "snapshot-apply {args:?} failed:\n{}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        out
    }

    fn history(&self) -> Vec<String> {
        let h = self
            .dir
            .path()
            .join("home/.anklume/pre-apply-snapshots/history");
        std::fs::read_to_string(h)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The folder of `program` on PATH, if any.
fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find(|d| d.join(program).is_file())
}

/// PATH without any folder holding ansible-inventory, plus a folder that
/// gives back `incus` in case it lived in one of those.
fn path_without_ansible(keep: &Path) -> String {
    let incus = on_path("incus").expect("incus on PATH").join("incus");
    std::os::unix::fs::symlink(incus, keep.join("incus")).unwrap();
    let system = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::iter::once(keep.to_path_buf())
        .chain(std::env::split_paths(&system).filter(|d| !d.join("ansible-inventory").exists()));
    std::env::join_paths(dirs).unwrap().into_string().unwrap()
}

/// The pre-apply snapshots of `instance`, sorted.
fn pre_apply(p: &Project, instance: &str) -> Vec<String> {
    let json = rig::incus([
        "query",
        &format!("/1.0/instances/{instance}/snapshots?project={}", p.name()),
    ]);
    let urls: Vec<String> = serde_json::from_str(&json).unwrap();
    let mut names: Vec<String> = urls
        .iter()
        .filter_map(|u| u.split('?').next()?.rsplit('/').next())
        .filter(|n| n.starts_with("pre-apply-"))
        .map(str::to_owned)
        .collect();
    names.sort();
    names
}

fn scenario(prefix: &str, path: String, expect_note: bool) {
    let a = Project::new(&format!("{prefix}-a"));
    let b = Project::new(&format!("{prefix}-b"));
    // Unique across projects: resolution is by name in all of them.
    let (web, db) = (format!("{}-web", a.name()), format!("{}-db", a.name()));
    let app = format!("{}-app", b.name());
    a.launch(&web, true);
    a.launch(&db, false);
    b.launch(&app, true);

    let tree = Tree::new(path);
    tree.write(
        "inventory/ga.yml",
        &format!("all:\n  children:\n    ga:\n      hosts:\n        {web}:\n          ansible_host: 10.0.0.1\n        {db}:\n"),
    );
    // The inventory name differs from the Incus one, as with a nesting prefix.
    tree.write(
        "inventory/gb.yml",
        "all:\n  children:\n    gb:\n      hosts:\n        app:\n",
    );
    tree.write(
        "host_vars/app.yml",
        &format!("---\ninstance_name: {app}\ninstance_type: lxc\n"),
    );
    let v1 = tree.dir.path().join("v1");
    std::fs::write(&v1, "v1\n").unwrap();
    a.push_file(&web, &v1, "/root/f");
    b.push_file(&app, &v1, "/root/f");

    // create → every instance, in its own project.
    let out = tree.run(&["create"]);
    let stdout = text(&out.stdout);
    for (inst, project) in [(&db, a.name()), (&web, a.name()), (&app, b.name())] {
        assert!(
            stdout.contains(&format!("  OK {inst} (project={project})\n")),
            "{stdout}"
        );
    }
    assert!(
        stdout.ends_with("  3 snapshot(s) created, 0 failed\n"),
        "{stdout}"
    );
    assert_eq!(
        text(&out.stderr).contains("ansible-inventory not found"),
        expect_note,
        "{}",
        text(&out.stderr)
    );
    let first = tree.history();
    assert_eq!(first.len(), 1);
    assert_eq!(pre_apply(&a, &db), first);

    // change → rollback → the old content is back.
    a.exec(&web, &["sh", "-c", "echo v2 > /root/f"]);
    b.exec(&app, &["sh", "-c", "echo v2 > /root/f"]);
    let out = tree.run(&["rollback"]);
    assert!(
        text(&out.stdout).ends_with("  3 instance(s) restored, 0 skipped (no matching snapshot)\n"),
        "{}",
        text(&out.stdout)
    );
    a.wait_file(&web, "/root/f", "v1\n");
    b.wait_file(&app, "/root/f", "v1\n");

    // --limit gb: only app gets a second snapshot.
    tree.run(&["create", "--limit", "gb"]);
    assert_eq!(pre_apply(&b, &app).len(), 2);
    assert_eq!(pre_apply(&a, &web).len(), 1);
    assert_eq!(pre_apply(&a, &db).len(), 1);

    // A third generation everywhere, then keep only the newest.
    tree.run(&["create"]);
    let newest = tree.history().last().cloned().unwrap();
    let out = tree.run(&["cleanup", "--keep", "1"]);
    assert!(text(&out.stdout).ends_with("  Cleanup complete\n"));
    for (p, inst) in [(&a, &web), (&a, &db), (&b, &app)] {
        assert_eq!(pre_apply(p, inst), std::slice::from_ref(&newest), "{inst}");
    }
    assert_eq!(
        tree.history(),
        [newest],
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[test]
fn with_ansible_inventory() {
    if !rig::require() {
        return;
    }
    let Some(ansible) = py::oracle::or_skip(py::oracle::ansible_inventory()) else {
        return;
    };
    // The pinned ansible-inventory's folder first on PATH.
    let system = std::env::var_os("PATH").unwrap_or_default();
    let dirs = ansible
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .into_iter()
        .chain(std::env::split_paths(&system));
    let path = std::env::join_paths(dirs).unwrap().into_string().unwrap();
    scenario("e2e-sa-ans", path, false);
}

#[test]
fn without_ansible_inventory() {
    if !rig::require() {
        return;
    }
    let bin = tempfile::tempdir().unwrap();
    scenario("e2e-sa-yaml", path_without_ansible(bin.path()), true);
}
