//! Whole text and JSON reports of the fixture project, as snapshots.

mod common;

use common::{parse, project, run, stdout};

#[test]
fn text_report() {
    let p = project(true);
    let out = run(p.path(), &["--project-dir", ".", "--no-dead-code"]);
    assert!(out.status.success(), "{out:?}");
    insta::assert_snapshot!("text_report", stdout(&out));
}

#[test]
fn json_report() {
    let p = project(true);
    let out = run(
        p.path(),
        &["--json", "--project-dir", ".", "--no-dead-code"],
    );
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(text.ends_with("}\n"), "print() adds one newline");
    let v = parse(&text);
    // Test-only modules: valid JSON instead of Python's bare `Infinity`.
    assert_eq!(v["test_ratios"]["orphan"]["ratio"], serde_json::Value::Null);
    assert_eq!(v["test_ratios"]["orphan"]["test_only"], true);
    assert!(v["test_ratios"]["generate"].get("test_only").is_none());
    insta::assert_snapshot!("json_report", text);
}

#[test]
fn non_utf8_files_are_counted() {
    let with = project(true);
    let without = project(false);
    let args = ["--json", "--project-dir", ".", "--no-dead-code"];
    let a = parse(&stdout(&run(with.path(), &args)));
    let b = parse(&stdout(&run(without.path(), &args)));
    let impl_lines =
        |v: &serde_json::Value| v["line_counts"]["python_impl"]["total_lines"].as_u64();
    assert_eq!(impl_lines(&a).unwrap(), impl_lines(&b).unwrap() + 2);
    assert_eq!(a["test_ratios"]["latin1"]["impl_lines"], 2);
}

#[test]
fn empty_project_reports_zeroes() {
    let t = tempfile::tempdir().unwrap();
    let out = run(t.path(), &["--project-dir", ".", "--no-dead-code"]);
    assert!(out.status.success());
    insta::assert_snapshot!("empty_text", stdout(&out));
    let out = run(
        t.path(),
        &["--json", "--project-dir", ".", "--no-dead-code"],
    );
    let v = parse(&stdout(&out));
    assert_eq!(v["summary"]["overall_test_to_impl_ratio"], 0);
    assert_eq!(v["test_ratios"], serde_json::json!({}));
    assert_eq!(v["untested_scripts"], serde_json::json!([]));
}

#[test]
fn odd_inputs_do_not_fail() {
    use std::os::unix::ffi::OsStrExt;
    let t = tempfile::tempdir().unwrap();
    let scripts = t.path().join("scripts");
    std::fs::create_dir_all(&scripts).unwrap();
    let odd = std::ffi::OsStr::from_bytes(b"bad\xff\n\"name\x07.py");
    std::fs::write(scripts.join(odd), b"\x00\xff\xfe\r\r\n").unwrap();
    std::fs::write(scripts.join("é😀.sh"), "x\n").unwrap();
    for args in [&["--no-dead-code"][..], &["--no-dead-code", "--json"][..]] {
        let mut all = vec!["--project-dir", "."];
        all.extend_from_slice(args);
        let out = run(t.path(), &all);
        assert!(out.status.success(), "{out:?}");
        if args.contains(&"--json") {
            let v = parse(&stdout(&out));
            assert_eq!(v["line_counts"]["python_impl"]["total_lines"], 2);
            assert_eq!(v["untested_scripts"][1], "scripts/é😀.sh");
        }
    }
}
