//! `yaml::emit::dump` checked byte for byte against PyYAML on random
//! values, random floats and a large generated inventory. The fixed table
//! is in `yaml_emit_pyyaml.rs`, the oracle in `common/emit_oracle.rs`.

#[allow(dead_code)]
mod common;

use common::emit_oracle::{check, map, s, seq};
use py::yaml::{Map, Seq, Value};
use shared::rng::Rng;

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
