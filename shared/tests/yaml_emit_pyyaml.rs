//! `yaml::emit::dump` checked byte for byte against PyYAML itself.
//!
//! The promise of the emitter is "same text as anklume's Python dumper", so
//! the only trustworthy expected output is PyYAML's. Every case is sent, with
//! explicit types and node identities, to one `python3` run that rebuilds the
//! Python object and dumps it with the exact Dumper anklume used.

mod common;

use shared::rng::Rng;
use shared::yaml::emit::dump;
use shared::yaml::{Map, Seq, Value};
use std::fmt::Write as _;
use std::process::{Command, Stdio};

/// Rebuilds each JSON-encoded case as a Python object (same `id` → same
/// object; sequences used inside keys become tuples) and dumps it.
const ORACLE: &str = r#"
import sys, json, struct, datetime, yaml

class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)

_Dumper.add_representer(type(None), lambda d, _: d.represent_scalar("tag:yaml.org,2002:null", ""))

def key_ids(n, in_key, acc):
    if n["t"] == "seq":
        if in_key and n.get("id"):
            acc.add(n["id"])
        for x in n["v"]:
            key_ids(x, in_key, acc)
    elif n["t"] == "map":
        for k, v in n["v"]:
            key_ids(k, True, acc)
            key_ids(v, in_key, acc)

def timestamp(v):
    obj = datetime.date.fromisoformat(v) if len(v) == 10 else datetime.datetime.fromisoformat(v)
    text = obj.isoformat() if len(v) == 10 else obj.isoformat(" ")
    assert text == v, (text, v)
    return obj

def build(n, cache, tuples, in_key=False):
    t, v = n["t"], n.get("v")
    if t == "null": return None
    if t in ("bool", "str"): return v
    if t == "int": return int(v)
    if t == "float": return struct.unpack(">d", bytes.fromhex(v))[0]
    if t == "bin": return bytes.fromhex(v)
    if t == "ts": return timestamp(v)
    i = n.get("id", 0)
    if i and i in cache:
        return cache[i]
    if t == "seq":
        items = [build(x, cache, tuples, in_key) for x in v]
        obj = tuple(items) if in_key or i in tuples else items
    else:
        obj = {}
        for k, x in v:
            kk = build(k, cache, tuples, True)
            obj[kk] = build(x, cache, tuples, in_key)
    if i:
        cache[i] = obj
    return obj

def dump(case):
    tuples = set()
    key_ids(case, False, tuples)
    data = build(case, {}, tuples)
    return yaml.dump(data, Dumper=_Dumper, default_flow_style=False, sort_keys=False, allow_unicode=True)

cases = json.loads(sys.stdin.buffer.read().decode("utf-8"))
out = []
for case in cases:
    try:
        out.append(dump(case))
    except Exception as e:
        out.append("PYTHON ERROR: %r" % (e,))
sys.stdout.write(json.dumps(out))
"#;

fn json_str(s: &str, out: &mut String) {
    out.push_str(&serde_json::to_string(s).expect("a str always encodes"));
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The typed JSON encoding the oracle script reads.
fn encode(v: &Value, out: &mut String) {
    let scalar = |out: &mut String, t: &str, raw: &str| {
        let _ = write!(out, r#"{{"t":"{t}","v":{raw}}}"#);
    };
    match v {
        Value::Null => out.push_str(r#"{"t":"null"}"#),
        Value::Bool(b) => scalar(out, "bool", if *b { "true" } else { "false" }),
        Value::Int(i) => scalar(out, "int", &format!("\"{i}\"")),
        Value::Float(f) => scalar(out, "float", &format!("\"{}\"", hex(&f.to_be_bytes()))),
        Value::Str(s) => {
            let mut j = String::new();
            json_str(s, &mut j);
            scalar(out, "str", &j);
        }
        Value::Timestamp(s) => scalar(out, "ts", &format!("\"{s}\"")),
        Value::Binary(b) => scalar(out, "bin", &format!("\"{}\"", hex(b))),
        Value::Seq(s) => {
            let _ = write!(out, r#"{{"t":"seq","id":{},"v":["#, s.id);
            for (i, item) in s.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode(item, out);
            }
            out.push_str("]}");
        }
        Value::Map(m) => {
            let _ = write!(out, r#"{{"t":"map","id":{},"v":["#, m.id);
            for (i, (k, val)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('[');
                encode(k, out);
                out.push(',');
                encode(val, out);
                out.push(']');
            }
            out.push_str("]}");
        }
    }
}

/// PyYAML's output for each value, or `None` when the oracle is missing
/// outside CI.
fn oracle(values: &[&Value]) -> Option<Vec<String>> {
    let have_yaml = Command::new("python3")
        .args(["-c", "import yaml"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !have_yaml {
        if std::env::var("CI").is_ok_and(|v| !v.is_empty()) {
            panic!("PyYAML oracle unavailable (python3 with `yaml`) and CI is set");
        }
        eprintln!("\n*** SKIPPED: PyYAML oracle unavailable ***\n");
        return None;
    }
    let mut input = String::from("[");
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            input.push(',');
        }
        encode(v, &mut input);
    }
    input.push(']');
    let stdout = common::run_python(ORACLE, input);
    let out: Vec<String> = serde_json::from_slice(&stdout).expect("oracle JSON output");
    assert_eq!(out.len(), values.len());
    Some(out)
}

/// Compares every case with PyYAML and reports all differences at once.
fn check(cases: &[(String, Value)]) {
    let values: Vec<&Value> = cases.iter().map(|(_, v)| v).collect();
    let Some(expected) = oracle(&values) else {
        return;
    };
    let mut failures = Vec::new();
    for ((name, value), want) in cases.iter().zip(&expected) {
        let got = dump(value);
        if &got != want {
            failures.push(format!(
                "{name}:\n  value:  {value:?}\n  pyyaml: {want:?}\n  ours:   {got:?}"
            ));
        }
    }
    let shown: Vec<_> = failures.iter().take(40).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from PyYAML:\n{}",
        failures.len(),
        cases.len(),
        shown
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    eprintln!("{} cases identical to PyYAML", cases.len());
}

fn s(text: &str) -> Value {
    Value::Str(text.to_owned())
}

fn seq(items: Vec<Value>) -> Value {
    Value::Seq(Seq { id: 0, items })
}

fn seq_id(id: u64, items: Vec<Value>) -> Value {
    Value::Seq(Seq { id, items })
}

fn map(entries: Vec<(Value, Value)>) -> Value {
    map_id(0, entries)
}

fn map_id(id: u64, entries: Vec<(Value, Value)>) -> Value {
    let mut m = Map::new();
    m.id = id;
    for (k, v) in entries {
        m.insert(k, v);
    }
    Value::Map(m)
}

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

#[rustfmt::skip]
const PIECES: &[&str] = &[
    " ", " ", " ", "  ", "'", "\"", ":", ": ", " #", "#", "-", "- ", "\n", "\n", "\n\n", "0", "1",
    "7", "a", "b", "Z", "word", "yes", "no", "null", "~", "true", "é", "😀", "中", "\t", "\u{2028}",
    "\u{85}", "\u{feff}", "\\", "?", ",", "[", "{", "}", "&", "*", "!", "|", ">", "%", "@", "`",
    ".", "...", "---", "0x1F", "1.5", "e+3", "_", "=", "<<", "\r", "\u{0}", "\u{7f}", "\u{a0}",
    "lorem ipsum dolor sit amet ", "consectetur adipiscing elit ", "2024-01-01", " 10:00:00",
];

fn random_string(rng: &mut Rng) -> String {
    let n = match rng.below(10) {
        0 => 0,
        1..=6 => 1 + rng.below(4),
        7 | 8 => 5 + rng.below(15),
        _ => 20 + rng.below(40),
    };
    (0..n).map(|_| *rng.pick(PIECES)).collect()
}

fn random_scalar(rng: &mut Rng) -> Value {
    match rng.below(20) {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 0),
        2 => Value::Int(rng.next() as i64 as i128 >> rng.below(64)),
        3 => Value::Float(random_float(rng)),
        4 => Value::Binary((0..rng.below(70)).map(|_| rng.next() as u8).collect()),
        _ => Value::Str(random_string(rng)),
    }
}

fn random_float(rng: &mut Rng) -> f64 {
    match rng.below(4) {
        0 => f64::from_bits(rng.next()),
        1 => (rng.next() % 100_000) as f64 / 100.0,
        2 => (rng.next() as i64 as f64) * 10f64.powi(rng.below(60) as i32 - 30),
        _ => *rng.pick(&[0.0, -0.0, 1e16, 1e-5, 0.5, f64::INFINITY, f64::NAN]),
    }
}

/// Keys Python can hash: scalars (never NaN) and tuples of them.
fn random_key(rng: &mut Rng) -> Value {
    match rng.below(12) {
        0 => seq((0..rng.below(3)).map(|_| random_key(rng)).collect()),
        1 => Value::Int(rng.below(1000) as i128),
        2 => Value::Null,
        3 => Value::Float(rng.below(100) as f64 / 8.0),
        _ => Value::Str(random_string(rng)),
    }
}

struct Gen {
    rng: Rng,
    pool: Vec<Value>,
    next_id: u64,
}

impl Gen {
    fn value(&mut self, depth: usize) -> Value {
        if depth > 0 && !self.pool.is_empty() && self.rng.below(12) == 0 {
            let i = self.rng.below(self.pool.len());
            return self.pool[i].clone();
        }
        let v = match (depth, self.rng.below(10)) {
            (0, _) | (_, 0..=4) => return random_scalar(&mut self.rng),
            (_, 5..=6) => {
                let n = self.rng.below(4);
                Value::Seq(Seq {
                    id: 0,
                    items: (0..n).map(|_| self.value(depth - 1)).collect(),
                })
            }
            _ => {
                let mut m = Map::new();
                for _ in 0..self.rng.below(5) {
                    let k = random_key(&mut self.rng);
                    let v = self.value(depth - 1);
                    m.insert(k, v);
                }
                Value::Map(m)
            }
        };
        self.maybe_share(v)
    }

    /// Gives some containers an identity and remembers them for reuse.
    fn maybe_share(&mut self, mut v: Value) -> Value {
        if self.rng.below(3) != 0 {
            return v;
        }
        self.next_id += 1;
        match &mut v {
            Value::Seq(s) => s.id = self.next_id,
            Value::Map(m) => m.id = self.next_id,
            _ => return v,
        }
        self.pool.push(v.clone());
        v
    }
}

#[test]
fn random_values_match_pyyaml() {
    let mut gen = Gen {
        rng: Rng(0x9E37_79B9_7F4A_7C15),
        pool: Vec::new(),
        next_id: 0,
    };
    let mut cases = Vec::new();
    for i in 0..4000 {
        if i % 50 == 0 {
            gen.pool.clear();
        }
        let depth = gen.rng.below(5);
        let v = gen.value(depth);
        cases.push((format!("random #{i}"), v));
    }
    check(&cases);
}

#[test]
fn random_floats_match_pyyaml() {
    let mut rng = Rng(0x0123_4567_89AB_CDEF);
    let cases: Vec<(String, Value)> = (0..6000)
        .map(|i| {
            let f = match i % 3 {
                0 => f64::from_bits(rng.next()),
                1 => (rng.next() as i64 as f64) / 10f64.powi(rng.below(40) as i32),
                _ => (rng.next() >> rng.below(64)) as f64 * 10f64.powi(rng.below(30) as i32 - 20),
            };
            (format!("float #{i} {f:?}"), Value::Float(f))
        })
        .collect();
    check(&cases);
}

/// A generated inventory: 1000 hosts of about 20 keys each.
fn inventory() -> Value {
    let hosts: Vec<(Value, Value)> = (0..1000)
        .map(|i| {
            let mut entries: Vec<(Value, Value)> = vec![
                (
                    s("ansible_host"),
                    s(&format!("10.100.{}.{}", i / 250, i % 250 + 2)),
                ),
                (s("instance_type"), s("lxc")),
                (s("domain"), s(&format!("domain-{}", i % 7))),
                (s("gpu"), Value::Bool(i % 10 == 0)),
                (s("memory"), s("2GiB")),
                (s("cpu"), Value::Int(2)),
                (s("profiles"), seq(vec![s("default"), s("nesting")])),
                (
                    s("roles"),
                    seq(vec![s("base_system"), s("admin_bootstrap")]),
                ),
                (
                    s("description"),
                    s("A host used for testing the dumper with a reasonably long sentence"),
                ),
                (s("ephemeral"), Value::Bool(false)),
                (s("os_image"), s("images:debian/13")),
                (
                    s("config"),
                    map(vec![
                        (s("security.nesting"), s("true")),
                        (s("boot.autostart"), s("yes")),
                    ]),
                ),
                (s("devices"), map(vec![])),
                (s("weight"), Value::Float(0.5)),
                (s("snapshots"), seq(vec![])),
                (s("port"), s("8080")),
                (s("comment"), Value::Null),
                (s("owner"), s("root")),
                (s("tags"), seq(vec![s("a"), s("b: c")])),
            ];
            entries.push((s("index"), Value::Int(i)));
            (s(&format!("host-{i:04}")), map(entries))
        })
        .collect();
    map(vec![(s("all"), map(vec![(s("hosts"), map(hosts))]))])
}

#[test]
fn inventory_dump_is_identical() {
    // Timing lives in bench/, never in the test suite.
    check(&[("inventory".to_string(), inventory())]);
}
