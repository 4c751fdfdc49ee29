//! The loader's fast path (`yaml::fast`) against the full loader, on random
//! documents: inside the fast path's subset, mutated just outside it,
//! PyYAML-style text from the emitter, and glued pieces near the subset.
//! The fixed tables and workspace inputs are in `yaml_fast.rs`.

#[allow(dead_code)]
mod common;

use common::fast_check::{check, loud};
use py::yaml::{emit, Map, Seq, Value};
use shared::rng::Rng;

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
