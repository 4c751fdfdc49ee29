//! `yaml::load_str` checked against PyYAML's `safe_load` itself.
//!
//! anklume's users wrote their files for PyYAML, so the only trustworthy
//! expected value is PyYAML's. Each YAML text goes, in one batch, to a small
//! `python3` script that loads it and prints the result with explicit types
//! (`{"t":"int","v":"8"}`, mappings as ordered pairs, floats by `repr`,
//! shared containers labelled); our value is encoded the same way.
//!
//! This file: the table of tricky texts, the texts we refuse, and an
//! anklume checkout. Set `ANKLUME_UPSTREAM_DIR` to a checkout of anklume to
//! compare every `*.yml`/`*.yaml` file in it. The core subset with written
//! expectations is in `yaml_pyyaml_core.rs`.

#[allow(dead_code)]
mod common;

use common::load_oracle::{assert_no_failures, compare, loud, oracle, WE_REFUSE};
use py::yaml::load_str;
use std::path::{Path, PathBuf};

/// Tricky texts; each is compared with PyYAML.
const CASES: &[&str] = &[
    // Booleans, in every spelling PyYAML knows and some it does not.
    "yes",
    "Yes",
    "YES",
    "yEs",
    "no",
    "No",
    "NO",
    "true",
    "True",
    "TRUE",
    "tRUE",
    "false",
    "False",
    "FALSE",
    "on",
    "On",
    "ON",
    "off",
    "Off",
    "OFF",
    "y",
    "Y",
    "n",
    "N",
    "'yes'",
    "\"no\"",
    "!!bool yes",
    "!!bool \"yEs\"",
    "!!bool maybe",
    "[yes, no, on, off]",
    // Integers.
    "0",
    "-0",
    "+0",
    "00",
    "010",
    "-010",
    "08",
    "09",
    "0o10",
    "0x1F",
    "0X1F",
    "-0x1f",
    "0x",
    "0b101",
    "-0b11",
    "0b2",
    "0b_",
    "1_000",
    "1__0",
    "_1",
    "0_",
    "0_7",
    "1:30",
    "-1:30",
    "1:60",
    "0:30",
    "190:20:30",
    "1_0:3_0",
    "123456789012345678901234567890",
    "170141183460469231731687303715884105728",
    "12e3",
    "!!int \"12\"",
    "!!int ' 12 '",
    "!!int \"0o17\"",
    "!!int \"--5\"",
    "!!int \"abc\"",
    "!!int \"1.5\"",
    "!!int \"0x0x1f\"",
    // Floats.
    "1.5",
    "1.5e3",
    "1e3",
    "1.0e+3",
    "1.0E-3",
    "1.e+3",
    ".5",
    "-.5",
    "+.5",
    "1.",
    "._5",
    "1._",
    ".inf",
    "-.inf",
    "+.inf",
    ".Inf",
    ".INF",
    ".iNf",
    ".nan",
    ".NaN",
    ".NAN",
    "-.nan",
    "1:30.5",
    "190:20:30.15",
    "-0:0.0",
    "1_000.5",
    "1.0e400",
    "0.1",
    "0.00001",
    "12345678901234567890.0",
    "-0.0",
    "1e16",
    "!!float 1",
    "!!float \"1e3\"",
    "!!float inf",
    "!!float \"-.INF\"",
    "!!float \"1:30\"",
    "!!float abc",
    // Null.
    "~",
    "null",
    "Null",
    "NULL",
    "nULL",
    "''",
    "a:",
    "a: ~",
    "!!null foo",
    "~: a",
    "- \n- ~",
    "!!str",
    "a: !!str",
    "a: &x",
    "[~, null, ]",
    // Timestamps.
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5",
    "2001-12-14T21:59:43Z",
    "2001-12-14 21:59:43.123456789",
    "2002-1-1",
    "2002-1-1 1:02:03",
    "2001-12-14 21:59:43+0530",
    "2001-12-14 21:59:43 +05",
    "2001-12-14 21:59:43.0",
    "2001-12-14 21:59:43.",
    "2001-12-14 21:59:43 -00:00",
    "2001-12-14 21:59:43 +23:99",
    "2001-02-29",
    "2000-02-29",
    "2001-13-01",
    "0000-01-01",
    "2001-12-14 24:00:00",
    "!!timestamp 2002-1-1",
    "!!timestamp \"2002-01-01 10:00:00 Z\"",
    "'2001-12-14'",
    // Strings, escapes, unicode.
    "plain text",
    "'it''s'",
    "\"tab\\there\"",
    "\"\\u00e9\\x41\\U0001F600\\\\\\\"\\/\"",
    "\"\\0\\a\\b\\e\\f\\v\\N\\_\\L\\P\"",
    "'\\n stays'",
    "é 日本 🙂",
    "\"a\\\n  b\"",
    "a: multi\n  line\n\n  plain",
    "a: \"multi\n  line\n\n  quoted \"",
    "'one\n\n  two'",
    "a: b#c",
    "a: b #c",
    "\"x\": 1",
    "- -1\n- - 1\n- -.5",
    "a: 'x\ty'",
    // Block scalars.
    "a: |\n  x\n  y\n",
    "a: |-\n  x\n\n",
    "a: |+\n  x\n\n",
    "a: >\n  x\n  y\n\n  z\n",
    "a: >-\n  x\n   more\n  y\n",
    "a: >+\n  x\n\n",
    "a: |2\n    x\n  y\n",
    "a: |\n\n  x\n",
    "a: >\n  x\n\n\n",
    "- |\n  x\n- >\n  y\n",
    "a: |\n  x\ty\n",
    // Structures and keys.
    "a: 1\nb:\n  c: [1, 2]\n  d: {e: f}",
    "[]",
    "{}",
    "[[], {}]",
    "a: 1\na: 2",
    "a: 1\nb: 2\na: 3",
    "1: a\n2: b",
    "true: a\nno: b",
    "1: a\n1.0: b\ntrue: c",
    "0: a\nfalse: b\n0.0: c",
    "~: a\nnull: b",
    "1.5: a",
    ".nan: a\n.nan: b",
    "2001-12-14: a",
    "[1, 2]: a",
    "{a: 1}: b",
    "? - a\n: b",
    "? a\n: b",
    "- - - a",
    "[a:b]",
    "{a:b}",
    "{a: b:c}",
    "a:\n- b\n- c",
    "a: [b, {c: d}]",
    "!!binary aGVsbG8=",
    "!!binary |\n  aGVs\n  bG8=",
    "!!binary \"aGVsbG8\"",
    "!!binary \"a*GVsbG8=x\"",
    "!!binary \"aGVsbG8==extra\"",
    "!!binary é",
    // Merges.
    "a: &a {x: 1, y: 2}\nb:\n  <<: *a\n  z: 3",
    "a: &a {x: 1, y: 2}\nb:\n  x: 9\n  <<: *a",
    "a: &a {x: 1}\nb: &b {y: 2, x: 3}\nc:\n  <<: [*a, *b]\n  z: 0",
    "a: &a {x: 1, <<: {w: 0}}\nb: {<<: *a, x: 2}",
    "b: {<<: {x: [1]}}",
    "a: &a {x: [1], y: {z: 2}}\nb: {<<: *a}\nc: {<<: *a}",
    "b: {<<: &m {x: [1]}}\nc: *m",
    "a: &a {x: 1}\nb: {<<: *a, <<: {y: 2}}",
    "b: {<<: !!str {x: 1}}",
    // Three sources, two-character keys: the first source wins (PyYAML <= 6.0.3).
    "a: &a {kk: 1}\nb: &b {kk: 2, yy: 2}\nc: &c {kk: 3, zz: 3, yy: 3}\nd: {<<: [*a, *b, *c], w: 0}",
    "a: &a {kk: 1, k: 1}\nb: &b {kk: 2, k: 2}\nc: {<<: [*a, *b], kk: 0}",
    // Mappings merging mappings that merged the same sources.
    "m0: &m0 {k0: 0}\nm1: &m1 {<<: [*m0], k1: 1}\nm2: &m2 {<<: [*m0, *m1], k2: 2}\nm3: &m3 {<<: [*m0, *m1, *m2], k3: 3}\nm4: &m4 {<<: [*m1, *m2, *m3], k4: 4}\nm5: &m5 {<<: [*m2, *m3, *m4], k5: 5}\nm6: &m6 {<<: [*m3, *m4, *m5], k6: 6}\nm7: &m7 {<<: [*m4, *m5, *m6], k7: 7}\nm8: &m8 {<<: [*m5, *m6, *m7], k8: 8}\nm9: &m9 {<<: [*m6, *m7, *m8], k9: 9}\nm10: &m10 {<<: [*m7, *m8, *m9], k10: 10}\nm11: &m11 {<<: [*m8, *m9, *m10], k11: 11}\nm12: &m12 {<<: [*m9, *m10, *m11], k12: 12}\nm13: &m13 {<<: [*m10, *m11, *m12], k13: 13}\nm14: &m14 {<<: [*m11, *m12, *m13], k14: 14}\nm15: &m15 {<<: [*m12, *m13, *m14], k15: 15}\nm16: &m16 {<<: [*m13, *m14, *m15], k16: 16}\nm17: &m17 {<<: [*m14, *m15, *m16], k17: 17}\nm18: &m18 {<<: [*m15, *m16, *m17], k18: 18}\nm19: &m19 {<<: [*m16, *m17, *m18], k19: 19}\n",
    "b: {<<: 1}",
    "b: {<<: [1]}",
    "b: {<<: [[{x: 1}]]}",
    "b: {<<: }",
    "\"<<\": {x: 1}",
    "'<<': 1",
    "<<: 1",
    "!!merge k: {x: 1}",
    "a: <<",
    "- <<",
    "=: 1",
    "a: =",
    "!!str {=: x}",
    "!!int {=: \"12\"}",
    "[{&e =: 1}]",
    // Anchors and aliases.
    "a: &x 1\nb: *x",
    "a: &x [1, 2]\nb: *x",
    "a: &x {k: v}\nb: *x\nc: [*x]",
    "a: &x k\n*x : v",
    "a: &x [k]\n? *x\n: v",
    "- &a b\n- &a c",
    "a: *nope",
    "&a [*a]",
    "&a {x: *a}",
    "a: &x !!str 1\nb: *x",
    "a: &x [1]\nb: &y [*x, *x]\nc: *y",
    // Tags.
    "!!str 123",
    "!!str true",
    "!!str ~",
    "!<tag:yaml.org,2002:str> 12",
    "! 12",
    "! \"12\"",
    "! 'yes'",
    "! [1]",
    "!!map [1]",
    "!!seq {a: 1}",
    "!!str [1]",
    "!!null [1]",
    "!!set {a, b}",
    "!!omap [a: 1, b: 2]",
    "!!pairs [a: 1, a: 2]",
    "!!python/tuple [1, 2]",
    "!foo bar",
    "!!foo bar",
    "- ! *",
    "!!value x",
    "%TAG !e! tag:example.com,2000:\n--- !e!foo x",
    // Documents and streams.
    "",
    "# only a comment\n",
    "---",
    "--- x",
    "--- |\n  x",
    "x\n...\n",
    "x\n...\n# done",
    "...\n",
    "# c\n...\nx",
    "--- a\n--- b",
    "a: 1\n---\n",
    "%YAML 1.1\n--- x",
    "%YAML 1.2\n--- x",
    "%YAML 2.0\n--- x",
    "%FOO bar\n--- x",
    "\u{feff}a: 1",
    "\u{feff}a: [",
    "a: \u{feff}b",
    "a: x\u{85}b: y",
    "a: \"x\u{85}y\"",
    "a\u{1}b",
    "a: \u{7f}",
    "\u{fffe}",
    // Errors and whitespace.
    "a: [1, 2",
    "a:\n  b: 1\n c: 2",
    "a: 'x",
    "- a\nb: c",
    "a: b\t",
    "a: b # c\td",
    "\t\na: 1",
    "a: |\n  x\n\t\n",
    "a:\r\n  b: 1\r\n",
    "a: 1\rb: 2",
    "a: \"\\ud800\"",
    "a: \"\\q\"",
    "a:\tb",
    "- a\n-\tb",
    "a: 'x\n\ty'",
    "a: \"x\n \t y\"",
    "a: 1 \t# c",
    "a: |\t\n  x",
    // Continuation lines that PyYAML does not want indented.
    "a: \"x\ny\"",
    "a:\n  b: \"x\ny\n   z\"\n  c: 1",
    "a: 'x\n\n y'",
    "1: {\n}",
    "a: [x,\ny]",
    "a:\n  b: [1,\n2,\n  3]\n  c: d",
    "- [a,\n[b,\n]]",
    "a: \"x\n---\ny\"",
    "a: [x,\n---]",
    // Where PyYAML's scanner differs from YAML 1.2.
    "\"b\"#c",
    "[a]#c",
    "{a: 1}#c",
    "|#c",
    "- &A v\n- *A: 1",
    "{a\n: 1}",
    "{\"a\"\n: 1}",
    "a: {b\n : 1}",
    ": x",
    "- :",
    "{: 1}",
    "?",
    "- ?",
    "[:x]",
    "[> c]",
    "[|]",
    "{a: :b}",
    "? a\n: b",
    "{? a\n : b}",
    "|\nx",
    "--- >\n x\n",
    "&a.b x",
    "a: *b.c",
    // Block scalars running into the end of the text.
    "a: |\n  x",
    "a: |\n  x\n  ",
    "a: |+\n  x\n\n  ",
    "a: >\n  x\n  y",
    "a: |\n",
    "|+\n",
    "a: |+\n\n",
    "- |\n x\n y",
    "a: |\n  x\n# c",
    "a: |\n  x\n  # c",
    "a: >\r\n  x\r\n",
    "a: |+ # c\r\n",
    "a: |2-\n   x\n  ",
    "a: &A k\n*A: 3",
    "a: &A k\nb:\n  c: 2\n*A: 3",
    "x: \"*A: 3\"\n*B: 1",
];

#[test]
fn tricky_cases_agree_with_pyyaml() {
    assert!(CASES.len() >= 120);
    let Some(expected) = oracle(CASES) else {
        return;
    };
    let names: Vec<String> = (0..CASES.len()).map(|i| format!("case {i}")).collect();
    let failures = compare(&names, CASES, &expected);
    assert_no_failures(&failures, CASES.len());
    eprintln!("{} cases agree with PyYAML", CASES.len());
}

#[test]
fn refused_errors_are_errors() {
    for text in WE_REFUSE {
        assert!(load_str(text).is_err(), "{text:?} should be refused");
    }
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() && name != ".git" {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            out.push(path);
        }
    }
}

#[test]
fn upstream_files_agree_with_pyyaml() {
    let Some(dir) = std::env::var_os("ANKLUME_UPSTREAM_DIR") else {
        loud("note: set ANKLUME_UPSTREAM_DIR to an anklume checkout to compare its YAML files");
        return;
    };
    let mut paths = Vec::new();
    yaml_files(Path::new(&dir), &mut paths);
    paths.sort();
    let files: Vec<(String, String)> = paths
        .iter()
        .filter_map(|p| Some((p.display().to_string(), std::fs::read_to_string(p).ok()?)))
        .collect();
    assert!(!files.is_empty(), "no YAML files below {dir:?}");
    let texts: Vec<&str> = files.iter().map(|(_, t)| t.as_str()).collect();
    let names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    let Some(expected) = oracle(&texts) else {
        return;
    };
    let failures = compare(&names, &texts, &expected);
    eprintln!("{} files compared, {} differ", files.len(), failures.len());
    assert_no_failures(&failures, files.len());
}
