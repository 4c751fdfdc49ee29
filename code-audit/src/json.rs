//! The JSON report, byte for byte as `json.dumps(report, indent=2)` wrote
//! it (ASCII only, `\uXXXX` escapes, `": "` and `,` separators), except that
//! it is valid JSON: a test-only module's ratio, which Python wrote as the
//! bare token `Infinity`, is `null` with `"test_only": true` beside it.

use crate::deadcode::DeadCode;
use crate::report::{Ratio, Report};
use py::float_repr;
use std::fmt::Write;

/// A JSON value with object keys in insertion order.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Int(i64),
    /// Written as Python's `repr(float)`.
    Float(f64),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

fn obj<const N: usize>(items: [(&str, Json); N]) -> Json {
    Json::Object(items.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

fn int(n: u64) -> Json {
    Json::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

fn ratio(r: Ratio) -> Json {
    match r {
        Ratio::IntZero => Json::Int(0),
        Ratio::Float(x) => Json::Float(x),
        Ratio::TestOnly => Json::Null,
    }
}

/// The report as a JSON value, with upstream's keys and nesting.
pub fn to_json(report: &Report) -> Json {
    let s = &report.summary;
    let line_counts = report
        .line_counts
        .iter()
        .map(|(key, _, c)| {
            let v = obj([
                ("total_lines", int(c.total_lines)),
                ("file_count", int(c.file_count)),
            ]);
            ((*key).to_owned(), v)
        })
        .collect();
    let test_ratios = report
        .test_ratios
        .iter()
        .map(|(module, m)| {
            let mut fields = vec![
                ("impl_lines".to_owned(), int(m.impl_lines)),
                ("test_lines".to_owned(), int(m.test_lines)),
                ("ratio".to_owned(), ratio(m.ratio)),
            ];
            if m.ratio == Ratio::TestOnly {
                fields.push(("test_only".to_owned(), Json::Bool(true)));
            }
            (module.clone(), Json::Object(fields))
        })
        .collect();
    let roles = report
        .roles
        .iter()
        .map(|r| {
            obj([
                ("name", Json::Str(r.name.clone())),
                ("lines", int(r.lines)),
                ("files", int(r.files)),
                (
                    "simplification_candidate",
                    Json::Bool(r.simplification_candidate),
                ),
            ])
        })
        .collect();
    obj([
        ("project_dir", Json::Str(report.project_dir.clone())),
        (
            "summary",
            obj([
                ("total_implementation_lines", int(s.implementation_lines)),
                ("total_test_lines", int(s.test_lines)),
                ("total_role_lines", int(s.role_lines)),
                ("overall_test_to_impl_ratio", ratio(report.overall_ratio)),
            ]),
        ),
        ("line_counts", Json::Object(line_counts)),
        ("test_ratios", Json::Object(test_ratios)),
        (
            "untested_scripts",
            Json::Array(
                report
                    .untested_scripts
                    .iter()
                    .map(|p| Json::Str(p.clone()))
                    .collect(),
            ),
        ),
        ("roles", Json::Array(roles)),
        ("dead_code", dead_code(&report.dead_code)),
    ])
}

fn dead_code(dc: &DeadCode) -> Json {
    let status = |s: &str| ("status", Json::Str(s.to_owned()));
    match dc {
        DeadCode::Ok {
            stdout,
            stderr,
            returncode,
        } => obj([
            status("ok"),
            ("stdout", Json::Str(stdout.clone())),
            ("stderr", Json::Str(stderr.clone())),
            (
                "returncode",
                returncode.map_or(Json::Null, |c| Json::Int(c.into())),
            ),
        ]),
        DeadCode::Skipped { reason } => {
            obj([status("skipped"), ("reason", Json::Str(reason.clone()))])
        }
        DeadCode::Timeout => obj([status("timeout")]),
        DeadCode::Error { reason } => obj([status("error"), ("reason", Json::Str(reason.clone()))]),
    }
}

/// `json.dumps(value, indent=2)`: no trailing newline.
pub fn dumps(value: &Json) -> String {
    let mut out = String::new();
    write_value(&mut out, value, 0);
    out
}

fn newline_indent(out: &mut String, level: usize) {
    out.push('\n');
    for _ in 0..level {
        out.push_str("  ");
    }
}

fn write_value(out: &mut String, value: &Json, level: usize) {
    match value {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Json::Float(x) => out.push_str(&float_repr(*x)),
        Json::Str(s) => write_str(out, s),
        Json::Array(items) if items.is_empty() => out.push_str("[]"),
        Json::Object(items) if items.is_empty() => out.push_str("{}"),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline_indent(out, level + 1);
                write_value(out, item, level + 1);
            }
            newline_indent(out, level);
            out.push(']');
        }
        Json::Object(items) => {
            out.push('{');
            for (i, (key, item)) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline_indent(out, level + 1);
                write_str(out, key);
                out.push_str(": ");
                write_value(out, item, level + 1);
            }
            newline_indent(out, level);
            out.push('}');
        }
    }
}

/// A string as Python's `ensure_ascii` encoder writes it: printable ASCII
/// as is, the usual short escapes, everything else `\uXXXX` in lowercase
/// hex (astral characters as a surrogate pair).
fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_python_indent_2() {
        let v = obj([
            ("a", Json::Array(vec![Json::Int(1), Json::Str("x".into())])),
            ("b", Json::Object(vec![])),
            ("c", Json::Array(vec![])),
            ("d", obj([("e", Json::Float(2.0)), ("f", Json::Null)])),
        ]);
        let want = "{\n  \"a\": [\n    1,\n    \"x\"\n  ],\n  \"b\": {},\n  \"c\": [],\n  \"d\": {\n    \"e\": 2.0,\n    \"f\": null\n  }\n}";
        assert_eq!(dumps(&v), want);
    }

    #[test]
    fn strings_are_escaped_like_ensure_ascii() {
        let v = Json::Str("q\"b\\\n\r\t\u{8}\u{c}\u{1}\u{7f}é€😀 ~".into());
        assert_eq!(
            dumps(&v),
            r#""q\"b\\\n\r\t\b\f\u0001\u007f\u00e9\u20ac\ud83d\ude00 ~""#
        );
    }
}
