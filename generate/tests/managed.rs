//! Managed sections: what the generator replaces, what it leaves alone,
//! idempotence, `--diff`, and the deliberate backslash fix.

mod common;

use common::Project;
use std::fs;
use std::time::{Duration, SystemTime};

const INFRA: &str = "\
project_name: m
global:
  base_subnet: \"10.100\"
domains:
  lab:
    subnet_id: 1
    machines:
      lab-a: {ip: 10.100.1.10, description: first}
";

const BEGIN: &str = "# === MANAGED BY infra.yml ===";
const END: &str = "# === END MANAGED ===";

#[test]
fn new_files_have_header_block_and_custom_comment() {
    let p = Project::with_infra(INFRA);
    p.generate();
    assert_eq!(
        p.read("inventory/lab.yml"),
        format!(
            "---\n{BEGIN}\n# Do not edit this section — it will be overwritten by `make sync`\n\
             all:\n  children:\n    lab:\n      hosts:\n        lab-a:\n          ansible_host: 10.100.1.10\n\
             {END}\n\n# Your custom variables below:\n"
        )
    );
}

#[test]
fn user_content_around_the_block_is_kept() {
    let p = Project::with_infra(INFRA);
    p.generate();
    let first = p.read("host_vars/lab-a.yml");
    let edited = format!("# my header\n{first}extra_var: 42\n");
    p.write("host_vars/lab-a.yml", &edited);
    p.write("infra.yml", &INFRA.replace("first", "changed"));
    p.generate();
    let now = p.read("host_vars/lab-a.yml");
    assert!(now.starts_with("# my header\n---\n"), "{now}");
    assert!(
        now.ends_with("# Your custom variables below:\nextra_var: 42\n"),
        "{now}"
    );
    assert!(now.contains("instance_description: changed\n"));
}

#[test]
fn files_without_markers_get_the_block_prepended() {
    let p = Project::with_infra(INFRA);
    p.write("group_vars/lab.yml", "my_var: 1\n");
    p.write("host_vars/lab-a.yml", "--- # mine\nother: 2\n");
    p.generate();
    let g = p.read("group_vars/lab.yml");
    assert!(
        g.starts_with(&format!("---\n{BEGIN}\n")) && g.ends_with(&format!("{END}\n\nmy_var: 1\n")),
        "{g}"
    );
    let h = p.read("host_vars/lab-a.yml");
    assert!(
        h.starts_with(&format!("{BEGIN}\n"))
            && h.ends_with(&format!("{END}\n\n--- # mine\nother: 2\n")),
        "{h}"
    );
}

#[test]
fn only_the_first_block_is_replaced() {
    let p = Project::with_infra(INFRA);
    p.write(
        "group_vars/lab.yml",
        &format!("---\n{BEGIN}\nold: 1\n{END}\nmine: 1\n{BEGIN}\nsecond: 2\n{END}\n"),
    );
    p.generate();
    let g = p.read("group_vars/lab.yml");
    assert!(g.contains("domain_name: lab\n"));
    assert!(
        g.ends_with(&format!("{END}\nmine: 1\n{BEGIN}\nsecond: 2\n{END}\n")),
        "{g}"
    );
    assert!(!g.contains("old: 1"));
}

#[test]
fn windows_line_endings_are_read_as_python_does() {
    let p = Project::with_infra(INFRA);
    p.write(
        "group_vars/lab.yml",
        &format!("---\r\n{BEGIN}\r\nold\r\n{END}\r\nmine: 1\r\nlast: 2\r"),
    );
    p.generate();
    let g = p.read("group_vars/lab.yml");
    assert!(!g.contains('\r'));
    assert!(g.ends_with(&format!("{END}\nmine: 1\nlast: 2\n")), "{g}");
}

#[test]
fn backslashes_survive_a_rerun() {
    // Upstream's re.sub mangles (or crashes on) backslashes in the block
    // when it replaces an existing section; we insert it literally.
    let infra = INFRA.replace("description: first", "description: 'C:\\new\\1 \\g<0>'");
    let p = Project::with_infra(&infra);
    p.generate();
    let once = p.read("host_vars/lab-a.yml");
    assert!(
        once.contains("instance_description: C:\\new\\1 \\g<0>\n"),
        "{once}"
    );
    p.generate();
    assert_eq!(p.read("host_vars/lab-a.yml"), once);
}

fn mtime(p: &Project, rel: &str) -> SystemTime {
    fs::metadata(p.path(rel))
        .and_then(|m| m.modified())
        .expect("mtime")
}

#[test]
fn second_run_changes_nothing_and_keeps_mtimes() {
    let p = Project::with_infra(INFRA);
    let first = p.generate();
    let tree = p.tree();
    let old = SystemTime::now() - Duration::from_secs(3600);
    let f = fs::File::options()
        .write(true)
        .open(p.path("group_vars/all.yml"))
        .expect("open");
    f.set_modified(old).expect("set mtime");
    let second = p.generate();
    assert_eq!(
        first.stdout, second.stdout,
        "unchanged files are still listed"
    );
    assert_eq!(p.tree(), tree);
    assert_eq!(
        mtime(&p, "group_vars/all.yml"),
        old,
        "unchanged file was not rewritten"
    );
}

#[test]
fn diff_shows_what_would_change() {
    let p = Project::with_infra(INFRA);
    p.generate();
    p.write("infra.yml", &INFRA.replace("first", "second"));
    let r = p.run(&["infra.yml", "--dry-run", "--diff"]);
    assert_eq!(r.code, 0);
    let expected = "  [DRY-RUN] Would write: host_vars/lab-a.yml\n--- a/host_vars/lab-a.yml\n+++ b/host_vars/lab-a.yml\n";
    assert!(r.stdout.contains(expected), "{}", r.stdout);
    assert!(r
        .stdout
        .contains("\n-instance_description: first\n+instance_description: second\n"));
    assert!(
        !r.stdout.contains("--- a/group_vars/all.yml"),
        "unchanged files have no diff"
    );
    assert!(
        p.read("host_vars/lab-a.yml").contains("first"),
        "dry run wrote nothing"
    );

    let r = p.run(&["infra.yml", "--diff"]);
    assert!(r.stdout.contains("+instance_description: second\n"));
    assert!(p.read("host_vars/lab-a.yml").contains("second"));
}

#[test]
fn diff_of_a_new_file_shows_all_lines_added() {
    let p = Project::with_infra(INFRA);
    let r = p.run(&["infra.yml", "--diff", "--dry-run"]);
    assert!(
        r.stdout
            .contains("--- a/inventory/lab.yml\n+++ b/inventory/lab.yml\n@@ -0,0 +1,"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("+# Your custom variables below:\n"));
}

#[cfg(unix)]
#[test]
fn symlinked_files_are_written_through() {
    let p = Project::with_infra(INFRA);
    p.write("shared/lab.yml", "mine: 1\n");
    fs::create_dir_all(p.path("group_vars")).expect("mkdir");
    std::os::unix::fs::symlink("../shared/lab.yml", p.path("group_vars/lab.yml")).expect("symlink");
    p.generate();
    assert!(fs::symlink_metadata(p.path("group_vars/lab.yml"))
        .expect("meta")
        .file_type()
        .is_symlink());
    assert!(p.read("shared/lab.yml").contains("domain_name: lab\n"));
}

/// Upstream lets a domain named `all` overwrite group_vars/all.yml (the
/// project-wide variables vanish); ours refuses it, writing nothing.
#[test]
fn a_domain_named_all_is_refused() {
    let p = Project::with_infra(&INFRA.replace("  lab:", "  all:").replace("lab-a", "all-a"));
    let r = p.run(&["infra.yml"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "Validation errors:\n  - Domain 'all': 'all' is reserved (Ansible's group of every \
         host, group_vars/all.yml); rename the domain\n"
    );
    assert!(!p.path("group_vars").exists());
}

/// Unlike upstream, a dangling link is never written through (upstream
/// creates its target, or fails when the target's folder is missing):
/// refused before anything is written.
#[cfg(unix)]
#[test]
fn dangling_symlinks_are_refused_before_any_write() {
    let p = Project::with_infra(INFRA);
    fs::create_dir_all(p.path("group_vars")).expect("mkdir");
    let outside = tempfile::tempdir().expect("tempdir");
    let deep = outside.path().join("nonexist/deep/file.yml");
    std::os::unix::fs::symlink(&deep, p.path("group_vars/lab.yml")).expect("symlink");
    let r = p.run(&["infra.yml"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stderr.trim_end(),
        format!(
            "ERROR: cannot write group_vars/lab.yml: it is a symlink to {}, which does not \
             exist (no file or folder is created for a dangling link); nothing written",
            deep.display()
        )
    );
    assert!(!outside.path().join("nonexist").exists());
    assert!(!p.path("inventory").exists(), "nothing written");
    assert!(!p.path("group_vars/all.yml").exists(), "nothing written");
}

#[cfg(unix)]
#[test]
fn rewritten_files_keep_their_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let p = Project::with_infra(INFRA);
    p.generate();
    let f = p.path("host_vars/lab-a.yml");
    fs::set_permissions(&f, fs::Permissions::from_mode(0o600)).expect("chmod");
    p.write("infra.yml", &INFRA.replace("first", "second"));
    p.generate();
    assert!(p.read("host_vars/lab-a.yml").contains("second"));
    let mode = fs::metadata(&f).expect("meta").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[cfg(unix)]
#[test]
fn hard_linked_files_are_each_written() {
    let infra = format!("{INFRA}      lab-b: {{ip: 10.100.1.11}}\n");
    let p = Project::with_infra(&infra);
    p.generate();
    fs::remove_file(p.path("host_vars/lab-b.yml")).expect("rm");
    fs::hard_link(p.path("host_vars/lab-a.yml"), p.path("host_vars/lab-b.yml")).expect("link");
    p.generate();
    assert!(p
        .read("host_vars/lab-a.yml")
        .contains("instance_name: lab-a\n"));
    assert!(p
        .read("host_vars/lab-b.yml")
        .contains("instance_name: lab-b\n"));
}

#[test]
fn an_unreadable_file_stops_the_run_before_any_write() {
    let p = Project::with_infra(INFRA);
    p.generate();
    p.write("infra.yml", &INFRA.replace("first", "second"));
    fs::write(p.path("group_vars/lab.yml"), b"\xff\xfe not utf-8\n").expect("write");
    let r = p.run(&["infra.yml"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        "ERROR: cannot read group_vars/lab.yml: it is not UTF-8 text\n"
    );
    assert!(
        p.read("host_vars/lab-a.yml").contains("first"),
        "nothing was written"
    );
}

#[test]
fn a_planning_error_is_reported_before_an_unreadable_file() {
    let p = Project::with_infra(INFRA);
    p.generate();
    fs::write(p.path("inventory/lab.yml"), b"\xff not utf-8\n").expect("write");
    p.write(
        "infra.yml",
        &format!("{INFRA}_shared_volume_devices: not a mapping\n"),
    );
    let r = p.run(&["infra.yml"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("_shared_volume_devices") && !r.stderr.contains("cannot read"),
        "{}",
        r.stderr
    );
}
