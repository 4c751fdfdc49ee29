//! Validation tests: each rule with a small infra of our own, asserting the
//! exact message upstream prints for it.

use super::*;
use py::yaml::load_str;

mod domains;
mod fuzz;
mod host;
mod machines;
mod policies;
mod resources;
mod shapes;
mod volumes;

/// A YAML text as PyYAML would load it.
pub(super) fn load(yaml: &str) -> Value {
    match load_str(yaml) {
        Ok(v) => v,
        Err(e) => panic!("test YAML does not load: {e}\n{yaml}"),
    }
}

/// Assert the exact errors for a YAML text in a nesting context. With
/// `VALIDATE_DUMP=<file>` set, each (text, expected) pair is also appended
/// to that file as a JSON line, to be replayed against upstream's
/// `validate()`.
pub(super) fn check_in(yaml: &str, nesting: Nesting, expected: &[&str]) {
    let got = validate_with(&load(yaml), nesting.clone(), Vec::new);
    if let Some(path) = std::env::var_os("VALIDATE_DUMP") {
        use std::io::Write;
        let line = serde_json::json!({
            "yaml": yaml,
            "expected": expected,
            "vm_nested": nesting.vm_nested,
            "yolo": nesting.yolo,
        });
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(f, "{line}");
        }
    }
    assert_eq!(got, expected, "for:\n{yaml}");
}

/// [`check_in`] on a physical host.
pub(super) fn check(yaml: &str, expected: &[&str]) {
    check_in(yaml, Nesting::default(), expected);
}

/// A valid legacy-mode infra (base_subnet 10.100) with two domains, to
/// which a test appends or replaces text.
pub(super) const BASE: &str = "\
project_name: t
global:
  base_subnet: '10.100'
domains:
  admin:
    subnet_id: 0
    machines:
      admin-ctl:
        ip: 10.100.0.10
  work:
    subnet_id: 1
    profiles:
      gpu:
        devices:
          gpu0: {type: gpu}
    machines:
      work-dev:
        ip: 10.100.1.10
        profiles: [default]
";

/// BASE with extra settings for machine `work-dev` (indented 8 spaces).
pub(super) fn with_machine(extra: &str) -> String {
    let extra: String = extra.lines().map(|l| format!("        {l}\n")).collect();
    BASE.replacen(
        "        profiles: [default]\n",
        &format!("        profiles: [default]\n{extra}"),
        1,
    )
}

/// BASE with extra settings under `global:` (indented 2 spaces).
pub(super) fn with_global(extra: &str) -> String {
    let extra: String = extra.lines().map(|l| format!("  {l}\n")).collect();
    BASE.replacen(
        "  base_subnet: '10.100'\n",
        &format!("  base_subnet: '10.100'\n{extra}"),
        1,
    )
}

/// BASE with extra settings for domain `work` (indented 4 spaces).
pub(super) fn with_domain(extra: &str) -> String {
    let extra: String = extra.lines().map(|l| format!("    {l}\n")).collect();
    BASE.replacen(
        "    subnet_id: 1\n",
        &format!("    subnet_id: 1\n{extra}"),
        1,
    )
}

#[test]
fn base_infra_is_valid() {
    check(BASE, &[]);
}

/// Our own messages, for the inputs where we differ from upstream on
/// purpose (see the module documentation of `shape` and `domains::check_ip`).
const DELIBERATE: [&str; 7] = [
    "must be a mapping of",
    "must be a mapping (config, devices)",
    "must be a mapping, got",
    "must be a list",
    "is not a valid IPv4 address",
    "ip must be a string",
    "infra.yml must be a mapping",
];

/// Upstream's answers for thousands of generated inputs, recorded by
/// running its `validate()` on mutations of a small infra: set
/// `VALIDATE_ORACLE=/path/cases.json` (a list of `{name, yaml, errors,
/// warnings, crash, nesting, host}`) to compare. Inputs upstream crashes
/// on must give at least one error here.
#[test]
#[ignore]
fn upstream_oracle() {
    let Some(path) = std::env::var_os("VALIDATE_ORACLE") else {
        return;
    };
    let text = std::fs::read_to_string(path).expect("oracle file");
    let cases: serde_json::Value = serde_json::from_str(&text).expect("oracle JSON");
    let strings = |v: &serde_json::Value| -> Option<Vec<String>> {
        v.as_array().map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
    };
    let (mut failed, mut crashes) = (0, 0);
    for case in cases.as_array().into_iter().flatten() {
        let name = case["name"].as_str().unwrap_or("?");
        let Ok(value) = load_str(case["yaml"].as_str().unwrap_or("")) else {
            println!("LOAD FAIL {name}");
            continue;
        };
        let nest = &case["nesting"];
        let nesting = Nesting {
            vm_nested: nest["vm_nested"].as_bool(),
            yolo: nest["yolo"].as_bool().unwrap_or(false),
            ..Nesting::default()
        };
        let host: Vec<(String, Net)> = case["host"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|h| {
                let net = Net::parse(h[1].as_str()?, false)?;
                Some((h[0].as_str()?.to_owned(), net))
            })
            .collect();
        let ours = validate_with(&value, nesting.clone(), || host);
        match strings(&case["errors"]) {
            Some(expected) if expected != ours => {
                let deliberate = ours
                    .iter()
                    .all(|e| DELIBERATE.iter().any(|m| e.contains(m)));
                if !deliberate {
                    failed += 1;
                }
                println!("MISMATCH {name} (deliberate: {deliberate})\n  upstream: {expected:?}\n  ours:     {ours:?}");
            }
            Some(_) => {
                if let Some(w) = strings(&case["warnings"]) {
                    let got = crate::warnings::warnings_with(&value, &nesting);
                    if w != got {
                        failed += 1;
                        println!("WARNINGS {name}\n  upstream: {w:?}\n  ours:     {got:?}");
                    }
                }
            }
            None => {
                crashes += 1;
                println!("CRASH {name} ({})\n  ours: {ours:?}", case["crash"]);
                if ours.is_empty() {
                    failed += 1;
                    println!("  ^^^ no error for an input upstream crashes on");
                }
            }
        }
    }
    println!("{failed} failed, {crashes} upstream crashes");
    assert_eq!(failed, 0);
}
