//! Helpers of the loader's PyYAML tests: the oracle script, our values in
//! its typed encoding, and the comparison.

use py::yaml::{load_str, Value};
use serde_json::{json, Value as Json};
use std::collections::HashMap;
use std::io::Write as _;

/// Reads a JSON list of YAML texts, prints a JSON list of typed results.
pub const ORACLE: &str = r#"
import sys, json, datetime, yaml

def enc(v, seen, labels):
    if isinstance(v, (list, dict)):
        k = id(v)
        if k in seen:
            labels.setdefault(k, len(labels) + 1)
            return {"t": "ref", "v": k}
        seen.add(k)
        if isinstance(v, list):
            r = {"t": "seq", "v": [enc(x, seen, labels) for x in v]}
        else:
            r = {"t": "map", "v": [[enc(a, seen, labels), enc(b, seen, labels)] for a, b in v.items()]}
        r["id"] = k
        return r
    if v is None: return {"t": "null"}
    if isinstance(v, bool): return {"t": "bool", "v": v}
    if isinstance(v, int): return {"t": "int", "v": str(v)}
    if isinstance(v, float): return {"t": "float", "v": repr(v)}
    if isinstance(v, str):
        try:
            v.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: not valid JSON text
            return {"t": "surrogates", "v": v.encode("utf-8", "backslashreplace").decode()}
        return {"t": "str", "v": v}
    if isinstance(v, bytes): return {"t": "binary", "v": v.hex()}
    if isinstance(v, datetime.datetime): return {"t": "timestamp", "v": v.isoformat(" ")}
    if isinstance(v, datetime.date): return {"t": "timestamp", "v": v.isoformat()}
    return {"t": "other", "v": repr(v)}

def relabel(r, labels):
    if isinstance(r, dict):
        i = r.pop("id", None)
        if i in labels: r["a"] = labels[i]
        if r.get("t") == "ref": r["v"] = labels[r["v"]]
        for x in r.values(): relabel(x, labels)
    elif isinstance(r, list):
        for x in r: relabel(x, labels)

def one(src):
    try:
        v = yaml.safe_load(src)
    except Exception as e:
        first = str(e).splitlines()[0] if str(e) else ""
        return {"t": "error", "v": type(e).__name__ + ": " + first}
    labels = {}
    r = enc(v, set(), labels)
    relabel(r, labels)
    return r

texts = json.loads(sys.stdin.buffer.read().decode("utf-8"))
sys.stdout.write(json.dumps([one(t) for t in texts]))
"#;

/// Python's `repr(float)`: shortest digits, exponent outside 1e-4..1e16.
pub fn py_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').expect("{:e} has an exponent");
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let point = exp.parse::<i32>().expect("exponent") + 1;
    let sign = if f.is_sign_negative() { "-" } else { "" };
    let n = digits.len() as i32;
    let body = if (-3..=16).contains(&point) {
        if point <= 0 {
            format!("0.{}{digits}", "0".repeat((-point) as usize))
        } else if point >= n {
            format!("{digits}{}.0", "0".repeat((point - n) as usize))
        } else {
            format!(
                "{}.{}",
                &digits[..point as usize],
                &digits[point as usize..]
            )
        }
    } else {
        let rest = if n > 1 {
            format!(".{}", &digits[1..])
        } else {
            String::new()
        };
        format!(
            "{}{rest}e{}{:02}",
            &digits[..1],
            if point > 0 { '+' } else { '-' },
            (point - 1).abs()
        )
    };
    format!("{sign}{body}")
}

/// Our value in the oracle's encoding; containers met twice are labelled in
/// the order their second meeting happens, as the Python side does.
pub fn encode(v: &Value) -> Json {
    let mut labels = HashMap::new();
    count_shared(v, &mut HashMap::new(), &mut labels);
    encode_with(v, &labels, &mut HashMap::new())
}

pub fn container_id(v: &Value) -> u64 {
    match v {
        Value::Seq(s) => s.id,
        Value::Map(m) => m.id,
        _ => 0,
    }
}

pub fn children(v: &Value) -> Vec<&Value> {
    match v {
        Value::Seq(s) => s.iter().collect(),
        Value::Map(m) => m.iter().flat_map(|(k, x)| [k, x]).collect(),
        _ => Vec::new(),
    }
}

pub fn count_shared(v: &Value, seen: &mut HashMap<u64, ()>, labels: &mut HashMap<u64, usize>) {
    let id = container_id(v);
    if id != 0 {
        if seen.contains_key(&id) {
            let next = labels.len() + 1;
            labels.entry(id).or_insert(next);
            return;
        }
        seen.insert(id, ());
    }
    children(v)
        .into_iter()
        .for_each(|c| count_shared(c, seen, labels));
}

pub fn encode_with(v: &Value, labels: &HashMap<u64, usize>, done: &mut HashMap<u64, ()>) -> Json {
    let id = container_id(v);
    if id != 0 && done.insert(id, ()).is_some() {
        return json!({"t": "ref", "v": labels[&id]});
    }
    let mut out = match v {
        Value::Null => json!({"t": "null"}),
        Value::Bool(b) => json!({"t": "bool", "v": b}),
        Value::Int(i) => json!({"t": "int", "v": i.to_string()}),
        Value::Float(f) => json!({"t": "float", "v": py_repr(*f)}),
        Value::Str(s) => json!({"t": "str", "v": s}),
        Value::Timestamp(s) => json!({"t": "timestamp", "v": s}),
        Value::Binary(b) => {
            let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
            json!({"t": "binary", "v": hex})
        }
        Value::Seq(s) => {
            let items: Vec<Json> = s.iter().map(|x| encode_with(x, labels, done)).collect();
            json!({"t": "seq", "v": items})
        }
        Value::Map(m) => {
            let pairs: Vec<Json> = m
                .iter()
                .map(|(k, x)| json!([encode_with(k, labels, done), encode_with(x, labels, done)]))
                .collect();
            json!({"t": "map", "v": pairs})
        }
    };
    if let Some(label) = labels.get(&id) {
        out["a"] = json!(label);
    }
    out
}

pub fn ours(text: &str) -> Json {
    match load_str(text) {
        Ok(v) => encode(&v),
        Err(e) => json!({"t": "error", "v": e.to_string()}),
    }
}

/// Straight to the terminal: the test harness captures `eprintln!` of
/// passing tests, and a skipped comparison must not go unnoticed.
pub fn loud(message: &str) {
    let _ = writeln!(std::io::stderr(), "{message}");
}

/// PyYAML's result for each text, or `None` when the oracle is missing
/// outside CI.
pub fn oracle(texts: &[&str]) -> Option<Vec<Json>> {
    let python = super::pyyaml()?;
    let input = serde_json::to_string(texts).expect("strings encode");
    let stdout = super::run_python(&python, ORACLE, input);
    let out: Vec<Json> = serde_json::from_slice(&stdout).expect("oracle JSON output");
    assert_eq!(out.len(), texts.len());
    Some(out)
}

/// Texts PyYAML reads but we refuse: values `Value` cannot hold (beyond
/// i128, self-containing, sets, pairs, lone surrogates), and a few scanner
/// corners where yaml-rust2 cannot be brought round to PyYAML's reading.
pub const WE_REFUSE: &[&str] = &[
    "170141183460469231731687303715884105728",
    "&a [*a]",
    "&a {x: *a}",
    "!!set {a, b}",
    "!!omap [a: 1, b: 2]",
    "!!pairs [a: 1, a: 2]",
    "a: \"\\ud800\"",
    // PyYAML reads `?` as a key indicator anywhere in a flow collection.
    "[?x]",
    // PyYAML makes the more-indented blank line set the indentation, ends
    // the scalar empty and reads the comment; yaml-rust2 refuses the line.
    "a: |\n    \n  # c",
    // PyYAML ends the anchor name at `:` and anchors an empty key.
    "&a: x",
];

/// Same result as PyYAML: the same value, or an error on both sides
/// (messages differ). Returns a description of each difference.
pub fn compare(names: &[String], texts: &[&str], expected: &[Json]) -> Vec<String> {
    let mut failures = Vec::new();
    for ((name, text), want) in names.iter().zip(texts).zip(expected) {
        let got = ours(text);
        let want_error = want["t"] == "error" || WE_REFUSE.contains(text);
        let same = if want_error {
            got["t"] == "error"
        } else {
            &got == want
        };
        if !same {
            failures.push(format!(
                "{name}:\n  yaml:   {text:?}\n  pyyaml: {want}\n  ours:   {got}"
            ));
        }
    }
    failures
}

pub fn assert_no_failures(failures: &[String], total: usize) {
    let shown: Vec<&str> = failures.iter().take(40).map(String::as_str).collect();
    assert!(
        failures.is_empty(),
        "{} of {total} differ from PyYAML:\n{}",
        failures.len(),
        shown.join("\n")
    );
}
