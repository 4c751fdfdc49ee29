//! Python `str()`/`repr()`, `int()`/`float()` of text, `dict` keys.

use super::*;
use crate::yaml::{Map, Value};

#[test]
fn str_and_repr_of_values() {
    let mut map = Map::new();
    map.insert("a", 1i64);
    map.insert(Value::Int(2), Value::Null);
    let seq = Value::from(vec![
        Value::from("x"),
        Value::Bool(true),
        Value::Float(1.0),
        Value::Map(map),
    ]);
    assert_eq!(py_str(&seq), "['x', True, 1.0, {'a': 1, 2: None}]");
    assert_eq!(py_str(&Value::from("it's")), "it's");
    assert_eq!(py_repr(&Value::from("it's")), "\"it's\"");
    assert_eq!(
        py_repr(&Value::from("a'b\"c\\\n\t\u{1}\u{e9}\u{a0}")),
        "'a\\'b\"c\\\\\\n\\t\\x01\u{e9}\\xa0'"
    );
    assert_eq!(py_str(&Value::Null), "None");
    assert_eq!(py_str(&Value::Bool(false)), "False");
    assert_eq!(py_str(&Value::Int(-12)), "-12");
    assert_eq!(py_repr(&Value::Binary(b"a'\x00".to_vec())), "b\"a'\\x00\"");
}

#[test]
fn timestamps() {
    let date = Value::Timestamp("2024-01-02".into());
    assert_eq!(py_str(&date), "2024-01-02");
    assert_eq!(py_repr(&date), "datetime.date(2024, 1, 2)");
    assert_eq!(py_type_name(&date), "date");
    let dt = Value::Timestamp("2024-01-02 10:00:00".into());
    assert_eq!(py_repr(&dt), "datetime.datetime(2024, 1, 2, 10, 0)");
    assert_eq!(py_type_name(&dt), "datetime");
    let tz = Value::Timestamp("2024-01-02 10:00:05.500000+01:00".into());
    assert_eq!(
        py_repr(&tz),
        "datetime.datetime(2024, 1, 2, 10, 0, 5, 500000, \
         tzinfo=datetime.timezone(datetime.timedelta(seconds=3600)))"
    );
    let west = Value::Timestamp("2024-01-02 10:00:00-05:00".into());
    assert_eq!(
        py_repr(&west),
        "datetime.datetime(2024, 1, 2, 10, 0, \
         tzinfo=datetime.timezone(datetime.timedelta(days=-1, seconds=68400)))"
    );
    let utc = Value::Timestamp("2024-01-02 10:00:00+00:00".into());
    assert_eq!(
        py_repr(&utc),
        "datetime.datetime(2024, 1, 2, 10, 0, tzinfo=datetime.timezone.utc)"
    );
}

#[test]
fn python_int_and_float() {
    let int = |s: &str| parse_int(s).map(|n| n.to_string());
    assert_eq!(int(" 42 "), Some("42".into()));
    assert_eq!(int("-007"), Some("-7".into()));
    assert_eq!(int("+1_000"), Some("1000".into()));
    assert_eq!(int("-0"), Some("0".into()));
    assert_eq!(
        int("123456789012345678901234567890123456789012345"),
        Some("123456789012345678901234567890123456789012345".into())
    );
    for bad in ["", "1.0", "1__0", "_1", "1_", "0x10", "1 2", "--1"] {
        assert_eq!(int(bad), None, "{bad:?}");
    }
    assert_eq!(parse_float(" 1.5 "), Some(1.5));
    assert_eq!(parse_float("1_0.5e1_0"), Some(10.5e10));
    assert_eq!(parse_float(".5"), Some(0.5));
    assert_eq!(parse_float("5."), Some(5.0));
    assert_eq!(parse_float("-Infinity"), Some(f64::NEG_INFINITY));
    assert!(parse_float("nan").is_some_and(f64::is_nan));
    for bad in ["", ".", "e5", "1e", "1_.5", "1__0", "0x1", "1,5", "in f"] {
        assert_eq!(parse_float(bad), None, "{bad:?}");
    }
}

#[test]
fn py_dict_keeps_first_position() {
    let mut d: PyDict<Value, i32> = PyDict::new();
    d.insert(Value::Int(1), 1);
    d.insert(Value::from("a"), 2);
    d.insert(Value::Bool(true), 3);
    let keys: Vec<String> = d.iter().map(|(k, _)| py_repr(k)).collect();
    assert_eq!(keys, ["1", "'a'"]);
    assert_eq!(d.get(&Value::Float(1.0)), Some(&3));
}

#[test]
fn str_of_values() {
    assert_eq!(py_str(&Value::Bool(true)), "True");
    assert_eq!(py_str(&Value::Null), "None");
    assert_eq!(
        py_str(&Value::from(vec![Value::from("a"), Value::Int(1)])),
        "['a', 1]"
    );
    assert_eq!(py_repr(&Value::from("it's")), "\"it's\"");
}

#[test]
fn int_and_float_parsing() {
    assert_eq!(parse_i128(" 5\n"), Some(5));
    assert_eq!(parse_i128("1_000"), Some(1000));
    assert_eq!(parse_i128("1__0"), None);
    assert_eq!(parse_i128("-3"), Some(-3));
    assert_eq!(parse_i128("3.0"), None);
    assert_eq!(parse_i128(""), None);
    assert_eq!(parse_float("1.5"), Some(1.5));
    assert_eq!(parse_float(" 2 "), Some(2.0));
    assert_eq!(parse_float("1_0.5"), Some(10.5));
    assert_eq!(parse_float("."), None);
    assert_eq!(parse_float("+-1"), None);
    assert!(parse_float("-Infinity").is_some_and(f64::is_infinite));
    assert!(parse_float("nan").is_some_and(f64::is_nan));
    assert_eq!(parse_float("1e3"), Some(1000.0));
    assert_eq!(parse_float("0x10"), None);
}
