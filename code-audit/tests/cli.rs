//! Command line: argparse-compatible spellings, project-root discovery,
//! errors, and writing the report to a file.

mod common;

use common::{parse, project, run, stderr, stdout};
use std::fs;

#[test]
fn discovers_the_nearest_root_and_says_so() {
    let p = project(false);
    let deep = p.path().join("roles/base_system/tasks");
    let root = p.path().canonicalize().unwrap();
    let out = run(&deep, &["--json", "--no-dead-code"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stderr(&out),
        format!(
            "code-audit: auditing {} (nearest folder holding scripts/ or .git)\n",
            root.display()
        )
    );
    let v = parse(&stdout(&out));
    assert_eq!(v["project_dir"], root.to_str().unwrap());
    assert_eq!(v["summary"]["total_role_lines"], 247);
}

#[test]
fn discovers_a_git_checkout_without_scripts() {
    let t = tempfile::tempdir().unwrap();
    fs::create_dir_all(t.path().join("repo/.git")).unwrap();
    fs::create_dir_all(t.path().join("repo/a/b")).unwrap();
    fs::write(t.path().join("repo/site.yml"), "x: 1\n").unwrap();
    let out = run(&t.path().join("repo/a/b"), &["--json", "--no-dead-code"]);
    let root = t.path().join("repo").canonicalize().unwrap();
    assert!(stderr(&out).contains(&format!("auditing {} (", root.display())));
    assert_eq!(
        parse(&stdout(&out))["line_counts"]["yaml_config"]["total_lines"],
        1
    );
}

#[test]
fn not_a_directory_is_upstreams_error() {
    let t = tempfile::tempdir().unwrap();
    let out = run(t.path(), &["--project-dir", "nope//x/"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), "ERROR: Not a directory: nope/x\n");
    assert!(out.stdout.is_empty());
    fs::write(t.path().join("file"), "").unwrap();
    let out = run(t.path(), &["--project-dir=./file"]);
    assert_eq!(stderr(&out), "ERROR: Not a directory: file\n");
}

#[test]
fn usage_errors_exit_2() {
    let t = tempfile::tempdir().unwrap();
    for args in [
        &["--bogus"][..],
        &["--project-dir"][..],
        &["extra"][..],
        &["-o"][..],
    ] {
        let out = run(t.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
        assert!(stderr(&out).starts_with("error: "), "{args:?}");
    }
}

#[test]
fn unique_prefixes_and_attached_values_work() {
    let p = project(false);
    let out = run(
        p.path(),
        &["--js", "--no-dead", "--proj=.", "--out=reports/a.json"],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stderr(&out), "Report written to reports/a.json\n");
    assert!(out.stdout.is_empty());
    let written = fs::read_to_string(p.path().join("reports/a.json")).unwrap();
    assert!(
        written.ends_with('}'),
        "no newline after the JSON in a file"
    );
    let on_stdout = stdout(&run(
        p.path(),
        &["--json", "--no-dead-code", "--project-dir", "."],
    ));
    assert_eq!(format!("{written}\n"), on_stdout);
    parse(&written);

    let out = run(
        p.path(),
        &[
            "--no-dead-code",
            "--project-dir",
            ".",
            "-odeep/er/report.txt",
        ],
    );
    assert_eq!(stderr(&out), "Report written to deep/er/report.txt\n");
    let text = fs::read_to_string(p.path().join("deep/er/report.txt")).unwrap();
    assert_eq!(
        text,
        stdout(&run(p.path(), &["--no-dead-code", "--project-dir", "."]))
    );
}

#[test]
fn empty_output_means_stdout_as_with_argparse() {
    let p = project(false);
    let out = run(
        p.path(),
        &["--no-dead-code", "--project-dir", ".", "--output", ""],
    );
    assert!(out.status.success());
    assert!(stdout(&out).starts_with("===="));
    assert!(stderr(&out).is_empty());
    // `Path("")` is `.` for pathlib.
    let out = run(p.path(), &["--json", "--no-dead-code", "--project-dir", ""]);
    assert_eq!(parse(&stdout(&out))["project_dir"], ".");
}

#[test]
fn unwritable_output_is_one_error_line() {
    let p = project(false);
    let out = run(
        p.path(),
        &["--no-dead-code", "--project-dir", ".", "-o", "scripts"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.starts_with("ERROR: cannot write scripts: "), "{err}");
    assert_eq!(err.lines().count(), 1);
}

#[test]
fn help_exits_0() {
    let t = tempfile::tempdir().unwrap();
    let out = run(t.path(), &["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("--no-dead-code"));
}

/// The report into `> /dev/full`: one error line and exit 1.
#[test]
fn report_into_a_full_disk_is_one_error_line() {
    let p = project(false);
    for args in [
        &["--no-dead-code", "--project-dir", "."][..],
        &["--json", "--no-dead-code", "--project-dir", "."],
    ] {
        let full = fs::File::options().write(true).open("/dev/full").unwrap();
        let out = std::process::Command::new(common::BIN)
            .current_dir(p.path())
            .args(args)
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(
            stderr(&out),
            "ERROR: cannot write the report to stdout: No space left on device (os error 28)\n",
            "{args:?}"
        );
        assert_eq!(out.status.code(), Some(1), "{args:?}");
    }
}
