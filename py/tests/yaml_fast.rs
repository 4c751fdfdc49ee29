//! The loader's fast path (`yaml::fast`) against the full loader.
//!
//! The fast path may decline any text, but a value it returns must be
//! exactly the full loader's: same variants (int, float and bool are told
//! apart, which `Value`'s Python equality would not do), same order, same
//! container ids. Values are compared by their `Debug` text.
//!
//! Inputs: every string literal of the workspace's Rust sources (the tricky
//! tables of the other tests, the fixtures of `generate`'s tests), the YAML
//! files and snapshot trees in the workspace, random documents inside the
//! fast path's subset and mutated just outside it, and PyYAML-style text
//! from the emitter. Set `ANKLUME_UPSTREAM_DIR` to also compare every
//! `*.yml` of an anklume checkout.
//!
//! This file: fixed tables and every test input of the workspace; random
//! documents are in `yaml_fast_random.rs`.

#[allow(dead_code)]
mod common;

use common::fast_check::{check, loud};
use py::yaml::{fast, Value};
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Files below `dir` whose name ends with one of `suffixes`.
fn files(dir: &Path, suffixes: &[&str], out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() && !matches!(name.as_str(), ".git" | "target") {
            files(&path, suffixes, out);
        } else if suffixes.iter().any(|s| name.ends_with(s)) {
            out.push(path);
        }
    }
}

/// A 50 domains × 20 machines file, as `bench/generate.sh` writes it.
fn bench_infra(domains: usize, machines: usize) -> String {
    let zones = [
        "admin",
        "trusted",
        "semi-trusted",
        "untrusted",
        "disposable",
    ];
    let mut s = String::from(
        "project_name: bench\nglobal:\n  addressing:\n    base_octet: 10\n    zone_base: 100\n",
    );
    s.push_str("  default_os_image: \"images:debian/13\"\ndomains:\n");
    for d in 0..domains {
        s.push_str(&format!(
            "  d{d:03}:\n    trust_level: {}\n    description: \"Domain {d}\"\n",
            zones[d % 5]
        ));
        s.push_str(&format!("    subnet_id: {}\n    machines:\n", d / 5));
        for m in 0..machines {
            s.push_str(&format!("      d{d:03}-m{m:02}:\n        type: lxc\n"));
            s.push_str(
                "        config:\n          limits.cpu: \"1\"\n        roles: [base_system]\n",
            );
        }
    }
    s
}

#[test]
fn realistic_files_take_the_fast_path() {
    let homelab = read(&workspace().join("examples/homelab/infra.yml"));
    assert!(
        check(&homelab),
        "examples/homelab/infra.yml must be accepted"
    );
    let mut split = Vec::new();
    files(&workspace().join("examples/split"), &[".yml"], &mut split);
    assert!(split.len() >= 3);
    for path in split {
        assert!(check(&read(&path)), "{} must be accepted", path.display());
    }
    let bench = bench_infra(50, 20);
    assert!(check(&bench), "the bench infra must be accepted");
    let value = fast::load(&bench).expect("accepted");
    let domains = value
        .get("domains")
        .and_then(Value::as_map)
        .expect("domains");
    assert_eq!(domains.len(), 50);
}

/// Texts the fast path must take (and get right).
#[rustfmt::skip]
const MUST_TAKE: &[&str] = &[
    "a: 1\nb:\n  c: [x, 'y', \"z\"]\n  d: {}\n  e: []\n",
    "key:\n- a\n- b: 1\n  c: 2\n-\n  d: 3\n- - x\n  - y\nnext: 1\n",
    "- a: 1\n  b:\n  - x\n  c: 2\n-   k: v\n    l: w\n",
    "a  : 1\n'b' : 2\n\"c\": 3\n",
    "---\na: 1\n", "--- # c\na: 1\n", "---   \na: 1\n", "# c\n---\n- x\n",
    "  a: 1\n  b: 2\n", "a:\n# c\n  b: 1\n   # c\n  c: 2 # c\n",
    "1: a\ntrue: b\n1.0: c\nyes: d\n~: e\nnull: f\n.nan: g\n.nan: h\n",
    "a: b:c\nd: -1\ne: ---\nf: a#b\ng: x # c: d\nh: 'it''s'\n",
    "a: [a,b]\nb: [ a , b ]\nc: ['a','b']\nd: [\"a\" , 'b']\ne: [a]  # c\nf: [-1, -x, a b]\n",
    "a: { }\nb: {}  # c\nc: é 日本\nd: 'x' # c\n",
    "a:\n-\n- \n- # c\nb:\n",
    "- -\n  - x\n- - - y\n",
];

/// Texts next to the subset, for the fast path to decline or get right.
#[rustfmt::skip]
const EDGES: &[&str] = &[
    "--- a: b", "a: 1\n--- b: 2\n", "a: 1\n---\nb: 2\n", "a: 1\n... b: 2\n", "...: 1", "---: 1",
    "--- a", "---a: 1", "%x: 1", "%YAML 1.1\n---\na: 1", "a: \"x\"\"y\"", "a: 'x''y'", "a: 'x' 'y'",
    "a: \"x\"#c", "a: [x]#c", "a: {}#c", "a: [x, ]", "a: [x,, y]", "a: [, x]", "a: [x] y",
    "a: [[x]]", "a: [x, [y]]", "a: [{}]", "a: [x: y]", "a: [x:y]", "a: [?x]", "a: [x?]",
    "a: [#x]", "a: [x #y]", "a: [- x]", "a: [-]", "a: [-1]", "a: [\"x\"y]", "a: ['x' : y]",
    "a: -", "a: - b", "a: b: c", "a: b:", "a:b", "a :b", "'a':b", "\"a\":b", "a: :b", "a: ?b",
    "-a: 1", "- -a", "-x\n", "a:\n  b\n", "a: b\n  c\n", "a: b\n  c: d\n", "- a\n  b\n",
    "- a: 1\n b: 2\n", "- a: 1\n   b: 2\n", "a:\n    b: 1\n  c: 2\n", "a:\n- b\n  - c\n",
    "a:\n  - b\n- c\n", "a: 1\n a: 2\n", " a: 1\nb: 2\n", "<<: {x: 1}", "a: <<", "=: 1",
    "a: =", "? a\n: b", "a: &x 1", "a: *x", "a: !!str 1", "a: |\n  x\n", "a: >\n  x\n",
    "a: 'x\n  y'", "a: \"x\n  y\"", "a: x\n\n  y\n", "a: 2001-02-29", "a: 0x", "a: 1_",
    "a: 170141183460469231731687303715884105728", "a: @x", "a: `x", "a: %x", "a: ,x",
    "a: x\u{a0}", "a: \u{3000}x", "\u{feff}a: 1", "a: 1\u{85}b: 2", "a: x\u{2028}", "a: \u{fffe}",
];

#[test]
fn edge_cases_agree() {
    for text in MUST_TAKE {
        assert!(check(text), "the fast path must take {text:?}");
    }
    for text in EDGES {
        for variant in variants(text) {
            check(&variant);
        }
    }
}

/// Characters the fast path must refuse wherever they are (its eight-byte
/// checks have no blind offset), and some it takes.
#[test]
fn refused_characters_are_refused_everywhere() {
    let controls = (0u8..0x20).filter(|&c| c != b'\n').map(char::from);
    let others = [
        '\u{7f}', '\u{80}', '\u{85}', '\u{9f}', '\u{2028}', '\u{2029}', '\u{feff}', '\u{fffe}',
        '\u{ffff}',
    ];
    let base = "key: value_value_value\nnext: [a, b]\n";
    for c in controls.chain(others) {
        for at in 0..=base.len() {
            let mut text = base.to_owned();
            text.insert(at, c);
            assert!(fast::load(&text).is_none(), "{text:?}");
            check(&text);
        }
    }
    for text in [
        "key: \u{e9}\u{a0}\u{65e5}\u{1f642}\n",
        "- \u{2027}\u{202a}\u{fffd}\n",
    ] {
        assert!(check(text), "{text:?}");
    }
}

// ---------------------------------------------------------------------------
// Every test input of the workspace.

/// The string literals of a Rust source, unescaped. Good enough for test
/// files: char literals and line comments are skipped, raw strings read.
fn string_literals(src: &str) -> Vec<String> {
    let c: Vec<char> = src.chars().collect();
    let ident = |i: usize| i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_');
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        match c[i] {
            '/' if c.get(i + 1) == Some(&'/') => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            '\'' if c.get(i + 1) == Some(&'\\') => {
                i += 3;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            }
            '\'' if c.get(i + 2) == Some(&'\'') => i += 3,
            'r' if !ident(i) && matches!(c.get(i + 1), Some('"' | '#')) => {
                let hashes = c[i + 1..].iter().take_while(|&&x| x == '#').count();
                let open = i + 1 + hashes;
                if c.get(open) != Some(&'"') {
                    i += 1;
                    continue;
                }
                let close = (open + 1..c.len())
                    .find(|&j| c[j] == '"' && (1..=hashes).all(|k| c.get(j + k) == Some(&'#')));
                let Some(close) = close else { break };
                out.push(c[open + 1..close].iter().collect());
                i = close + 1 + hashes;
            }
            '"' => {
                let (text, next) = unescape(&c, i + 1);
                out.push(text);
                i = next;
            }
            _ => i += 1,
        }
    }
    out
}

/// A Rust string literal's body from `i`; returns it and the index past
/// its closing quote.
fn unescape(c: &[char], mut i: usize) -> (String, usize) {
    let mut s = String::new();
    while i < c.len() {
        match c[i] {
            '"' => return (s, i + 1),
            '\\' => {
                i += 1;
                let hex = |from: usize, to: usize| {
                    let digits: String = c[from..to.min(c.len())].iter().collect();
                    u32::from_str_radix(&digits, 16)
                        .ok()
                        .and_then(char::from_u32)
                };
                match c.get(i) {
                    Some('n') => s.push('\n'),
                    Some('t') => s.push('\t'),
                    Some('r') => s.push('\r'),
                    Some('0') => s.push('\0'),
                    Some('x') => {
                        s.extend(hex(i + 1, i + 3));
                        i += 2;
                    }
                    Some('u') => {
                        let close = (i..c.len()).find(|&j| c[j] == '}').unwrap_or(c.len());
                        s.extend(hex(i + 2, close));
                        i = close;
                    }
                    Some('\n') => {
                        while c.get(i + 1).is_some_and(|x| x.is_whitespace()) {
                            i += 1;
                        }
                    }
                    Some(&other) => s.push(other),
                    None => {}
                }
                i += 1;
            }
            other => {
                s.push(other);
                i += 1;
            }
        }
    }
    (s, i)
}

/// The texts of a snapshot of a generated tree: one per `== file ==`.
fn snapshot_files(snap: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in snap.split("\n== ").skip(1) {
        if let Some((_, body)) = part.split_once(" ==\n") {
            out.push(body.to_owned());
        }
    }
    out
}

/// A text, and the same text at the start of a document, indented, and
/// nested under a key and in a sequence entry.
fn variants(text: &str) -> Vec<String> {
    let indented: String = text.lines().map(|l| format!("  {l}\n")).collect();
    vec![
        text.to_owned(),
        format!("---\n{text}"),
        indented.clone(),
        format!("key:\n{indented}"),
        format!("- {}", indented.trim_start()),
        format!("# c\n{text}\n# end"),
    ]
}

#[test]
fn every_workspace_input_agrees() {
    let root = workspace();
    let mut sources = Vec::new();
    for dir in ["shared", "generate", "snapshot-apply", "tests", "fuzz"] {
        files(&root.join(dir), &[".rs"], &mut sources);
    }
    let mut texts = Vec::new();
    for path in &sources {
        texts.extend(string_literals(&read(path)));
    }
    let literals = texts.len();
    let mut yaml = Vec::new();
    files(&root, &[".yml", ".yaml"], &mut yaml);
    texts.extend(yaml.iter().map(|p| read(p)));
    let mut snaps = Vec::new();
    files(&root, &[".snap"], &mut snaps);
    for path in &snaps {
        texts.extend(snapshot_files(&read(path)));
    }
    texts.sort();
    texts.dedup();
    assert!(literals > 2000, "only {literals} string literals found");
    let (mut total, mut accepted) = (0, 0);
    for text in &texts {
        for variant in variants(text) {
            total += 1;
            accepted += usize::from(check(&variant));
        }
    }
    loud(&format!(
        "workspace inputs: {} texts, {total} variants, {accepted} taken by the fast path",
        texts.len()
    ));
    assert!(
        accepted > 1000,
        "the fast path took only {accepted} of {total}"
    );
}

#[test]
fn upstream_files_agree() {
    let Some(dir) = std::env::var_os("ANKLUME_UPSTREAM_DIR") else {
        loud("note: set ANKLUME_UPSTREAM_DIR to an anklume checkout to compare its YAML files");
        return;
    };
    let mut paths = Vec::new();
    files(Path::new(&dir), &[".yml", ".yaml"], &mut paths);
    let accepted = paths
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter(|text| check(text))
        .count();
    loud(&format!(
        "upstream: {} YAML files, {accepted} taken by the fast path",
        paths.len()
    ));
}
