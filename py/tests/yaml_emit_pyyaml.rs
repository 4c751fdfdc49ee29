//! `yaml::emit::dump` checked byte for byte against PyYAML itself.
//!
//! The promise of the emitter is "same text as anklume's Python dumper", so
//! the only trustworthy expected output is PyYAML's. Every case is sent, with
//! explicit types and node identities, to one `python3` run that rebuilds the
//! Python object and dumps it with the exact Dumper anklume used.
//!
//! This file: the fixed table of scalars and structures; random values and
//! the generated inventory are in `yaml_emit_pyyaml_random.rs`.

#[allow(dead_code)]
mod common;

use common::emit_oracle::{check, map, map_id, s, seq, seq_id};
use py::yaml::Value;

/// Strings that exercise each branch of `analyze_scalar`, the resolver and
/// the quoting rules.
#[rustfmt::skip]
fn tricky_strings() -> Vec<String> {
    let fixed = [
        "", " ", "a", "abc", "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "off", "OFF", "y",
        "n", "Y", "true", "False", "TRUE", "null", "Null", "NULL", "nULL", "~", "~a", "010",
        "0o10", "0x1F", "0x", "0b101", "0b2", "1_000", "_1", "1:30", "190:20:30", "1:60", "1:5:9",
        "0:30", "1:30.5", "1.0", "1.", ".5", "._5", "1e5", "1.0e+5", "1.0e5", "1e+5", "+.inf",
        ".inf", "-.Inf", ".INF", ".nan", ".NaN", "-.nan", "nan", "inf", "0", "-0", "+1", "12",
        "-12", "+-1", "0.1.2", "1e", "2024-01-01", "2024-1-1", "2024-01-1", "2024-01-01 10:00:00",
        "2024-01-01T10:00:00Z", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5",
        "2001-12-14 21:59:43 ", "2001-12-14  1:59:43.", "20240-01-01", "<<", "<", "=", "==", "!",
        "&", "*", "-", "--", "---", "--- a", "...", "....", "-a", "- a", "a -", "?", "? a", "?a",
        ":", ": a", ":a", "a:", "a: b", "a:b", "http://x.y/z?q=1#f", "#", "# c", "a#b", "a #b",
        "a # b", ",", "a,b", ",a", "[a]", "a]", "{a}", "a{", "|", "|a", ">", "a>", "'", "\"",
        "a'b", "a\"b", "'a'", "%", "@", "`", "a@b", " a", "a ", "a  b", " ", "  ", "a\nb", "a\n",
        "a\n\n", "\n", "\n\n", "\na", "a\n\nb", "a \nb", "a\n b", "a\n\n b", "'\n'", "a\tb", "\t",
        "\ta", "a\rb", "a\r\nb", "\x00", "a\x07", "\x1b[0m", "\x7f", "\u{80}", "\u{85}",
        "a\u{85}b", "\u{a0}", "a\u{a0}b", "\u{a0}a", "é", "café", "naïve: x", "😀", "a😀\tb", "😀 '",
        "中文", "中文\n字", "\u{2028}", "a\u{2028}b", "\u{2029}", "\u{feff}", "a\u{feff}", "\u{fffe}",
        "\u{fffd}", "\u{10ffff}", "\u{10fffe}", "\u{e000}", "\u{d7ff}", "\\", "a\\b", "\\n",
        "True1", "yes!", "x y z", "!!str", "&a", "*a", "null null", "- - a", "a\u{0}b", "089",
        "09", "+089", "0_8", "0:30:00", "01:30", "1__2", "0x_", "0b_", "-0b1", "+0x1f", "0o7",
        "0777", "1e-3", "1.5e3", "1.5E+3", "._", "+.5", "-.5", "1_000.5", "1:2:3.5",
        "2001-12-14 21:59:43.10Z", "2001-12-14 21:59:43 +05:00", "2001-12-14T21:59:43+5",
        "2001-12-14 21:59:43.1 Z", "2001-12-14\t21:59:43", "2001-12-14 21:59", "y\n", "~\n",
        "key: 'v'", "\"q\" a", "a \"q\"", "trailing\\", "tab\tand \"quote\"",
    ];
    fixed.iter().map(|s| s.to_string()).collect()
}

/// Strings around the 80-column fold, in plain, single and double quotes.
fn long_strings() -> Vec<String> {
    let mut out = Vec::new();
    let words = [
        "lorem",
        "ipsum",
        "dolor",
        "sit",
        "amet,",
        "consectetur",
        "adipiscing",
    ];
    for len in [
        60, 70, 75, 76, 77, 78, 79, 80, 81, 82, 83, 85, 90, 100, 120, 130, 170, 250,
    ] {
        let mut t = String::new();
        let mut i = 0;
        while t.chars().count() < len {
            t.push_str(words[i % words.len()]);
            t.push(' ');
            i += 1;
        }
        let t = t.trim_end().to_string();
        out.push(t.clone());
        out.push(t.replace(' ', "  "));
        out.push(format!("{t}: x"));
        out.push(format!("{t}\t"));
        out.push(format!(" {t}"));
        out.push(t.replace("sit", "sit\tx"));
        out.push(t.replace("ipsum", "ipsum\n"));
        out.push(t.replace("dolor", "dolor\n\nx"));
        out.push(t.replace("e", "é").replace("o", "ö"));
        out.push(t.replace(' ', "\u{2028}"));
        out.push(t.replace("amet", "a😀t"));
        out.push(t.replace("lorem ", "lorem '"));
        out.push(t.replace(' ', "\\ "));
        out.push("x".repeat(len));
        out.push(format!("{} {}", "y".repeat(len), "z".repeat(len / 2)));
        out.push(format!("{}\u{1}{}", "w ".repeat(len / 2), "v ".repeat(10)));
    }
    out
}

fn context_cases(name: &str, v: &Value) -> Vec<(String, Value)> {
    vec![
        (format!("{name} top"), v.clone()),
        (format!("{name} value"), map(vec![(s("k"), v.clone())])),
        (format!("{name} key"), map(vec![(v.clone(), s("v"))])),
        (format!("{name} item"), seq(vec![v.clone()])),
        (
            format!("{name} deep"),
            map(vec![(
                s("a"),
                seq(vec![map(vec![(s("bb"), seq(vec![v.clone()]))])]),
            )]),
        ),
    ]
}

fn scalar_values() -> Vec<(String, Value)> {
    let mut out = vec![
        ("null".into(), Value::Null),
        ("true".into(), Value::Bool(true)),
        ("false".into(), Value::Bool(false)),
    ];
    for i in [
        0i128,
        1,
        -1,
        8,
        10,
        123456789,
        i64::MAX as i128,
        i128::MAX,
        i128::MIN,
        10i128.pow(20),
    ] {
        out.push((format!("int {i}"), Value::Int(i)));
    }
    let floats = [
        0.1,
        1e20,
        1e-7,
        -0.0,
        0.0,
        1.0,
        -1.5,
        123456789012345678.0,
        1e16,
        1e15,
        1e-4,
        1e-5,
        0.0001234,
        2.71e3,
        2.5e-300,
        1.7976931348623157e308,
        5e-324,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        100.0,
        1234567890123456.0,
        12345678901234567.0,
    ];
    for f in floats {
        out.push((format!("float {f:?}"), Value::Float(f)));
    }
    for t in [
        "2024-01-01",
        "2024-01-01 10:00:00",
        "2024-01-01 10:00:00.123456",
        "2024-01-01 10:00:00+01:00",
        "2024-12-31 23:59:59.500000-05:30",
    ] {
        out.push((format!("timestamp {t}"), Value::Timestamp(t.into())));
    }
    let all: Vec<u8> = (0..=255).collect();
    for b in [&b""[..], b"a", b"hello", &[7u8; 57], &[200u8; 58], &all] {
        out.push((format!("binary {}", b.len()), Value::Binary(b.to_vec())));
    }
    out
}

fn structure_cases() -> Vec<(String, Value)> {
    let empty_s = || seq(vec![]);
    let empty_m = || map(vec![]);
    let shared = map_id(
        3,
        vec![(s("x"), Value::Int(1)), (s("y"), seq(vec![s("a")]))],
    );
    let shared_seq = seq_id(4, vec![s("p"), s("q")]);
    let inner = map_id(5, vec![(s("i"), Value::Null)]);
    let outer = map_id(
        6,
        vec![(s("in"), inner.clone()), (s("o"), Value::Bool(true))],
    );
    let tuple = seq_id(7, vec![Value::Int(1), s("two")]);
    let cases = vec![
        ("empty seq", empty_s()),
        ("empty map", empty_m()),
        (
            "seq of empties",
            seq(vec![empty_s(), empty_m(), Value::Null, s("")]),
        ),
        (
            "map of empties",
            map(vec![
                (s("a"), empty_s()),
                (s("b"), empty_m()),
                (s("c"), Value::Null),
            ]),
        ),
        (
            "seq seq",
            seq(vec![
                seq(vec![s("a"), s("b")]),
                seq(vec![seq(vec![s("c")])]),
            ]),
        ),
        (
            "seq map",
            seq(vec![
                map(vec![(s("k"), s("v")), (s("other"), s("w"))]),
                s("x"),
            ]),
        ),
        (
            "map seq",
            map(vec![(
                s("k"),
                seq(vec![s("a"), seq(vec![s("b")]), map(vec![(s("c"), s("d"))])]),
            )]),
        ),
        (
            "map map",
            map(vec![(
                s("a"),
                map(vec![(s("b"), map(vec![(s("c"), s("d"))]))]),
            )]),
        ),
        (
            "seq map seq",
            seq(vec![map(vec![
                (s("l"), seq(vec![s("1"), s("2")])),
                (s("m"), empty_m()),
            ])]),
        ),
        (
            "seq in seq in map",
            map(vec![(
                s("a"),
                seq(vec![seq(vec![map(vec![(s("x"), s("y"))])])]),
            )]),
        ),
        (
            "int keys",
            map(vec![(Value::Int(1), s("a")), (Value::Int(-2), s("b"))]),
        ),
        (
            "float keys",
            map(vec![
                (Value::Float(1.5), s("a")),
                (Value::Float(f64::INFINITY), s("b")),
            ]),
        ),
        (
            "bool keys",
            map(vec![
                (Value::Bool(true), s("b")),
                (Value::Bool(false), s("c")),
            ]),
        ),
        (
            "null key",
            map(vec![(Value::Null, s("n")), (s("a"), Value::Null)]),
        ),
        (
            "timestamp key",
            map(vec![(Value::Timestamp("2024-01-01".into()), s("d"))]),
        ),
        (
            "binary key",
            map(vec![(Value::Binary(b"abc".to_vec()), s("d"))]),
        ),
        (
            "empty binary key",
            map(vec![(Value::Binary(vec![]), s("d"))]),
        ),
        (
            "tuple key",
            map(vec![(seq(vec![Value::Int(1), Value::Int(2)]), s("t"))]),
        ),
        ("empty tuple key", map(vec![(empty_s(), s("t"))])),
        (
            "nested tuple key",
            map(vec![(seq(vec![seq(vec![s("a")]), s("b")]), s("t"))]),
        ),
        ("key 122", map(vec![(s(&"k".repeat(122)), Value::Int(1))])),
        ("key 123", map(vec![(s(&"k".repeat(123)), Value::Int(1))])),
        ("key 127", map(vec![(s(&"k".repeat(127)), Value::Int(1))])),
        (
            "key 129",
            map(vec![(s(&"k ".repeat(70)), seq(vec![s("v")]))]),
        ),
        (
            "key 123 unicode",
            map(vec![
                (s(&"é".repeat(122)), Value::Int(1)),
                (s(&"é".repeat(123)), Value::Int(2)),
            ]),
        ),
        (
            "int key 120 digits",
            map(vec![(Value::Int(i128::MAX), Value::Int(1))]),
        ),
        (
            "multiline key",
            map(vec![(s("a\nb"), s("v")), (s("c\u{2028}d"), s("w"))]),
        ),
        (
            "shared map",
            map(vec![
                (s("a"), shared.clone()),
                (s("b"), seq(vec![shared.clone(), shared.clone()])),
                (s("c"), map(vec![(s("d"), shared.clone())])),
            ]),
        ),
        (
            "shared seq",
            seq(vec![
                shared_seq.clone(),
                map(vec![(s("k"), shared_seq.clone())]),
                shared_seq.clone(),
            ]),
        ),
        (
            "shared order",
            map(vec![
                (s("a"), shared_seq.clone()),
                (s("b"), shared.clone()),
                (s("c"), shared.clone()),
                (s("d"), shared_seq.clone()),
            ]),
        ),
        (
            "shared nested",
            seq(vec![outer.clone(), inner.clone(), outer.clone()]),
        ),
        (
            "shared nested 2",
            seq(vec![
                inner.clone(),
                outer.clone(),
                outer.clone(),
                inner.clone(),
            ]),
        ),
        (
            "shared empty",
            map(vec![
                (s("a"), map_id(8, vec![])),
                (s("b"), map_id(8, vec![])),
                (s("c"), seq_id(9, vec![])),
                (s("d"), seq_id(9, vec![])),
            ]),
        ),
        (
            "shared tuple key",
            map(vec![(tuple.clone(), s("v")), (s("a"), tuple.clone())]),
        ),
        (
            "shared tuple key later",
            map(vec![(s("a"), tuple.clone()), (tuple.clone(), s("v"))]),
        ),
        (
            "unshared same content",
            seq(vec![
                map(vec![(s("a"), Value::Int(1))]),
                map(vec![(s("a"), Value::Int(1))]),
            ]),
        ),
        ("seq of nulls", seq(vec![Value::Null, Value::Null])),
        (
            "seq of binary",
            seq(vec![
                Value::Binary(b"xyz".to_vec()),
                Value::Binary(vec![1; 60]),
            ]),
        ),
        (
            "map of binary",
            map(vec![
                (s("b"), Value::Binary(vec![1; 100])),
                (s("c"), s("d")),
            ]),
        ),
        (
            "deep long",
            map(vec![(
                s("a"),
                map(vec![(
                    s("b"),
                    map(vec![(s("c"), seq(vec![s(&"word ".repeat(30))]))]),
                )]),
            )]),
        ),
    ];
    cases.into_iter().map(|(n, v)| (n.to_string(), v)).collect()
}

#[test]
fn fixed_table_matches_pyyaml() {
    let mut cases = Vec::new();
    for t in tricky_strings() {
        cases.extend(context_cases(&format!("str {t:?}"), &s(&t)));
    }
    for t in long_strings() {
        let name = format!("long {:?}", t.chars().take(30).collect::<String>());
        cases.extend(context_cases(&name, &s(&t)));
    }
    for (name, v) in scalar_values() {
        cases.extend(context_cases(&name, &v));
    }
    cases.extend(structure_cases());
    assert!(cases.len() >= 150);
    check(&cases);
}
