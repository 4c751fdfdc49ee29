//! Orphan files: reported (sorted), protected ones never deleted,
//! `--clean-orphans` removes the others, dry runs delete nothing.

mod common;

use common::Project;

const INFRA: &str = "\
project_name: o
global:
  base_subnet: \"10.100\"
domains:
  lab:
    subnet_id: 1
    machines:
      lab-a: {ip: 10.100.1.10}
";

fn with_orphans() -> Project {
    let p = Project::with_infra(INFRA);
    p.write("inventory/gone.yml", "all: {}\n");
    p.write("group_vars/gone.yml", "domain_ephemeral: false\n");
    p.write("host_vars/zz-old.yml", "instance_ephemeral: true\n");
    p.write("host_vars/aa-old.yml", "instance_ephemeral: false\n");
    p.write("host_vars/notes.txt", "not yaml by name\n");
    p
}

const REPORT: &str = "\nOrphan files (4):\n  ORPHAN: inventory/gone.yml\n  \
PROTECTED (ephemeral=false): group_vars/gone.yml — manual removal required\n  \
PROTECTED (ephemeral=false): host_vars/aa-old.yml — manual removal required\n  ORPHAN: host_vars/zz-old.yml\n";

#[test]
fn orphans_are_reported_in_sorted_order() {
    let p = with_orphans();
    let r = p.generate();
    assert!(
        r.stdout
            .ends_with(&format!("{REPORT}\nDone. Run `make lint` to validate.\n")),
        "{}",
        r.stdout
    );
    assert!(p.exists("inventory/gone.yml"), "reporting deletes nothing");
}

#[test]
fn clean_orphans_deletes_only_unprotected_files() {
    let p = with_orphans();
    let r = p.run(&["infra.yml", "--clean-orphans"]);
    assert_eq!(r.code, 0);
    let expected = format!(
        "{REPORT}  Deleted: inventory/gone.yml\n  Skipped (protected): group_vars/gone.yml\n  \
         Skipped (protected): host_vars/aa-old.yml\n  Deleted: host_vars/zz-old.yml\n"
    );
    assert!(r.stdout.contains(&expected), "{}", r.stdout);
    assert!(!p.exists("inventory/gone.yml") && !p.exists("host_vars/zz-old.yml"));
    assert!(p.exists("group_vars/gone.yml") && p.exists("host_vars/aa-old.yml"));
    assert!(p.exists("host_vars/notes.txt"));
}

#[test]
fn dry_run_never_deletes() {
    let p = with_orphans();
    let r = p.run(&["infra.yml", "--clean-orphans", "--dry-run"]);
    assert!(r.stdout.contains("Orphan files (4):"));
    assert!(!r.stdout.contains("Deleted"));
    assert!(p.exists("inventory/gone.yml") && p.exists("host_vars/zz-old.yml"));
}

#[test]
fn generated_files_and_all_yml_are_not_orphans() {
    let p = Project::with_infra(INFRA);
    let r = p.generate();
    assert!(!r.stdout.contains("Orphan"));
    let r = p.generate();
    assert!(!r.stdout.contains("Orphan"));
}

#[test]
fn removed_machine_becomes_an_orphan_protected_by_its_ephemeral_flag() {
    let p = Project::with_infra(INFRA);
    p.generate();
    p.write(
        "infra.yml",
        &INFRA.replace(
            "      lab-a: {ip: 10.100.1.10}\n",
            "      lab-b: {ip: 10.100.1.11}\n",
        ),
    );
    let r = p.generate();
    assert!(
        r.stdout.contains(
            "  PROTECTED (ephemeral=false): host_vars/lab-a.yml — manual removal required\n"
        ),
        "{}",
        r.stdout
    );

    let ephemeral = INFRA.replace("subnet_id: 1\n", "subnet_id: 1\n    ephemeral: true\n");
    let p = Project::with_infra(&ephemeral);
    p.generate();
    p.write(
        "infra.yml",
        &ephemeral.replace("lab-a", "lab-b").replace(".10}", ".11}"),
    );
    let r = p.run(&["infra.yml", "--clean-orphans"]);
    assert!(
        r.stdout
            .contains("  ORPHAN: host_vars/lab-a.yml\n  Deleted: host_vars/lab-a.yml\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn unparsable_orphans_are_not_protected() {
    let p = Project::with_infra(INFRA);
    p.write("host_vars/broken.yml", "instance_ephemeral: false\n: : [\n");
    p.write(
        "host_vars/two-docs.yml",
        "instance_ephemeral: false\n---\nx: 1\n",
    );
    let r = p.generate();
    assert!(
        r.stdout
            .contains("  ORPHAN: host_vars/broken.yml\n  ORPHAN: host_vars/two-docs.yml\n"),
        "{}",
        r.stdout
    );
}
