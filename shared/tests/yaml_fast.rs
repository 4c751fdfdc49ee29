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

use shared::rng::Rng;
use shared::yaml::{emit, fast, load_str, load_str_slow, LoadError, Map, Seq, Value};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// One text through both paths. Returns whether the fast path accepted it.
fn check(src: &str) -> bool {
    let via_load_str = normal(&load_str(src));
    assert_eq!(
        via_load_str,
        normal(&load_str_slow(src)),
        "load_str and the full loader differ on {src:?}"
    );
    let Some(value) = fast::load(src) else {
        return false;
    };
    let fast = format!("{value:?}");
    let slow = match load_str_slow(src) {
        Ok(slow) => format!("{slow:?}"),
        Err(e) => panic!("fast path accepted a text the full loader refuses ({e}): {src:?}"),
    };
    assert_eq!(
        fast, slow,
        "fast path differs from the full loader on {src:?}"
    );
    true
}

/// A result's `Debug` text with nonzero container ids blanked: ids of
/// shared containers are fresh on every load.
fn normal(result: &Result<Value, LoadError>) -> String {
    let text = format!("{result:?}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("id: ") {
        out.push_str(&rest[..at + 4]);
        rest = &rest[at + 4..];
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        out.push_str(if &rest[..digits] == "0" { "0" } else { "#" });
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// Straight to the terminal: the harness captures output of passing tests.
fn loud(message: &str) {
    let _ = writeln!(std::io::stderr(), "{message}");
}

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

// ---------------------------------------------------------------------------
// Random documents.

/// Scalars the fast path should take, as keys or values.
#[rustfmt::skip]
const INSIDE: &[&str] = &[
    "yes", "No", "ON", "off", "True", "FALSE", "y", "n", "~", "null", "Null", "NULL", "nULL",
    "1_000", "0x1F", "0o17", "017", "09", "0b101", "1e3", "1.5e+3", "1.0", ".inf", "-.inf",
    ".NaN", "-.5", ".5", "1:20", "1:30.5", "-1", "+0", "0", "12345678901234567890", "3.14",
    "2001-12-14", "2001-12-14 21:59:43.10 -5", "2001-12-14T21:59:43Z", "2002-1-1", "a#b",
    "a #b", "'q'", "\"d\"", "'it''s'", "''", "\"\"", "'a: b'", "\"c # d\"", "' lead'",
    "\"trail \"", "x", "hello world", "é 日本 🙂", "images:debian/13", "10.100.0.1",
    "a,b", "a]b", "a{b}", "it's", "say \"hi\"", "x:y", "a:b:c", "http://x.y/z", "-x", "--",
    "-1.5", "a - b", "a ? b", "trail   ", "a!b", "a&b", "a*b", "a|b", "a>b", "50%", "e@x",
    "0 3 * * *", "'#'", "\"[a]\"", "'{}'", "\"- x\"", "'*a'", "\"&a\"", "d001-m01",
];

/// Scalars outside the subset, or not valid YAML where they stand.
#[rustfmt::skip]
const OUTSIDE: &[&str] = &[
    ": ", "-", "- x", "[a]", "{a: 1}", "&a x", "*a", "!!str x", "|", ">", "? x", "%x", "@x",
    "`x", "\"a\\nb\"", "\"a\\\"b\"", "'unterminated", "a: b", "#x", "<<", "=", ":x", "?x",
    "170141183460469231731687303715884105728", "2001-02-29", "a\tb", "x\r", "a:", "'a'b",
    "\"a\"#c", "---", "...", "\u{85}", "\u{feff}x", "\u{2028}", "x\u{1}", "[a, b", "{", "}",
    "!", "'a'  'b'",
];

struct Gen {
    rng: Rng,
    /// One in this many scalars is drawn from `OUTSIDE`; 0 for never.
    outside: usize,
    out: String,
}

impl Gen {
    fn scalar(&mut self) -> String {
        if self.outside > 0 && self.rng.one_in(self.outside) {
            return (*self.rng.pick(OUTSIDE)).to_owned();
        }
        match self.rng.below(40) {
            0 => "k".repeat(*self.rng.pick(&[200, 999, 1001, 1100])),
            1 => format!("'{}'", "q".repeat(self.rng.below(1200))),
            _ => (*self.rng.pick(INSIDE)).to_owned(),
        }
    }

    fn inline_value(&mut self) -> String {
        match self.rng.below(12) {
            0 => "[]".into(),
            1 => "{}".into(),
            2 => "[ ]".into(),
            3 | 4 => {
                let n = 1 + self.rng.below(4);
                let items: Vec<String> = (0..n).map(|_| self.flow_item()).collect();
                let sep = *self.rng.pick(&[", ", ",", " , "]);
                format!("[{}]", items.join(sep))
            }
            _ => self.scalar(),
        }
    }

    fn flow_item(&mut self) -> String {
        let item = self.scalar();
        let flow_safe = !item.contains([',', '[', ']', '{', '}', ':', '?', '#']);
        if flow_safe || self.rng.one_in(8) {
            item
        } else {
            format!("'{}'", item.replace('\'', "''"))
        }
    }

    /// A line break, with now and then blank and comment lines.
    fn newline(&mut self) {
        if self.rng.one_in(4) {
            self.out.push_str(" # c");
        }
        self.out.push('\n');
        while self.rng.one_in(6) {
            let spaces = self.rng.below(8);
            self.out.push_str(&" ".repeat(spaces));
            if self.rng.one_in(2) {
                self.out.push_str("# note: x");
            }
            self.out.push('\n');
        }
    }

    fn trailing(&mut self) {
        if self.rng.one_in(8) {
            self.out.push_str("  ");
        }
    }

    fn step(&mut self) -> usize {
        *self.rng.pick(&[1, 2, 2, 2, 3, 4])
    }

    /// A block mapping in column `col`; `inline` when its first key goes
    /// on the current line (after `- `).
    fn map(&mut self, col: usize, inline: bool, depth: usize) {
        for i in 0..1 + self.rng.below(4) {
            if i > 0 || !inline {
                self.out.push_str(&" ".repeat(col));
            }
            let key = self.scalar();
            self.out.push_str(&key);
            self.out.push(':');
            self.value(col, true, depth);
        }
    }

    /// A block sequence in column `col`.
    fn seq(&mut self, col: usize, inline: bool, depth: usize) {
        for i in 0..1 + self.rng.below(4) {
            if i > 0 || !inline {
                self.out.push_str(&" ".repeat(col));
            }
            self.out.push('-');
            self.value(col, false, depth);
        }
    }

    /// What follows a key's `:` or a `-`, up to and including the line end.
    fn value(&mut self, col: usize, in_map: bool, depth: usize) {
        let nested = depth > 0;
        match self.rng.below(10) {
            0 => self.newline(),
            1 | 2 if nested => {
                self.newline();
                let child = if in_map && self.rng.one_in(3) {
                    col
                } else {
                    col + self.step()
                };
                if child == col || self.rng.one_in(2) {
                    self.seq(child, false, depth - 1);
                } else {
                    self.map(child, false, depth - 1);
                }
            }
            3 | 4 if nested && !in_map => {
                let gap = 1 + self.rng.below(3);
                self.out.push_str(&" ".repeat(gap));
                if self.rng.one_in(3) {
                    self.seq(col + 1 + gap, true, depth - 1);
                } else {
                    self.map(col + 1 + gap, true, depth - 1);
                }
            }
            _ => {
                self.out.push(' ');
                let value = self.inline_value();
                self.out.push_str(&value);
                self.trailing();
                self.newline();
            }
        }
    }

    fn document(&mut self) -> String {
        self.out.clear();
        if self.rng.one_in(4) {
            self.out.push_str("---\n");
        }
        if self.rng.one_in(4) {
            self.out.push_str("# header\n\n");
        }
        let depth = 1 + self.rng.below(4);
        if self.rng.one_in(4) {
            self.seq(0, false, depth);
        } else {
            self.map(0, false, depth);
        }
        if self.rng.one_in(5) {
            self.out.pop();
        }
        std::mem::take(&mut self.out)
    }
}

/// Small edits that take a document just outside the subset, or into
/// another corner of it.
#[rustfmt::skip]
const EDITS: &[&str] = &[
    " ", "  ", "\t", "\r", "#", " #", ":", ": ", "- ", "-", "\n", "\n  ", "'", "\"", "[", "]",
    "{", "}", ",", "&a ", "*a", "!", "!!str ", "|", ">", "? ", "---", "...", "%", "@", "`",
    "\\", "\u{85}", "\u{feff}", "é", "<<", "=", "~", "x", "1", ".", "\n---\n", "\n...\n",
];

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut s = text.to_owned();
    for _ in 0..1 + rng.below(3) {
        let mut at = rng.below(s.len() + 1);
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        match rng.below(4) {
            0 => {
                let end = (at + 1 + rng.below(3)).min(s.len());
                if let Some(end) = (end..=s.len()).find(|&e| s.is_char_boundary(e)) {
                    s.replace_range(at..end, "");
                }
            }
            _ => {
                let edit = rng.pick(EDITS);
                s.insert_str(at, edit);
            }
        }
    }
    s
}

#[test]
fn random_documents_agree() {
    let mut gen = Gen {
        rng: Rng(0x243F_6A88_85A3_08D3),
        outside: 0,
        out: String::new(),
    };
    let mut rng = Rng(0x1319_8A2E_0370_7344);
    let (mut inside, mut inside_ok, mut mutated, mut mutated_ok) = (0, 0, 0, 0);
    for round in 0..3000 {
        gen.outside = if round % 3 == 2 { 6 } else { 0 };
        let doc = gen.document();
        let ok = check(&doc);
        if gen.outside == 0 {
            inside += 1;
            inside_ok += usize::from(ok);
        }
        for _ in 0..2 {
            mutated += 1;
            mutated_ok += usize::from(check(&mutate(&mut rng, &doc)));
        }
    }
    loud(&format!(
        "random: {inside_ok} of {inside} in-subset documents and {mutated_ok} of {mutated} mutated ones taken by the fast path"
    ));
    // Long keys, flow entries the fast path leaves alone and duplicate
    // `1`/`true` keys are in the mix; most documents must still pass.
    assert!(
        inside_ok * 10 >= inside * 7,
        "the fast path took only {inside_ok} of {inside} in-subset documents"
    );
    assert!(mutated_ok > 300, "mutations never stay inside the subset");
}

/// Values as `emit::dump` writes them (PyYAML's style: sequences at their
/// key's indentation, single quotes), with strings of every kind.
#[test]
fn emitted_documents_agree() {
    let mut rng = Rng(0xA409_3822_299F_31D0);
    let (mut total, mut accepted) = (0, 0);
    for _ in 0..1500 {
        let mut root = Map::new();
        for _ in 0..1 + rng.below(4) {
            let key = rng.pick(INSIDE).replace('\'', "");
            let depth = rng.below(4);
            let value = random_value(&mut rng, depth);
            root.insert(format!("{key}_"), value);
        }
        total += 1;
        accepted += usize::from(check(&emit::dump(&Value::Map(root))));
    }
    loud(&format!(
        "emitted: {accepted} of {total} documents taken by the fast path"
    ));
    assert!(accepted * 2 >= total, "only {accepted} of {total} taken");
}

fn random_value(rng: &mut Rng, depth: usize) -> Value {
    let leaf = |rng: &mut Rng| match rng.below(8) {
        0 => Value::Null,
        1 => Value::Bool(rng.one_in(2)),
        2 => Value::Int(rng.next() as i64 as i128 >> rng.below(64)),
        3 => Value::Float((rng.next() % 100_000) as f64 / 100.0),
        4 => Value::Float(*rng.pick(&[f64::INFINITY, f64::NAN, -0.0, 1e20, 1e-7])),
        _ => Value::Str(rng.pick(INSIDE).replace('\'', "").to_owned()),
    };
    match (depth, rng.below(6)) {
        (0, _) | (_, 0..=1) => leaf(rng),
        (_, 2..=3) => Value::Seq(Seq {
            id: 0,
            items: (0..rng.below(4))
                .map(|_| random_value(rng, depth - 1))
                .collect(),
        }),
        _ => {
            let mut map = Map::new();
            for _ in 0..rng.below(5) {
                let key = match rng.below(4) {
                    0 => leaf(rng),
                    _ => Value::Str((*rng.pick(INSIDE)).to_owned()),
                };
                if !matches!(key, Value::Float(f) if f.is_nan()) {
                    let value = random_value(rng, depth - 1);
                    map.insert(key, value);
                }
            }
            Value::Map(map)
        }
    }
}

/// Pieces near the subset, glued at random: nothing may panic, and what
/// the fast path takes must still agree.
#[test]
fn near_garbage_agrees() {
    #[rustfmt::skip]
    const PIECES: &[&str] = &[
        "a", "b", "1", "yes", "~", ":", ": ", " ", "  ", "\n", "\n  ", "\n    ", "- ", "-", "#",
        " #", "'", "''", "\"", "[", "]", "[]", "{}", "{", ",", "é", "x:", "key: value\n",
        "- item\n", "---\n", "\\", "0x1F", "1:20", "'q'", "\"d\"", "\t", "?", "&", "*", "!",
    ];
    let mut rng = Rng(0xBE54_66CF_34E9_0C6C);
    let mut accepted = 0;
    for round in 0..4000 {
        let n = 1 + round % 40;
        let text: String = (0..n).map(|_| *rng.pick(PIECES)).collect();
        accepted += usize::from(check(&text));
    }
    loud(&format!(
        "near garbage: {accepted} of 4000 taken by the fast path"
    ));
    for text in [
        "- ".repeat(500) + "x",
        "- ".repeat(1001) + "x",
        "a:\n".repeat(300),
        (0..200)
            .map(|i| format!("{}- x\n", " ".repeat(i)))
            .collect(),
        (0..150).map(|i| format!("{}k:\n", " ".repeat(i))).collect(),
    ] {
        check(&text);
    }
}
