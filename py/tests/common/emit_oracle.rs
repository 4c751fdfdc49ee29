//! Helpers of the emitter's PyYAML tests: the oracle script, the typed
//! encoding it reads, the comparison, and value builders.

use py::yaml::emit::dump;
use py::yaml::{Map, Seq, Value};
use std::fmt::Write as _;

/// Rebuilds each JSON-encoded case as a Python object (same `id` → same
/// object; sequences used inside keys become tuples) and dumps it.
pub const ORACLE: &str = r#"
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

pub fn json_str(s: &str, out: &mut String) {
    out.push_str(&serde_json::to_string(s).expect("a str always encodes"));
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The typed JSON encoding the oracle script reads.
pub fn encode(v: &Value, out: &mut String) {
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
pub fn oracle(values: &[&Value]) -> Option<Vec<String>> {
    let python = super::pyyaml()?;
    let mut input = String::from("[");
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            input.push(',');
        }
        encode(v, &mut input);
    }
    input.push(']');
    let stdout = super::run_python(&python, ORACLE, input);
    let out: Vec<String> = serde_json::from_slice(&stdout).expect("oracle JSON output");
    assert_eq!(out.len(), values.len());
    Some(out)
}

/// Compares every case with PyYAML and reports all differences at once.
pub fn check(cases: &[(String, Value)]) {
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

pub fn s(text: &str) -> Value {
    Value::Str(text.to_owned())
}

pub fn seq(items: Vec<Value>) -> Value {
    Value::Seq(Seq { id: 0, items })
}

pub fn seq_id(id: u64, items: Vec<Value>) -> Value {
    Value::Seq(Seq { id, items })
}

pub fn map(entries: Vec<(Value, Value)>) -> Value {
    map_id(0, entries)
}

pub fn map_id(id: u64, entries: Vec<(Value, Value)>) -> Value {
    let mut m = Map::new();
    m.id = id;
    for (k, v) in entries {
        m.insert(k, v);
    }
    Value::Map(m)
}
