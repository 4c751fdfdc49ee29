//! Loading infra.yml and `infra/` directories: merge order, warnings and
//! the `infra` <-> `infra.yml` fallbacks (the errors: `infra_load_errors.rs`).
//!
//! Fixtures are small files written here, not copies of upstream's.

use py::yaml::Value;
use shared::infra::{load, Loaded};
use std::fs;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

fn write(root: &Path, rel: &str, text: &str) -> PathBuf {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(&path, text).unwrap();
    path
}

fn load_ok(path: &Path) -> Loaded {
    match load(path) {
        Ok(l) => l,
        Err(e) => panic!("load({}) failed: {e}", path.display()),
    }
}

/// The string keys of a mapping, in order.
fn keys(v: Option<&Value>) -> Vec<String> {
    let map = v.and_then(Value::as_map).expect("a mapping");
    map.keys()
        .map(|k| k.as_str().expect("a string key").to_owned())
        .collect()
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(v, |node, key| node.get(key))
        .and_then(Value::as_str)
}

const SINGLE: &str = "\
project_name: lab
global:
  base_subnet: '10.100'
domains:
  admin:
    subnet_id: 0
    machines:
      admin-ctl: {type: lxc, ip: 10.100.0.10}
  work:
    subnet_id: 1
";

#[test]
fn single_file() {
    let tmp = TempDir::new().unwrap();
    let file = write(tmp.path(), "infra.yml", SINGLE);
    let l = load_ok(&file);
    assert_eq!(l.source, file);
    assert!(!l.is_dir());
    assert!(l.warnings.is_empty());
    assert_eq!(str_at(&l.value, &["project_name"]), Some("lab"));
    assert_eq!(keys(l.value.get("domains")), ["admin", "work"]);
    assert_eq!(
        str_at(
            &l.value,
            &["domains", "admin", "machines", "admin-ctl", "ip"]
        ),
        Some("10.100.0.10")
    );
    assert_eq!(
        l.domain_sources.keys().collect::<Vec<_>>(),
        ["admin", "work"]
    );
    assert!(l.domain_sources.values().all(|p| p == &file));
}

/// base.yml with one domain and policies, three domain files (one
/// overriding), an empty one, a non-yml file, and policies.yml.
fn directory(root: &Path) -> PathBuf {
    let dir = root.join("infra");
    write(&dir, "base.yml", "project_name: lab\nglobal: {}\ndomains:\n  admin: {subnet_id: 0}\nnetwork_policies: [{from: admin, to: host}]\n");
    write(&dir, "domains/b-work.yml", "work:\n  subnet_id: 2\n");
    write(
        &dir,
        "domains/a-pro.yml",
        "pro:\n  description: first\n  subnet_id: 1\n",
    );
    write(
        &dir,
        "domains/c-redo.yml",
        "pro:\n  description: second\n  subnet_id: 1\n",
    );
    write(&dir, "domains/empty.yml", "# nothing yet\n");
    write(&dir, "domains/README.md", "not: [yaml");
    write(
        &dir,
        "policies.yml",
        "network_policies:\n  - {from: pro, to: work, ports: all}\nignored: 1\n",
    );
    dir
}

#[test]
fn directory_merges_in_sorted_order() {
    let tmp = TempDir::new().unwrap();
    let dir = directory(tmp.path());
    let l = load_ok(&dir);
    assert_eq!(l.source, dir);
    assert!(l.is_dir());
    // An overridden domain keeps its first position and takes the later body.
    assert_eq!(keys(l.value.get("domains")), ["admin", "pro", "work"]);
    assert_eq!(
        str_at(&l.value, &["domains", "pro", "description"]),
        Some("second")
    );
    assert_eq!(
        l.warnings,
        ["Domain 'pro' in c-redo.yml overrides existing definition."]
    );
    let sources: Vec<_> = l
        .domain_sources
        .iter()
        .map(|(d, p)| (d.as_str(), p.clone()))
        .collect();
    assert_eq!(
        sources,
        [
            ("admin", dir.join("base.yml")),
            ("pro", dir.join("domains/c-redo.yml")),
            ("work", dir.join("domains/b-work.yml")),
        ]
    );
    // policies.yml replaces base.yml's network_policies, in place; other keys are ignored.
    assert_eq!(
        keys(Some(&l.value)),
        ["project_name", "global", "domains", "network_policies"]
    );
    let np = l
        .value
        .get("network_policies")
        .and_then(Value::as_seq)
        .unwrap();
    assert_eq!(np.len(), 1);
    assert_eq!(str_at(&np[0], &["from"]), Some("pro"));
    assert!(l.value.get("ignored").is_none());
}

#[test]
fn directory_adds_domains_and_policies_keys() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("infra");
    write(&dir, "base.yml", "project_name: lab\nglobal: {}\n");
    write(&dir, "domains/pro.yml", "pro: {subnet_id: 1}\n");
    write(&dir, "policies.yml", "network_policies: []\n");
    let l = load_ok(&dir);
    assert_eq!(
        keys(Some(&l.value)),
        ["project_name", "global", "domains", "network_policies"]
    );
    assert_eq!(keys(l.value.get("domains")), ["pro"]);
}

#[test]
fn directory_edge_cases_kept_from_upstream() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("infra");
    // Empty base.yml is an empty mapping; an empty domains/ still adds `domains: {}`.
    write(&dir, "base.yml", "");
    fs::create_dir_all(dir.join("domains")).unwrap();
    let l = load_ok(&dir);
    assert_eq!(keys(Some(&l.value)), ["domains"]);
    assert!(l
        .value
        .get("domains")
        .and_then(Value::as_map)
        .unwrap()
        .is_empty());
    // No domains/ directory: no domains key; empty policies.yml or one without
    // network_policies changes nothing.
    fs::remove_dir(dir.join("domains")).unwrap();
    write(&dir, "base.yml", "project_name: lab\n");
    write(&dir, "policies.yml", "");
    assert_eq!(keys(Some(&load_ok(&dir).value)), ["project_name"]);
    write(&dir, "policies.yml", "other: 1\n");
    assert_eq!(keys(Some(&load_ok(&dir).value)), ["project_name"]);
    // A dot file matches *.yml too (pathlib's glob does), and a null
    // `domains:` is fine as long as nothing has to be merged into it.
    write(&dir, "base.yml", "domains:\n");
    write(&dir, "domains/.hidden.yml", "");
    let l = load_ok(&dir);
    assert!(l.value.get("domains").is_some_and(Value::is_null));
}

#[test]
fn yml_and_directory_fallbacks() {
    let tmp = TempDir::new().unwrap();
    // `infra` missing, `infra.yml` present.
    let file = write(tmp.path(), "a/infra.yml", SINGLE);
    let l = load_ok(&tmp.path().join("a/infra"));
    assert_eq!(l.source, file);
    let l = load_ok(&tmp.path().join("a/infra/"));
    assert_eq!(
        l.source, file,
        "a trailing slash is dropped, as Python's Path does"
    );
    // `infra.yml` missing, `infra/` present.
    let dir = directory(&tmp.path().join("b"));
    let l = load_ok(&tmp.path().join("b/infra.yml"));
    assert_eq!(l.source, dir);
    assert_eq!(keys(l.value.get("domains")), ["admin", "pro", "work"]);
    // Both present: the path as given wins.
    write(tmp.path(), "b/infra.yml", SINGLE);
    assert_eq!(
        load_ok(&tmp.path().join("b/infra.yml")).source,
        tmp.path().join("b/infra.yml")
    );
    assert_eq!(load_ok(&tmp.path().join("b/infra")).source, dir);
}

/// A path that is neither file nor directory (a pipe, `/dev/stdin`) is read
/// as a file, as upstream's final `open(path)` does.
#[cfg(unix)]
#[test]
fn a_pipe_is_read_as_a_file() {
    let tmp = TempDir::new().unwrap();
    let fifo = tmp.path().join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("note: mkfifo unavailable; skipped");
        return;
    }
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || fs::write(fifo, SINGLE).unwrap())
    };
    let l = load_ok(&fifo);
    writer.join().unwrap();
    assert_eq!(l.source, fifo);
    assert_eq!(keys(l.value.get("domains")), ["admin", "work"]);
}
