//! Unit tests for [`super`] (the PyYAML oracle comparison is in
//! `shared/tests`).

use super::*;
use crate::yaml::Seq;

fn s(text: &str) -> Value {
    Value::from(text)
}

fn seq(items: Vec<Value>) -> Value {
    Value::from(items)
}

fn map(entries: Vec<(Value, Value)>) -> Value {
    map_id(0, entries)
}

fn map_id(id: NodeId, entries: Vec<(Value, Value)>) -> Value {
    let mut m = Map::new();
    m.id = id;
    for (k, v) in entries {
        m.insert(k, v);
    }
    Value::Map(m)
}

fn strs(items: &[&str]) -> Value {
    seq(items.iter().map(|t| s(t)).collect())
}

#[test]
fn block_collections_are_indented() {
    let v = map(vec![
        (s("a"), Value::Int(1)),
        (
            s("b"),
            seq(vec![
                s("x"),
                map(vec![(s("y"), Value::Int(2)), (s("z"), Value::Int(3))]),
            ]),
        ),
        (s("c"), map(vec![])),
        (s("d"), seq(vec![])),
        (s("e"), Value::Null),
    ]);
    assert_eq!(
        dump(&v),
        "a: 1\nb:\n  - x\n  - y: 2\n    z: 3\nc: {}\nd: []\ne:\n"
    );
    let v = seq(vec![
        strs(&["a", "b"]),
        seq(vec![]),
        seq(vec![s("c"), strs(&["d"])]),
    ]);
    assert_eq!(dump(&v), "- - a\n  - b\n- []\n- - c\n  - - d\n");
}

#[test]
fn strings_that_would_not_read_back_are_quoted() {
    let v = strs(&[
        "yes",
        "010",
        "1.0",
        "~",
        "",
        "null",
        "2024-01-01",
        "<<",
        "=",
        "a: b",
        "a #b",
        "- x",
        " lead",
        "it's",
    ]);
    let want = "- 'yes'\n- '010'\n- '1.0'\n- '~'\n- ''\n- 'null'\n- '2024-01-01'\n- '<<'\n\
                - '='\n- 'a: b'\n- 'a #b'\n- '- x'\n- ' lead'\n- it's\n";
    assert_eq!(dump(&v), want);
    let v = strs(&["a:b", "a#b", "http://x/y", "-x", "café", "😀"]);
    assert_eq!(dump(&v), "- a:b\n- a#b\n- http://x/y\n- -x\n- café\n- 😀\n");
}

#[test]
fn special_characters_use_double_quotes() {
    let v = strs(&[
        "tab\there",
        "bell\x07",
        "nel\u{85}",
        "bom\u{feff}",
        "emoji 😀\t",
        "cr\r",
    ]);
    let want = "- \"tab\\there\"\n- \"bell\\a\"\n- 'nel\u{85}  '\n- \"bom\\uFEFF\"\n\
                - \"emoji \\U0001F600\\t\"\n- \"cr\\r\"\n";
    assert_eq!(dump(&v), want);
}

#[test]
fn multiline_and_long_strings() {
    let v = map(vec![(s("m"), s("line one\nline two\n"))]);
    assert_eq!(dump(&v), "m: 'line one\n\n  line two\n\n  '\n");
    let v = map(vec![(s("k"), s(&["word"; 25].join(" ")))]);
    let want = "k: word word word word word word word word word word word word word word word \
                word\n  word word word word word word word word word\n";
    assert_eq!(dump(&v), want);
    let v = s(&["w"; 50].join(" "));
    let want = format!("{}w\n  {}w\n...\n", "w ".repeat(40), "w ".repeat(8));
    assert_eq!(dump(&v), want);
}

#[test]
fn floats_follow_python_repr() {
    let v = seq([
        1e20,
        1e-7,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        1.0,
        123456789012345678.0,
        0.1,
    ]
    .into_iter()
    .map(Value::Float)
    .collect());
    let want = "- 1.0e+20\n- 1.0e-07\n- -0.0\n- .inf\n- -.inf\n- .nan\n- 1.0\n\
                - 1.2345678901234568e+17\n- 0.1\n";
    assert_eq!(dump(&v), want);
}

#[test]
fn keys_simple_and_complex() {
    let v = map(vec![(Value::Int(1), s("b")), (Value::Null, s("c"))]);
    assert_eq!(dump(&v), "1: b\n?\n: c\n");
    let long = "k".repeat(130);
    let v = map(vec![(s(&long), Value::Int(1))]);
    assert_eq!(dump(&v), format!("? {long}\n: 1\n"));
}

#[test]
fn shared_nodes_get_anchors() {
    let m = map_id(7, vec![(s("x"), Value::Int(1))]);
    let v = map(vec![
        (s("a"), m.clone()),
        (
            s("b"),
            Value::Seq(Seq {
                id: 0,
                items: vec![m],
            }),
        ),
    ]);
    assert_eq!(dump(&v), "a: &id001\n  x: 1\nb:\n  - *id001\n");
}

#[test]
fn scalars_at_top_level_and_binary() {
    assert_eq!(dump(&s("top")), "top\n...\n");
    assert_eq!(dump(&Value::Null), "...\n");
    let v = map(vec![(s("bin"), Value::Binary(b"\x00\x01binary".to_vec()))]);
    assert_eq!(dump(&v), "bin: !!binary |\n  AAFiaW5hcnk=\n");
}
