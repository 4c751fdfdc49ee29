//! The loader's tests, through [`load_str`] as callers see it: each rule is
//! PyYAML's whichever stage enforces it, so they are grouped by behaviour
//! rather than by submodule.

use super::*;
use crate::yaml::Map;

fn load(text: &str) -> Value {
    load_str(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn fails(text: &str) -> LoadError {
    match load_str(text) {
        Ok(v) => panic!("{text:?} should fail, got {v:?}"),
        Err(e) => e,
    }
}

fn s(text: &str) -> Value {
    Value::Str(text.into())
}

fn map_of(v: &Value) -> &Map {
    v.as_map().expect("a mapping")
}

fn keys(v: &Value) -> Vec<String> {
    map_of(v)
        .keys()
        .map(|k| k.as_str().unwrap_or("?").to_owned())
        .collect()
}

fn id(v: &Value) -> u64 {
    match v {
        Value::Seq(s) => s.id,
        Value::Map(m) => m.id,
        _ => 0,
    }
}

#[test]
fn plain_scalars_resolve_like_yaml_1_1() {
    for t in [
        "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE",
    ] {
        assert!(matches!(load(t), Value::Bool(true)), "{t}");
    }
    for t in [
        "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE",
    ] {
        assert!(matches!(load(t), Value::Bool(false)), "{t}");
    }
    for t in ["yEs", "y", "n", "oN", "'yes'", "\"on\""] {
        assert!(matches!(load(t), Value::Str(_)), "{t}");
    }
    for t in ["~", "null", "Null", "NULL", ""] {
        assert!(load(t).is_null(), "{t}");
    }
    assert!(matches!(load("nULL"), Value::Str(_)));
}

#[test]
fn integers_follow_construct_yaml_int() {
    let cases = [
        ("010", 8),
        ("-010", -8),
        ("0x1F", 31),
        ("-0x1f", -31),
        ("0b101", 5),
        ("1_000", 1000),
        ("0_", 0),
        ("1:30", 90),
        ("-1:30", -90),
        ("190:20:30", 685_230),
        ("+0", 0),
    ];
    for (text, want) in cases {
        assert!(matches!(load(text), Value::Int(i) if i == want), "{text}");
    }
    for text in ["0o10", "09", "1:60", "0X1F", "1e3", "_1"] {
        assert!(matches!(load(text), Value::Str(_)), "{text}");
    }
    assert!(fails("170141183460469231731687303715884105728")
        .message
        .contains("out of range"));
    assert!(matches!(load("!!int \"12\""), Value::Int(12)));
    assert!(fails("!!int abc").message.contains("invalid literal"));
}

#[test]
fn floats_need_a_dot_or_a_special_name() {
    let cases = [
        ("1.5", 1.5),
        ("1.0e+3", 1000.0),
        (".5", 0.5),
        ("1.", 1.0),
        ("1:30.5", 90.5),
    ];
    for (text, want) in cases {
        assert!(matches!(load(text), Value::Float(f) if f == want), "{text}");
    }
    assert!(matches!(load("-.inf"), Value::Float(f) if f == f64::NEG_INFINITY));
    assert!(matches!(load(".NaN"), Value::Float(f) if f.is_nan()));
    for text in ["1e3", "1.5e3", "-.5", "+.nan", ".iNf"] {
        assert!(matches!(load(text), Value::Str(_)), "{text}");
    }
    assert!(matches!(load("!!float 1"), Value::Float(f) if f == 1.0));
}

#[test]
fn timestamps_are_kept_as_python_writes_them() {
    let cases = [
        ("2024-01-05", "2024-01-05"),
        (
            "2001-12-14t21:59:43.10-05:00",
            "2001-12-14 21:59:43.100000-05:00",
        ),
        ("2001-12-14 21:59:43 Z", "2001-12-14 21:59:43+00:00"),
        ("2001-12-14 21:59:43.0", "2001-12-14 21:59:43"),
        ("2002-1-1 1:02:03 +5", "2002-01-01 01:02:03+05:00"),
        ("!!timestamp 2002-1-1", "2002-01-01"),
    ];
    for (text, want) in cases {
        assert!(
            matches!(load(text), Value::Timestamp(t) if t == want),
            "{text}"
        );
    }
    assert!(matches!(load("2002-1-1"), Value::Str(_)));
    assert!(fails("2001-02-29").message.contains("day is out of range"));
}

#[test]
fn only_plain_scalars_are_resolved() {
    let v = load("a: '1'\nb: \"true\"\nc: |\n  2\nd: >\n  ~\n");
    let m = map_of(&v);
    assert_eq!(m.get_str("a"), Some(&s("1")));
    assert_eq!(m.get_str("b"), Some(&s("true")));
    assert_eq!(m.get_str("c"), Some(&s("2\n")));
    assert_eq!(m.get_str("d"), Some(&s("~\n")));
    assert!(matches!(load("! '12'"), Value::Int(12)));
}

#[test]
fn explicit_tags_are_constructed_or_refused() {
    assert_eq!(load("!!str 123"), s("123"));
    assert_eq!(load("!!str"), s(""));
    assert!(load("!!null anything").is_null());
    assert!(matches!(load("!!binary aGVsbG8="), Value::Binary(b) if b == b"hello"));
    assert!(matches!(load("!!bool \"yEs\""), Value::Bool(true)));
    for text in ["!!set {a, b}", "!!omap [a: 1]", "!!pairs [a: 1]"] {
        assert!(fails(text).message.contains("not supported"), "{text}");
    }
    for text in [
        "!!python/tuple [1]",
        "!foo x",
        "a: =",
        "!!seq {a: 1}",
        "!!map [1]",
    ] {
        fails(text);
    }
    let e = fails("!foo x");
    assert!(e
        .message
        .contains("could not determine a constructor for the tag '!foo'"));
}

#[test]
fn duplicate_keys_keep_the_first_place_and_the_last_value() {
    let v = load("a: 1\nb: 2\na: 3");
    assert_eq!(keys(&v), ["a", "b"]);
    assert_eq!(map_of(&v).get_str("a"), Some(&Value::Int(3)));
    let v = load("1: a\n1.0: b\ntrue: c");
    assert_eq!(map_of(&v).len(), 1);
    assert!(matches!(map_of(&v).keys().next(), Some(Value::Int(1))));
    assert_eq!(map_of(&v).values().next(), Some(&s("c")));
    assert_eq!(map_of(&load(".nan: a\n.nan: b")).len(), 1);
}

#[test]
fn unhashable_keys_are_refused() {
    assert!(fails("[1, 2]: a").message.contains("unhashable key"));
    assert!(fails("? {a: 1}\n: b").message.contains("unhashable key"));
}

#[test]
fn merges_put_merged_keys_first_and_let_own_keys_win() {
    let v = load("a: &a {x: 1, y: 2}\nb:\n  z: 3\n  x: 9\n  <<: *a");
    let b = map_of(&v).get_str("b").expect("b");
    assert_eq!(keys(b), ["x", "y", "z"]);
    assert_eq!(b.get("x"), Some(&Value::Int(9)));
    let v = load("a: &a {x: 1}\nb: &b {y: 2, x: 3}\nc: {<<: [*a, *b]}");
    let c = map_of(&v).get_str("c").expect("c");
    assert_eq!(keys(c), ["y", "x"]);
    assert_eq!(c.get("x"), Some(&Value::Int(1)));
    assert!(fails("b: {<<: 1}").message.contains("for merging"));
    assert!(fails("b: {<<: [1]}").message.contains("for merging"));
    assert_eq!(
        keys(
            map_of(&load("b: {<<: !!str {x: 1}}"))
                .get_str("b")
                .expect("b")
        ),
        ["x"]
    );
    assert_eq!(keys(&load("'<<': 1")), ["<<"]);
}

/// PyYAML 6.0.3 and every earlier release (and Debian's python3-yaml): with a
/// list of sources the first source that has a key wins, keys come in the
/// order of the reversed source list, and the mapping's own keys win over
/// all. PyYAML 6.0.4 changed both for keys of two or more characters; we
/// keep the old behaviour (README, "Where we differ").
#[test]
fn merge_lists_let_the_first_source_win() {
    let v = load(
        "a: &a {kk: 1}\nb: &b {kk: 2, yy: 2}\nc: &c {kk: 3, zz: 3, yy: 3}\n\
         d: {<<: [*a, *b, *c], w: 0}",
    );
    let d = map_of(&v).get_str("d").expect("d");
    assert_eq!(keys(d), ["kk", "zz", "yy", "w"]);
    assert_eq!(d.get("kk"), Some(&Value::Int(1)));
    assert_eq!(d.get("yy"), Some(&Value::Int(2)));
    assert_eq!(d.get("zz"), Some(&Value::Int(3)));
}

/// The merge-key blow-up that made PyYAML change (each mapping merging
/// several earlier ones, so naive flattening is exponential in the chain
/// length): every source is flattened once, and the copies merges make are
/// capped, so the load either finishes with the right keys or is refused
/// with one message. Exponential work would not finish at these sizes.
#[test]
fn merge_chains_stay_bounded() {
    let chain = |n: usize, width: usize| {
        let mut text = String::from("m0: &m0 {k0: 0}\n");
        for i in 1..n {
            let sources: Vec<String> = (i.saturating_sub(width)..i)
                .map(|j| format!("*m{j}"))
                .collect();
            text.push_str(&format!(
                "m{i}: &m{i} {{<<: [{}], k{i}: {i}}}\n",
                sources.join(", ")
            ));
        }
        text
    };
    // 200 mappings each merging the 3 before: all keys, first source wins.
    let v = load(&chain(200, 3));
    let last = map_of(&v).get_str("m199").expect("m199");
    assert_eq!(keys(last).len(), 200);
    assert_eq!(last.get("k0"), Some(&Value::Int(0)));
    // 5 000 mappings each merging the 8 before: refused, not exhausted.
    let err = fails(&chain(5_000, 8));
    assert!(
        err.message.contains("merges copy too many keys"),
        "{}",
        err.message
    );
}

#[test]
fn aliases_share_one_container_id() {
    let v = load("a: &x [1, 2]\nb: *x\nc: &y {k: v}\nd: [*y, *y]\ne: &z [3]");
    let m = map_of(&v);
    let (a, b) = (m.get_str("a").expect("a"), m.get_str("b").expect("b"));
    assert_eq!(a, b);
    assert_ne!(id(a), 0);
    assert_eq!(id(a), id(b));
    let d = m.get_str("d").and_then(Value::as_seq).expect("d");
    assert_eq!(id(&d[0]), id(m.get_str("c").expect("c")));
    assert_eq!(id(&d[0]), id(&d[1]));
    assert_ne!(id(&d[0]), id(a));
    // Anchored but never aliased: not shared, as PyYAML would dump it.
    assert_eq!(id(m.get_str("e").expect("e")), 0);
}

#[test]
fn merged_containers_are_the_source_s_objects() {
    let v = load("a: &a {x: [1]}\nb: {<<: *a}");
    let m = map_of(&v);
    let ax = m.get_str("a").and_then(|a| a.get("x")).expect("a.x");
    let bx = m.get_str("b").and_then(|b| b.get("x")).expect("b.x");
    assert_ne!(id(ax), 0);
    assert_eq!(id(ax), id(bx));
}

#[test]
fn recursive_and_undefined_aliases_are_refused() {
    assert!(fails("&a [*a]").message.contains("contains it"));
    assert!(fails("&a {x: {y: *a}}").message.contains("contains it"));
    fails("a: *nope");
    assert!(fails("- &a b\n- &a c").message.contains("duplicate anchor"));
}

#[test]
fn streams_hold_at_most_one_document() {
    assert!(load("").is_null());
    assert!(load("# only a comment\n\n").is_null());
    assert!(load("---").is_null());
    assert_eq!(load("%YAML 1.1\n--- x"), s("x"));
    assert_eq!(load("x\n...\n"), s("x"));
    let e = fails("a: 1\n---\nb: 2");
    assert!(e.message.contains("expected a single document"));
    assert_eq!((e.line, e.column), (2, 1));
    fails("...\n");
    fails("%YAML 2.0\n--- x");
}

#[test]
fn errors_have_one_based_positions() {
    let e = fails("a: 1\nb: [1, 2\n");
    assert!(e.line >= 2 && e.column >= 1, "{e}");
    let e = fails("a:\n  b: 1\n c: 2");
    assert_eq!(e.line, 3);
    let e = fails("a: b\u{1}");
    assert_eq!((e.line, e.column), (1, 5));
    assert!(e
        .to_string()
        .starts_with("line 1, column 5: unacceptable character #x0001"));
    let e = fails("\u{feff}a: b\t");
    assert_eq!((e.line, e.column), (1, 6));
}

#[test]
fn tabs_only_where_pyyaml_takes_them() {
    assert_eq!(map_of(&load("a: \"x\ty\"")).get_str("a"), Some(&s("x\ty")));
    assert_eq!(
        map_of(&load("a: |\n  x\ty\n")).get_str("a"),
        Some(&s("x\ty\n"))
    );
    assert_eq!(keys(&load("a: 1 # c\td")), ["a"]);
    assert_eq!(map_of(&load("a: \"x\n\ty\"")).get_str("a"), Some(&s("x y")));
    for text in [
        "a: b\t",
        "a:\tb",
        "\ta: 1",
        "a: 1\t# c",
        "- a\n-\tb",
        "a: |\n  x\n\t\n",
    ] {
        fails(text);
    }
}

#[test]
fn continuation_lines_need_no_indentation() {
    assert_eq!(map_of(&load("a: \"x\ny\"")).get_str("a"), Some(&s("x y")));
    let v = load("a:\n  b: [1,\n2]\n  c: {\n}");
    let a = map_of(&v).get_str("a").expect("a");
    assert_eq!(a.get("b").and_then(Value::as_seq).map(|s| s.len()), Some(2));
    assert!(a
        .get("c")
        .and_then(Value::as_map)
        .is_some_and(|m| m.is_empty()));
    fails("a: \"x\n---\ny\"");
}

#[test]
fn block_scalars_at_the_end_of_the_text() {
    let cases = [
        ("a: |\n  x", "x"),
        ("a: |\n  x\n  ", "x\n"),
        ("a: |+\n  x\n\n  ", "x\n\n"),
        ("a: >\n  x\n  y", "x y"),
        ("a: |\n", ""),
        ("a: |+\n\n", "\n"),
        ("a: |-\n  x", "x"),
    ];
    for (text, want) in cases {
        assert_eq!(map_of(&load(text)).get_str("a"), Some(&s(want)), "{text:?}");
    }
    fails("|\nx");
}

#[test]
fn pyyaml_key_rules() {
    for text in [":", "- :", "{: 1}", "{a\n: 1}", "[:x]", "[> c]"] {
        fails(text);
    }
    assert!(map_of(&load("?")).contains_key(&Value::Null));
    assert_eq!(load("\"b\"#c"), s("b"));
    assert_eq!(load("[a]#c").as_seq().map(|s| s.len()), Some(1));
    let long = format!("{}: 1", "k".repeat(1100));
    fails(&long);
    assert_eq!(keys(&load("a: &A k\n*A: 3")), ["a", "k"]);
    let v = load("- &A v\n- *A: 1");
    assert_eq!(
        v.as_seq().map(|s| s[1].clone()),
        Some(Value::Map({
            let mut m = Map::new();
            m.insert("v", 1i64);
            m
        }))
    );
}

#[test]
fn line_breaks_the_pyyaml_way() {
    assert_eq!(keys(&load("a: 1\r\nb: 2\r\n")), ["a", "b"]);
    assert_eq!(keys(&load("a: 1\rb: 2")), ["a", "b"]);
    assert_eq!(keys(&load("a: 1\u{85}b: 2")), ["a", "b"]);
    assert!(fails("a: x\u{2028}b").message.contains("#x2028"));
    assert_eq!(keys(&load("\u{feff}a: 1")), ["a"]);
}

/// A document nested `depth` block sequences deep, on one line.
fn nested(depth: usize) -> String {
    format!("{}x", "- ".repeat(depth))
}

#[test]
fn nesting_is_bounded_without_overflowing_the_stack() {
    // Test threads have small stacks: the value must still be
    // cloned, compared and dropped there.
    let v = load(&nested(MAX_DEPTH));
    let copy = v.clone();
    assert_eq!(v, copy);
    assert!(fails(&nested(MAX_DEPTH + 1))
        .message
        .contains("nests deeper"));
    assert!(fails(&nested(20_000)).message.contains("nests deeper"));
    let through_aliases = format!("a: &a\n  {}\nb:\n  {}*a", nested(600), "- ".repeat(600));
    assert!(fails(&through_aliases).message.contains("nests deeper"));
}

#[test]
fn alias_bombs_are_stopped() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    assert!(fails(&text).message.contains("expand"));
}

/// xorshift: reproducible garbage without a dependency.
fn garbage(seed: &mut u64, len: usize) -> String {
    const PIECES: &[&str] = &[
        "a",
        "1",
        ":",
        " ",
        "  ",
        "\n",
        "- ",
        "? ",
        "[",
        "]",
        "{",
        "}",
        ",",
        "#",
        "&a",
        "*a",
        "!!",
        "!",
        "|",
        ">",
        "'",
        "\"",
        "\\",
        "\t",
        "\r",
        "---",
        "...",
        "%YAML 1.1",
        "<<",
        "=",
        "é",
        "\u{85}",
        "\u{feff}",
        "~",
        "0x",
        ".5",
        "2001-01-01",
        "\u{1F600}",
        "@",
        "`",
        "%",
    ];
    let mut out = String::new();
    for _ in 0..len {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        out.push_str(PIECES[(*seed % PIECES.len() as u64) as usize]);
    }
    out
}

#[test]
fn garbage_never_panics() {
    let mut seed = 0x2545_f491_4f6c_dd1d;
    for round in 0..600 {
        let text = garbage(&mut seed, 1 + round % 60);
        let _ = load_str(&text);
    }
    for text in [
        "[".repeat(5000),
        "{a: ".repeat(3000),
        "- ".repeat(5000),
        "\"\\".to_owned(),
    ] {
        let _ = load_str(&text);
    }
}
