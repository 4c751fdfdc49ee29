//! The dead-code section: the project's `code-analysis.sh`, the tools run
//! directly (fake ones on a PATH that hides the real ones, and the real
//! shellcheck when installed), and neither.

mod common;

use common::{fake_bin, parse, project, run, run_with_path, stdout};
use std::path::Path;

fn json_dead_code(out: &std::process::Output) -> serde_json::Value {
    assert!(out.status.success(), "{out:?}");
    parse(&stdout(out))["dead_code"].clone()
}

#[test]
fn project_script_is_run_with_its_output_and_status() {
    let p = project(false);
    std::fs::write(
        p.path().join("scripts/code-analysis.sh"),
        "#!/usr/bin/env bash\necho \"=== Dead Code Detection ===\"\necho \"cwd=$(pwd) arg=$1\"\necho warn >&2\nexit 4\n",
    )
    .unwrap();
    let dc = json_dead_code(&run(p.path(), &["--json", "--project-dir", "."]));
    let cwd = p.path().canonicalize().unwrap();
    assert_eq!(dc["status"], "ok");
    assert_eq!(
        dc["stdout"],
        format!(
            "=== Dead Code Detection ===\ncwd={} arg=dead-code\n",
            cwd.display()
        )
    );
    assert_eq!(dc["stderr"], "warn\n");
    assert_eq!(dc["returncode"], 4);

    let text = stdout(&run(p.path(), &["--project-dir", "."]));
    let want = format!(
        "DEAD CODE DETECTION\n=== Dead Code Detection ===\ncwd={} arg=dead-code\n\nwarn\n\n\n====",
        cwd.display()
    );
    assert!(text.contains(&want), "{text}");
}

#[test]
fn project_script_is_found_from_a_relative_project_dir() {
    // Upstream ran `bash sub/scripts/code-analysis.sh` inside `sub/`.
    let parent = tempfile::tempdir().unwrap();
    let sub = parent.path().join("sub");
    common::fixture(&sub, false);
    std::fs::write(sub.join("scripts/code-analysis.sh"), "echo found\n").unwrap();
    let dc = json_dead_code(&run(parent.path(), &["--json", "--project-dir", "sub"]));
    assert_eq!(dc["stdout"], "found\n");
    assert_eq!(dc["returncode"], 0);
}

fn tools_project() -> tempfile::TempDir {
    let p = project(false);
    std::fs::create_dir_all(p.path().join("scripts/lib/__pycache__")).unwrap();
    std::fs::write(p.path().join("scripts/lib/helper.py"), "x = 1\n").unwrap();
    std::fs::write(
        p.path().join("scripts/lib/__pycache__/helper.py"),
        "x = 1\n",
    )
    .unwrap();
    p
}

#[test]
fn fake_vulture_and_shellcheck_are_run_directly() {
    let p = tools_project();
    let bin_root = tempfile::tempdir().unwrap();
    let bin = fake_bin(
        bin_root.path(),
        &[
            ("vulture", "for a in \"$@\"; do echo \"vulture-arg ${a##*/}\"; done; echo 'unused function x' >&2; exit 3"),
            ("shellcheck", "echo \"shellcheck $1 $#\"; exit 1"),
        ],
    );
    let dc = json_dead_code(&run_with_path(
        p.path(),
        &bin,
        &["--json", "--project-dir", "."],
    ));
    assert_eq!(dc["status"], "ok");
    assert_eq!(dc["returncode"], 0);
    let out = dc["stdout"].as_str().unwrap();
    // Sorted file lists, __pycache__ left out, vulture's options last.
    let vulture_args: Vec<&str> = out
        .lines()
        .filter_map(|l| l.strip_prefix("vulture-arg "))
        .collect();
    assert_eq!(
        vulture_args,
        [
            ".hidden.py",
            "crlf.py",
            "eighth.py",
            "empty.py",
            "generate.py",
            "helper.py",
            "untested.py",
            "conftest.py",
            "snap.py",
            "test_eighth.py",
            "test_generate.py",
            "test_my_tool.py",
            "test_orphan.py",
            "test_snap.py",
            "--min-confidence",
            "80"
        ]
    );
    assert!(out.contains("unused function x\n"), "{out}");
    // my-tool.sh and snap.sh (the dangling symlink is not a file to check).
    assert!(out.contains("shellcheck --include=SC2034 3\n"), "{out}");

    let text = stdout(&run_with_path(p.path(), &bin, &["--project-dir", "."]));
    assert!(
        text.contains("DEAD CODE DETECTION\nDead code (scripts/code-analysis.sh not found"),
        "{text}"
    );
}

#[test]
fn one_tool_missing_is_said() {
    let p = tools_project();
    let bin_root = tempfile::tempdir().unwrap();
    let bin = fake_bin(bin_root.path(), &[("shellcheck", "exit 0")]);
    let dc = json_dead_code(&run_with_path(
        p.path(),
        &bin,
        &["--json", "--project-dir", "."],
    ));
    let out = dc["stdout"].as_str().unwrap();
    assert!(out.contains("vulture is not installed"), "{out}");
    assert!(out.contains("No unused shell variables found."), "{out}");
}

#[test]
fn real_shellcheck_finds_the_unused_variable() {
    let Some(real) = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join("shellcheck"))
        .find(|p| p.is_file())
    else {
        eprintln!("SKIPPED: shellcheck not installed; real-tool test skipped");
        return;
    };
    let p = tools_project();
    let bin_root = tempfile::tempdir().unwrap();
    let bin = bin_root.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(&real, bin.join("shellcheck")).unwrap();
    let dc = json_dead_code(&run_with_path(
        p.path(),
        &bin,
        &["--json", "--project-dir", "."],
    ));
    let out = dc["stdout"].as_str().unwrap();
    assert!(out.contains("SC2034"), "{out}");
    assert!(out.contains("unused appears unused"), "{out}");
    assert!(out.contains("vulture is not installed"), "{out}");
}

#[test]
fn no_script_and_no_tools_is_a_skip_with_the_reason() {
    let p = project(false);
    let empty = tempfile::tempdir().unwrap();
    let dc = json_dead_code(&run_with_path(
        p.path(),
        empty.path(),
        &["--json", "--project-dir", "."],
    ));
    assert_eq!(
        dc,
        serde_json::json!({"status": "skipped", "reason": "code-analysis.sh not found, and neither vulture nor shellcheck is installed"})
    );
    let text = stdout(&run_with_path(
        p.path(),
        empty.path(),
        &["--project-dir", "."],
    ));
    assert!(
        text.contains("DEAD CODE DETECTION\n  Skipped: code-analysis.sh not found, and neither"),
        "{text}"
    );
}

#[test]
fn no_dead_code_skips_even_the_project_script() {
    let p = project(false);
    std::fs::write(p.path().join("scripts/code-analysis.sh"), "touch ran\n").unwrap();
    let dc = json_dead_code(&run(
        p.path(),
        &["--json", "--no-dead-code", "--project-dir", "."],
    ));
    assert_eq!(
        dc,
        serde_json::json!({"status": "skipped", "reason": "disabled with --no-dead-code"})
    );
    assert!(!Path::new(&p.path().join("ran")).exists());
}
