//! `yaml::load_str` on a core subset whose expected values are written
//! here, so the test still says something where Python is missing; the
//! written values are also checked against PyYAML's `safe_load`. The tricky
//! table is in `yaml_pyyaml.rs`.

#[allow(dead_code)]
mod common;

use common::load_oracle::{encode, oracle};
use py::yaml::{load_str, Map, Seq, Value};

fn s(text: &str) -> Value {
    Value::Str(text.into())
}
fn i(n: i128) -> Value {
    Value::Int(n)
}
fn f(x: f64) -> Value {
    Value::Float(x)
}
fn ts(text: &str) -> Value {
    Value::Timestamp(text.into())
}
fn seq(items: Vec<Value>) -> Value {
    Value::Seq(Seq { id: 0, items })
}
fn map(pairs: Vec<(Value, Value)>) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.insert(k, v);
    }
    Value::Map(m)
}

/// The core subset, with PyYAML's answers written down.
fn core_cases() -> Vec<(&'static str, Value)> {
    vec![
        ("yes", Value::Bool(true)),
        ("Off", Value::Bool(false)),
        ("'yes'", s("yes")),
        ("yEs", s("yEs")),
        ("010", i(8)),
        ("0o10", s("0o10")),
        ("0x1F", i(31)),
        ("0b101", i(5)),
        ("1_000", i(1000)),
        ("1:30", i(90)),
        ("09", s("09")),
        ("-0", i(0)),
        ("1.5e+3", f(1500.0)),
        ("1.5e3", s("1.5e3")),
        ("1e3", s("1e3")),
        (".5", f(0.5)),
        ("-.5", s("-.5")),
        ("+.inf", f(f64::INFINITY)),
        ("1:30.5", f(90.5)),
        ("~", Value::Null),
        ("null", Value::Null),
        ("", Value::Null),
        ("a:", map(vec![(s("a"), Value::Null)])),
        ("!!str", s("")),
        ("2024-01-05", ts("2024-01-05")),
        (
            "2001-12-14t21:59:43.10-05:00",
            ts("2001-12-14 21:59:43.100000-05:00"),
        ),
        ("2001-12-14 21:59:43 Z", ts("2001-12-14 21:59:43+00:00")),
        ("2002-1-1", s("2002-1-1")),
        ("!!str 123", s("123")),
        ("!!int \"12\"", i(12)),
        ("!!float 1", f(1.0)),
        ("!!binary aGVsbG8=", Value::Binary(b"hello".to_vec())),
        ("\"\\u00e9\\t\"", s("é\t")),
        ("a: |-\n  x\n  y\n\n", map(vec![(s("a"), s("x\ny"))])),
        (
            "a: >\n  x\n  y\n\n  z\n",
            map(vec![(s("a"), s("x y\nz\n"))]),
        ),
        (
            "a: 1\nb: 2\na: 3",
            map(vec![(s("a"), i(3)), (s("b"), i(2))]),
        ),
        ("1: a\n1.0: b\ntrue: c", map(vec![(i(1), s("c"))])),
        ("on: 1", map(vec![(Value::Bool(true), i(1))])),
        (
            "a: &a {x: 1, y: 2}\nb: {y: 9, <<: *a}",
            map(vec![
                (s("a"), map(vec![(s("x"), i(1)), (s("y"), i(2))])),
                (s("b"), map(vec![(s("x"), i(1)), (s("y"), i(9))])),
            ]),
        ),
        (
            "a: &a {x: 1}\nb: &b {y: 2, x: 3}\nc: {<<: [*a, *b]}",
            map(vec![
                (s("a"), map(vec![(s("x"), i(1))])),
                (s("b"), map(vec![(s("y"), i(2)), (s("x"), i(3))])),
                (s("c"), map(vec![(s("y"), i(2)), (s("x"), i(1))])),
            ]),
        ),
        ("- &x 1\n- *x", seq(vec![i(1), i(1)])),
        (
            "[1, [2, {a: b}]]",
            seq(vec![i(1), seq(vec![i(2), map(vec![(s("a"), s("b"))])])]),
        ),
    ]
}

#[test]
fn core_cases_match_written_expectations() {
    for (text, want) in core_cases() {
        let got = load_str(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(encode(&got), encode(&want), "{text:?}");
    }
}

#[test]
fn core_expectations_are_pyyaml_s() {
    let cases = core_cases();
    let texts: Vec<&str> = cases.iter().map(|(t, _)| *t).collect();
    let Some(expected) = oracle(&texts) else {
        return;
    };
    for ((text, want), py) in cases.iter().zip(expected) {
        assert_eq!(
            encode(want),
            py,
            "written expectation for {text:?} is not PyYAML's"
        );
    }
}
