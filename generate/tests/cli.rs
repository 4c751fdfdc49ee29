//! The command line and the report: exit codes, argparse-style options,
//! which stream each message goes to, and how paths are printed.

mod common;

use common::Project;

const SMALL: &str = "\
project_name: small
global:
  base_subnet: \"10.100\"
  default_os_image: images:debian/13
domains:
  lab:
    subnet_id: 1
    machines:
      lab-a:
        ip: 10.100.1.10
";

#[test]
fn success_reports_files_and_exits_zero() {
    let p = Project::with_infra(SMALL);
    let r = p.generate();
    assert_eq!(
        r.stdout,
        "Generating files for 1 domain(s)...\n  Written: group_vars/all.yml\n  Written: inventory/lab.yml\n  \
         Written: group_vars/lab.yml\n  Written: host_vars/lab-a.yml\n\nDone. Run `make lint` to validate.\n"
    );
    assert_eq!(r.stderr, "");
}

#[test]
fn paths_are_printed_like_python_pathlib() {
    let p = Project::with_infra(SMALL);
    let r = p.run(&["infra.yml", "--base-dir", "out/"]);
    assert!(
        r.stdout.contains("  Written: out/group_vars/all.yml\n"),
        "{}",
        r.stdout
    );
    let r = p.run(&["infra.yml", "--base-dir=./out//deep/."]);
    assert!(
        r.stdout
            .contains("  Written: out/deep/host_vars/lab-a.yml\n"),
        "{}",
        r.stdout
    );
    assert!(p.exists("out/deep/inventory/lab.yml"));
}

#[test]
fn unique_prefixes_are_accepted() {
    let p = Project::with_infra(SMALL);
    let r = p.run(&["--dry", "--base", "elsewhere", "infra.yml"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r
        .stdout
        .starts_with("[DRY-RUN] Generating files for 1 domain(s)...\n"));
    assert!(r
        .stdout
        .contains("  [DRY-RUN] Would write: elsewhere/group_vars/all.yml\n"));
    assert!(!p.exists("elsewhere"));
}

#[test]
fn repeated_options_are_accepted_like_argparse() {
    let p = Project::with_infra(SMALL);
    let r = p.run(&[
        "infra.yml",
        "--dry-run",
        "--dry-run",
        "--base-dir",
        "a",
        "--base-dir",
        "b",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("Would write: b/group_vars/all.yml"));
}

#[test]
fn usage_errors_exit_two() {
    let p = Project::with_infra(SMALL);
    assert_eq!(p.run(&[]).code, 2);
    assert_eq!(p.run(&["infra.yml", "--no-such-flag"]).code, 2);
    let help = p.run(&["--help"]);
    assert_eq!(help.code, 0);
    // `infra_file`: the positional's name in upstream's argparse help,
    // which anklume's own tests look for.
    for flag in [
        "infra_file",
        "--dry-run",
        "--clean-orphans",
        "--base-dir",
        "--diff",
        "--strict",
    ] {
        assert!(help.stdout.contains(flag), "help lacks {flag}");
    }
}

/// The man page and completions come from the same clap definition as
/// `--help` (hidden options, alone on the line).
#[test]
fn man_page_and_completions_from_the_declaration() {
    let p = Project::new();
    let man = p.run(&["--man", "anklume-generate"]);
    assert_eq!(man.code, 0);
    assert!(
        man.stdout.starts_with(".TH ANKLUME\\-GENERATE 1 "),
        "{}",
        man.stdout
    );
    assert!(
        man.stdout
            .contains(".SH ARGUMENTS\n.TP\n\\fIinfra_file\\fR\n"),
        "{}",
        man.stdout
    );
    assert!(
        man.stdout
            .contains("\\fB\\-\\-base\\-dir\\fR \\fIDIR\\fR\nOutput base directory\n"),
        "{}",
        man.stdout
    );
    let bash = p.run(&["--completions", "bash"]);
    assert_eq!(bash.code, 0);
    assert!(
        bash.stdout.contains(
            "--dry-run --clean-orphans --base-dir --diff --no-wait --strict -h --help -V --version"
        ),
        "{}",
        bash.stdout
    );
    // Not alone: an ordinary (wrong) command line, as before.
    assert_eq!(p.run(&["infra.yml", "--man"]).code, 2);
}

#[test]
fn missing_file_is_one_error_line() {
    let p = Project::new();
    let r = p.run(&["nope.yml"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.starts_with("ERROR: "), "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1);
    assert_eq!(r.stdout, "");
}

#[test]
fn validation_errors_go_to_stderr_and_nothing_is_written() {
    let p = Project::with_infra(
        "project_name: x\nglobal: {}\ndomains:\n  Bad_Name:\n    subnet_id: 1\n",
    );
    let r = p.run(&["infra.yml"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.starts_with("Validation errors:\n  - "),
        "{}",
        r.stderr
    );
    assert_eq!(r.stdout, "");
    assert!(!p.exists("group_vars"));
}

#[test]
fn missing_required_keys_are_listed() {
    let p = Project::with_infra("domains: {}\n");
    let r = p.run(&["infra.yml"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        "Validation errors:\n  - Missing required key: project_name\n  - Missing required key: global\n"
    );
}

#[test]
fn no_domains_means_nothing_to_generate() {
    let p = Project::with_infra("project_name: x\nglobal: {}\ndomains: {}\n");
    let r = p.generate();
    assert_eq!(r.stdout, "No domains defined. Nothing to generate.\n");
    assert!(!p.exists("group_vars"));
}

#[test]
fn warnings_keep_exit_zero() {
    let yaml = "\
project_name: x
global: {base_subnet: \"10.100\", gpu_policy: shared}
domains:
  a:
    subnet_id: 1
    machines:
      a1: {ip: 10.100.1.1, gpu: true}
      a2: {ip: 10.100.1.2, gpu: true}
";
    let p = Project::with_infra(yaml);
    let r = p.generate();
    assert!(
        r.stderr
            .starts_with("WARNING: GPU policy is 'shared': 2 instances"),
        "{}",
        r.stderr
    );
}

#[test]
fn dry_run_writes_nothing_and_skips_done() {
    let p = Project::with_infra(SMALL);
    let r = p.run(&["infra.yml", "--dry-run"]);
    assert_eq!(r.code, 0);
    assert!(!r.stdout.contains("Done."));
    assert!(r
        .stdout
        .contains("  [DRY-RUN] Would write: host_vars/lab-a.yml\n"));
    assert!(!p.exists("group_vars"));
}

#[test]
fn infra_directory_is_accepted() {
    let p = Project::with_example_dir("split");
    let r = p.run(&["infra"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(p.exists("inventory/lab.yml") && p.exists("host_vars/admin-ctl.yml"));
    // `infra.yml` falls back to the `infra/` directory, as upstream.
    assert_eq!(p.run(&["infra.yml", "--dry-run"]).code, 0);
}

#[test]
fn directory_without_base_yml_is_an_error() {
    let p = Project::new();
    p.write("infra/domains/a.yml", "a: {subnet_id: 1}\n");
    let r = p.run(&["infra"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        "ERROR: infra/base.yml not found in infra directory.\n"
    );
}

#[test]
fn strict_names_the_closest_key() {
    let yaml = "\
project_name: x
global: {base_subnet: \"10.100\"}
domains:
  a:
    subnet_id: 1
    trust_levl: admin
    machines:
      a1: {ip: 10.100.1.1, tpye: vm}
";
    let p = Project::with_infra(yaml);
    let r = p.run(&["--strict", "infra.yml"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("domains.a: unknown key `trust_levl` (did you mean `trust_level`?)"),
        "{}",
        r.stderr
    );
    assert!(r
        .stderr
        .contains("domains.a.machines.a1: unknown key `tpye` (did you mean `type`?)"));
    // Without --strict the typo is ignored, as upstream does.
    assert_eq!(p.run(&["infra.yml"]).code, 0);
}

#[test]
fn strict_accepts_our_examples() {
    let p = Project::new();
    let homelab = common::workspace().join("examples/homelab/infra.yml");
    let r = p.run(&[
        "--strict",
        "--dry-run",
        homelab.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}
