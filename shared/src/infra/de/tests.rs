//! Unit tests of the `Value` deserializer, on trees built in code (so they
//! do not depend on the YAML reader).

use super::*;
use crate::yaml::{fresh_id, Map, Seq};
use indexmap::IndexMap;
use serde::Deserialize;
use std::fmt;

/// A tree from JSON text (this also exercises `Deserialize for Value`
/// through a foreign deserializer).
fn json(text: &str) -> Value {
    let mut de = serde_json::Deserializer::from_str(text);
    match Value::deserialize(&mut de) {
        Ok(v) => v,
        Err(e) => panic!("bad test JSON: {e}"),
    }
}

fn map(entries: Vec<(Value, Value)>) -> Value {
    let mut m = Map::new();
    for (k, v) in entries {
        m.insert(k, v);
    }
    Value::Map(m)
}

#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
struct Host {
    ip: Option<String>,
    port: Option<u16>,
    tags: Option<Vec<String>>,
    weight: Option<f64>,
    extra: Option<Value>,
}

#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(default)]
struct Doc {
    #[serde(deserialize_with = "named_map")]
    hosts: IndexMap<String, Host>,
    #[serde(deserialize_with = "null_default")]
    list: Vec<i64>,
    #[serde(deserialize_with = "explicit_null")]
    flag: Option<Option<bool>>,
}

fn doc(v: &Value) -> Result<Doc, DeError> {
    from_value(v)
}

#[test]
fn typed_fields_and_defaults() {
    let v = json(r#"{"hosts": {"a": {"ip": "10.0.0.1", "port": 22, "tags": ["x"], "weight": 2}}}"#);
    let d = doc(&v).unwrap();
    let a = &d.hosts["a"];
    assert_eq!(a.ip.as_deref(), Some("10.0.0.1"));
    assert_eq!(a.port, Some(22));
    assert_eq!(a.tags.as_deref(), Some(&["x".to_owned()][..]));
    assert_eq!(
        a.weight,
        Some(2.0),
        "an int is accepted where a float is asked"
    );
    assert_eq!(d.list, Vec::<i64>::new());
    assert_eq!(d.flag, None);
}

#[test]
fn wrong_type_names_the_path() {
    let v = json(r#"{"hosts": {"pro-dev": {"ip": 10}}}"#);
    assert_eq!(
        doc(&v).unwrap_err().to_string(),
        "hosts.pro-dev.ip: expected a string, got int"
    );
    let v = json(r#"{"hosts": {"a": {"tags": ["x", true]}}}"#);
    assert_eq!(
        doc(&v).unwrap_err().to_string(),
        "hosts.a.tags[1]: expected a string, got bool"
    );
    let v = json(r#"{"hosts": ["a"]}"#);
    assert_eq!(
        doc(&v).unwrap_err().to_string(),
        "hosts: expected a mapping, got list"
    );
    let v = json(r#"[1]"#);
    assert_eq!(
        doc(&v).unwrap_err().to_string(),
        "top level: expected a mapping, got list"
    );
    let v = json(r#"{"hosts": {"a": {"port": 70000}}}"#);
    assert_eq!(
        doc(&v).unwrap_err().to_string(),
        "hosts.a.port: number 70000 is out of range"
    );
    let v = json(r#"{"hosts": {"a": {"port": true}}}"#);
    assert_eq!(
        doc(&v).unwrap_err().to_string(),
        "hosts.a.port: expected an integer, got bool"
    );
}

#[test]
fn null_reads_as_absent_or_empty() {
    let v = json(r#"{"hosts": null, "list": null, "flag": null}"#);
    let d = doc(&v).unwrap();
    assert!(d.hosts.is_empty());
    assert!(d.list.is_empty());
    assert_eq!(
        d.flag,
        Some(None),
        "explicit null is kept apart from absent"
    );
    let v = json(r#"{"hosts": {"a": null}}"#);
    assert_eq!(
        doc(&v).unwrap_err().to_string(),
        "hosts.a: expected a mapping, got null"
    );
}

#[test]
fn non_string_name_is_reported_at_its_mapping() {
    let hosts = map(vec![(Value::Int(123), map(vec![]))]);
    let v = map(vec![(Value::from("hosts"), hosts)]);
    assert_eq!(
        doc(&v).unwrap_err().to_string(),
        "hosts: key 123 is not a string: YAML read it as int; names must be strings, \
         so quote it (\"123\") or rename it"
    );
}

#[test]
fn non_string_key_in_a_struct_is_ignored() {
    // serde's derive would read the int key 0 as "field number 0" (ip).
    let host = map(vec![
        (Value::Int(0), Value::from("oops")),
        (Value::Bool(true), Value::Int(1)),
    ]);
    let v = map(vec![(
        Value::from("hosts"),
        map(vec![(Value::from("a"), host)]),
    )]);
    assert_eq!(doc(&v).unwrap().hosts["a"], Host::default());
}

#[test]
fn unknown_fields_are_ignored() {
    let v = json(r#"{"hosts": {"a": {"colour": {"deep": [1, 2]}}}, "other": 1}"#);
    assert_eq!(doc(&v).unwrap().hosts["a"], Host::default());
}

#[test]
fn value_fields_are_exact_copies() {
    let mut inner = Map::new();
    inner.id = fresh_id();
    inner.insert("when", Value::Timestamp("2024-01-01".into()));
    inner.insert(Value::Int(7), Value::Int(i128::MAX));
    inner.insert("raw", Value::Binary(vec![0, 1]));
    let extra = Value::Seq(Seq {
        id: fresh_id(),
        items: vec![Value::Map(inner.clone())],
    });
    let host = map(vec![(Value::from("extra"), extra.clone())]);
    let v = map(vec![(
        Value::from("hosts"),
        map(vec![(Value::from("a"), host)]),
    )]);
    let got = doc(&v).unwrap().hosts["a"].extra.clone().unwrap();
    let (Value::Seq(got_seq), Value::Seq(want_seq)) = (&got, &extra) else {
        panic!("not a list")
    };
    assert_eq!(got_seq.id, want_seq.id, "container identity survives");
    let Value::Map(got_map) = &got_seq[0] else {
        panic!("not a mapping")
    };
    assert_eq!(got_map.id, inner.id);
    assert!(matches!(got_map.get_str("when"), Some(Value::Timestamp(t)) if t == "2024-01-01"));
    assert!(matches!(got_map.get(&Value::Int(7)), Some(Value::Int(i)) if *i == i128::MAX));
    assert!(matches!(got_map.get_str("raw"), Some(Value::Binary(b)) if b == &[0, 1]));
    // A whole tree, too.
    let whole: Value = from_value(&v).unwrap();
    assert_eq!(whole, v);
}

#[test]
fn value_through_json_is_plain() {
    let v = json(r#"{"a": [1, 2.5, "x", null, true], "b": {}}"#);
    let a = v.get("a").and_then(Value::as_seq).unwrap();
    assert_eq!(a.len(), 5);
    assert!(matches!(a[0], Value::Int(1)));
    assert!(matches!(a[3], Value::Null));
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Mode {
    Lxc,
    Vm,
    Sized(u8),
}

#[test]
fn enums_from_names_and_single_key_mappings() {
    assert_eq!(from_value::<Mode>(&Value::from("vm")).unwrap(), Mode::Vm);
    assert_eq!(from_value::<Mode>(&Value::from("lxc")).unwrap(), Mode::Lxc);
    let sized = map(vec![(Value::from("sized"), Value::Int(3))]);
    assert_eq!(from_value::<Mode>(&sized).unwrap(), Mode::Sized(3));
    let err = from_value::<Mode>(&Value::from("container")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "top level: unknown variant `container`, expected one of `lxc`, `vm`, `sized`"
    );
    let err = from_value::<Mode>(&Value::Int(1)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "top level: expected a variant name, got int"
    );
}

#[test]
fn invalid_type_from_a_custom_visitor_reads_like_ours() {
    #[derive(Debug)]
    struct OnlyBool;
    impl<'de> Deserialize<'de> for OnlyBool {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl Visitor<'_> for V {
                type Value = OnlyBool;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("yes or no")
                }
                fn visit_bool<E: de::Error>(self, _: bool) -> Result<OnlyBool, E> {
                    Ok(OnlyBool)
                }
            }
            d.deserialize_any(V)
        }
    }
    #[derive(Debug, Deserialize)]
    struct W {
        #[serde(deserialize_with = "named_map")]
        k: IndexMap<String, OnlyBool>,
    }
    let v = map(vec![(
        Value::from("k"),
        map(vec![(Value::from("x"), Value::Int(1))]),
    )]);
    let err = from_value::<W>(&v).unwrap_err();
    assert_eq!(err.to_string(), "k.x: expected yes or no, got int");
    assert_eq!(
        err.path(),
        &[PathSeg::Key("k".into()), PathSeg::Key("x".into())]
    );
    assert_eq!(err.message(), "expected yes or no, got int");
    let v = map(vec![]);
    assert_eq!(
        from_value::<W>(&v).unwrap_err().to_string(),
        "top level: missing field `k`"
    );
    let v = map(vec![(
        Value::from("k"),
        map(vec![(Value::from("x"), Value::Bool(true))]),
    )]);
    assert_eq!(from_value::<W>(&v).unwrap().k.len(), 1);
}
