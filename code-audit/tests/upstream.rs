//! The oracle: upstream's `scripts/code-audit.py` (Python) against the
//! binary, on the upstream tree and on the fixture. Runs only when
//! `ANKLUME_UPSTREAM_DIR` names an anklume checkout and python3 is present.
//!
//! Dead code is disabled on the Python side by a wrapper that loads the
//! script and replaces `run_dead_code` with the skip our `--no-dead-code`
//! reports, so the text must match byte for byte. A second comparison keeps
//! upstream's dead-code step, on a fixture whose `code-analysis.sh` is a
//! stub. JSON must match except for the documented fix (`Infinity` →
//! `null` + `"test_only": true`).

mod common;

use common::{parse, run, stdout};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Loads the script as a module and swaps its dead-code step for a skip.
const WRAPPER: &str = r#"
import importlib.util, sys
script = sys.argv[1]
spec = importlib.util.spec_from_file_location("code_audit", script)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
if sys.argv[2] == "skip":
    module.run_dead_code = lambda d: {"status": "skipped", "reason": "disabled with --no-dead-code"}
sys.argv = [script] + sys.argv[3:]
module.main()
"#;

fn upstream() -> Option<PathBuf> {
    let Some(dir) = std::env::var_os("ANKLUME_UPSTREAM_DIR") else {
        eprintln!("SKIPPED: ANKLUME_UPSTREAM_DIR unset; upstream comparison skipped");
        return None;
    };
    let dir = PathBuf::from(dir);
    let script = dir.join("scripts/code-audit.py");
    assert!(
        script.is_file(),
        "{} has no scripts/code-audit.py",
        dir.display()
    );
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("SKIPPED: python3 not found; upstream comparison skipped");
        return None;
    }
    Some(dir)
}

fn python(upstream: &Path, dead_code: &str, project: &Path, json: bool) -> String {
    let mut cmd = Command::new("python3");
    cmd.args(["-c", WRAPPER])
        .arg(upstream.join("scripts/code-audit.py"))
        .arg(dead_code)
        .arg("--project-dir")
        .arg(project);
    if json {
        cmd.arg("--json");
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "python failed: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

fn ours(project: &Path, dead_code: bool, json: bool) -> String {
    let dir = project.to_str().unwrap();
    let mut args = vec!["--project-dir", dir];
    if !dead_code {
        args.push("--no-dead-code");
    }
    if json {
        args.push("--json");
    }
    let out = run(project, &args);
    assert!(out.status.success(), "{out:?}");
    stdout(&out)
}

/// Python's JSON with the documented fix applied.
fn fixed(python_json: &str) -> String {
    python_json.replace(
        "\"ratio\": Infinity",
        "\"ratio\": null,\n      \"test_only\": true",
    )
}

fn compare(upstream: &Path, project: &Path, dead_code: bool) {
    let mode = if dead_code { "run" } else { "skip" };
    let py_text = python(upstream, mode, project, false);
    let rs_text = ours(project, dead_code, false);
    assert_eq!(
        rs_text,
        py_text,
        "text report differs on {}",
        project.display()
    );
    let py_json = fixed(&python(upstream, mode, project, true));
    let rs_json = ours(project, dead_code, true);
    parse(&rs_json);
    assert_eq!(
        rs_json,
        py_json,
        "JSON report differs on {}",
        project.display()
    );
}

#[test]
fn same_reports_as_upstream_on_its_own_tree() {
    let Some(up) = upstream() else { return };
    compare(&up, &up, false);
}

#[test]
fn same_reports_as_upstream_on_the_fixture() {
    let Some(up) = upstream() else { return };
    let p = common::project(false);
    compare(&up, p.path(), false);
}

#[test]
fn same_dead_code_section_with_a_code_analysis_script() {
    let Some(up) = upstream() else { return };
    let p = common::project(false);
    let script = p.path().join("scripts/code-analysis.sh");
    std::fs::write(
        &script,
        "#!/usr/bin/env bash\necho \"=== Dead Code Detection ===\"\nprintf 'a\\r\\nb\\n'\necho 'oops' >&2\nexit 3\n",
    )
    .unwrap();
    compare(&up, p.path(), true);
}

#[test]
fn non_utf8_files_are_the_only_other_difference() {
    let Some(up) = upstream() else { return };
    let p = common::project(true);
    let py = parse(&fixed(&python(&up, "skip", p.path(), true)));
    let rs = parse(&ours(p.path(), false, true));
    let impl_lines =
        |v: &serde_json::Value| v["line_counts"]["python_impl"]["total_lines"].as_u64();
    // scripts/latin1.py has 2 lines; upstream read it as 0.
    assert_eq!(impl_lines(&rs).unwrap(), impl_lines(&py).unwrap() + 2);
    assert_eq!(py["test_ratios"]["latin1"]["impl_lines"], 0);
    assert_eq!(rs["test_ratios"]["latin1"]["impl_lines"], 2);
}
