//! The errors of `infra::load`: one clear message for each way upstream's
//! loader would crash with a Python traceback.
//!
//! Fixtures are small files written here, not copies of upstream's.

use py::yaml::{load_str, Value};
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

fn load_err(path: &Path) -> String {
    match load(path) {
        Ok(l) => panic!("load({}) succeeded: {:?}", path.display(), l.value),
        Err(e) => e.to_string(),
    }
}

/// The string keys of a mapping, in order.
fn keys(v: Option<&Value>) -> Vec<String> {
    let map = v.and_then(Value::as_map).expect("a mapping");
    map.keys()
        .map(|k| k.as_str().expect("a string key").to_owned())
        .collect()
}

const SINGLE: &str = "project_name: lab\ndomains:\n  pro: {subnet_id: 1}\n";

#[test]
fn missing_path() {
    let tmp = TempDir::new().unwrap();
    for name in ["nothing", "nothing.yml"] {
        let path = tmp.path().join(name);
        assert_eq!(
            load_err(&path),
            format!(
                "infra file not found: {} (expected a file like infra.yml or an infra/ directory with base.yml)",
                path.display()
            )
        );
    }
}

#[test]
fn directory_without_base() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("infra");
    write(&dir, "domains/pro.yml", "pro: {}\n");
    assert_eq!(
        load_err(&dir),
        format!("{}/base.yml not found in infra directory.", dir.display())
    );
}

#[test]
fn unreadable_file() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("infra");
    write(&dir, "base.yml", "project_name: lab\n");
    let odd = dir.join("domains/odd.yml");
    fs::create_dir_all(&odd).unwrap();
    assert_eq!(
        load_err(&dir),
        format!(
            "cannot read {}: it is a folder, not a regular file (check that it is a readable file)",
            odd.display()
        )
    );
}

/// A FIFO found in infra/domains/ is refused at once (upstream waits
/// forever for a writer); a device named as the infra file is read up to
/// the cap (upstream runs out of memory on /dev/zero).
#[cfg(unix)]
#[test]
fn fifos_and_endless_files_are_errors() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("infra");
    write(&dir, "base.yml", "project_name: lab\n");
    write(&dir, "domains/a.yml", "a: {}\n");
    let fifo = dir.join("domains/b.yml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    assert_eq!(
        load_err(&dir),
        format!(
            "cannot read {}: it is a FIFO, not a regular file (check that it is a readable file)",
            fifo.display()
        )
    );
    let e = load_err(std::path::Path::new("/dev/zero"));
    assert!(e.contains("more than the 67108864-byte limit"), "{e}");
}

#[cfg(unix)]
#[test]
fn unreadable_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = TempDir::new().unwrap();
    let file = write(tmp.path(), "infra.yml", SINGLE);
    fs::set_permissions(&file, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&file).is_ok() {
        eprintln!("note: running as root, permissions cannot make a file unreadable; skipped");
        return;
    }
    assert_eq!(
        load_err(&file),
        format!(
            "cannot read {}: Permission denied (os error 13) (check that it is a readable file)",
            file.display()
        )
    );
}

#[test]
fn not_utf8() {
    let tmp = TempDir::new().unwrap();
    let file = tmp.path().join("infra.yml");
    fs::write(&file, b"project_name: lab\ndomains:\n  caf\xe9: {}\n").unwrap();
    assert_eq!(
        load_err(&file),
        format!(
            "{} is not UTF-8 text (first invalid byte on line 3); save it as UTF-8",
            file.display()
        )
    );
}

#[test]
fn yaml_syntax_error_names_file_and_position() {
    let tmp = TempDir::new().unwrap();
    let text = "project_name: lab\ndomains:\n  pro: [unclosed\n";
    let dir = tmp.path().join("infra");
    write(&dir, "base.yml", "project_name: lab\n");
    let file = write(&dir, "domains/pro.yml", text);
    let yaml_error = load_str(text).expect_err("the fixture must be invalid YAML");
    assert!(
        yaml_error.line > 0,
        "the YAML error has a position: {yaml_error}"
    );
    assert_eq!(
        load_err(&dir),
        format!(
            "{}: invalid YAML at {yaml_error}; fix the syntax there",
            file.display()
        )
    );
    assert!(load_err(&dir).contains(&format!("line {}", yaml_error.line)));
}

#[test]
fn empty_infra_file() {
    let tmp = TempDir::new().unwrap();
    for text in ["", "# only a comment\n", "---\n"] {
        let file = write(tmp.path(), "infra.yml", text);
        assert_eq!(
            load_err(&file),
            format!(
                "{} is empty: an infra file needs project_name, global and domains at the top level",
                file.display()
            ),
            "for {text:?}"
        );
    }
}

#[test]
fn top_level_not_a_mapping() {
    let tmp = TempDir::new().unwrap();
    let file = write(tmp.path(), "infra.yml", "- project_name: lab\n");
    assert_eq!(
        load_err(&file),
        format!(
            "{}: the top level must be a mapping (project_name:, global:, domains:), got list",
            file.display()
        )
    );
    let file = write(tmp.path(), "infra.yml", "just words\n");
    assert!(load_err(&file).ends_with("got string"));

    let dir = tmp.path().join("infra");
    let base = write(&dir, "base.yml", "[1, 2]\n");
    assert_eq!(
        load_err(&dir),
        format!(
            "{}: the top level must be a mapping (project_name:, global:), got list",
            base.display()
        )
    );
    write(&dir, "base.yml", "project_name: lab\n");
    let domain = write(&dir, "domains/pro.yml", "- pro\n");
    assert_eq!(
        load_err(&dir),
        format!(
            "{}: the top level must be a mapping (domain names, e.g. `pro:` with its settings below), got list",
            domain.display()
        )
    );
    fs::remove_file(&domain).unwrap();
    let policies = write(&dir, "policies.yml", "- {from: a, to: b}\n");
    assert_eq!(
        load_err(&dir),
        format!(
            "{}: the top level must be a mapping (network_policies:), got list",
            policies.display()
        )
    );
}

#[test]
fn base_domains_not_a_mapping() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("infra");
    let base = write(&dir, "base.yml", "project_name: lab\ndomains: [pro]\n");
    write(&dir, "domains/pro.yml", "pro: {subnet_id: 1}\n");
    let expected = format!(
        "{}: domains must be a mapping for the files in {} to be merged into it, got list; \
         remove the domains: key from base.yml or make it a mapping",
        base.display(),
        dir.join("domains").display()
    );
    assert_eq!(load_err(&dir), expected);
    write(&dir, "base.yml", "project_name: lab\ndomains:\n");
    assert_eq!(load_err(&dir), expected.replace("got list", "got null"));
}

#[test]
fn non_string_domain_names() {
    let tmp = TempDir::new().unwrap();
    let file = write(
        tmp.path(),
        "infra.yml",
        "project_name: lab\ndomains:\n  123:\n    subnet_id: 1\n",
    );
    assert_eq!(
        load_err(&file),
        format!(
            "{}: domain name 123 is not a string: YAML read it as int; names must be strings, \
             so quote it (\"123\") or rename it",
            file.display()
        )
    );
    let file = write(
        tmp.path(),
        "infra.yml",
        "project_name: lab\ndomains:\n  yes: {}\n",
    );
    assert_eq!(
        load_err(&file),
        format!(
            "{}: domain name true is not a string: YAML read it as bool (unquoted yes/no/on/off/true/false \
             are booleans in YAML 1.1); names must be strings, so quote it (\"true\") or rename it",
            file.display()
        )
    );
    // A quoted name is fine.
    let file = write(
        tmp.path(),
        "infra.yml",
        "project_name: lab\ndomains:\n  '123': {}\n",
    );
    assert_eq!(keys(load_ok(&file).value.get("domains")), ["123"]);

    let dir = tmp.path().join("infra");
    let base = write(&dir, "base.yml", "domains:\n  true: {}\n");
    assert!(load_err(&dir).starts_with(&format!(
        "{}: domain name true is not a string",
        base.display()
    )));
    write(&dir, "base.yml", "project_name: lab\n");
    let domain = write(&dir, "domains/n.yml", "ok: {}\n1.5: {}\n");
    assert!(load_err(&dir).starts_with(&format!(
        "{}: domain name 1.5 is not a string: YAML read it as float",
        domain.display()
    )));
}
