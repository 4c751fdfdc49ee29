//! `str()`, `repr()` and `type()` of YAML values, as f-strings, printed
//! containers and messages show them.

use crate::float_repr;
use crate::yaml::Value;
use std::fmt::Write as _;

/// Python's `str(value)`, as an f-string would print it.
pub fn py_str(v: &Value) -> String {
    match v {
        Value::Str(s) | Value::Timestamp(s) => s.clone(),
        _ => py_repr(v),
    }
}

/// [`py_str`] for `format!` arguments, written only when formatted.
#[derive(Clone, Copy)]
pub struct PyStr<'a>(pub &'a Value);

impl std::fmt::Display for PyStr<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Value::Str(s) | Value::Timestamp(s) => f.write_str(s),
            other => f.write_str(&py_repr(other)),
        }
    }
}

/// Python's `repr(value)`, as it appears inside a printed list or dict.
pub fn py_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => float_repr(*f),
        Value::Str(s) => str_repr(s),
        Value::Timestamp(s) => timestamp_repr(s),
        Value::Binary(b) => bytes_repr(b),
        Value::Seq(seq) => {
            let items: Vec<String> = seq.iter().map(py_repr).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Map(map) => {
            let items: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", py_repr(k), py_repr(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
    }
}

/// `type(value).__name__`: PyYAML's timestamp is a `date` when it has no
/// time, else a `datetime`.
pub fn py_type_name(v: &Value) -> &'static str {
    match v {
        Value::Timestamp(s) if !s.contains([' ', 'T', 't']) => "date",
        _ => v.type_name(),
    }
}

/// `repr(str)`: single quotes unless the text holds a single quote and no
/// double quote; escapes for backslash, the quote and unprintable characters.
fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if !is_printable(c) => {
                let n = c as u32;
                let _ = if n < 0x100 {
                    write!(out, "\\x{n:02x}")
                } else if n < 0x10000 {
                    write!(out, "\\u{n:04x}")
                } else {
                    write!(out, "\\U{n:08x}")
                };
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// `str.isprintable()` for one character: not a control, format, separator
/// (other than space), private-use or non-character code point. Unassigned
/// code points cannot be told apart without Unicode tables and print as is.
fn is_printable(c: char) -> bool {
    let n = c as u32;
    if c == ' ' {
        return true;
    }
    let hidden: &[(u32, u32)] = &[
        (0x00, 0x1f),
        (0x7f, 0xa0),
        (0xad, 0xad),
        (0x600, 0x605),
        (0x61c, 0x61c),
        (0x6dd, 0x6dd),
        (0x70f, 0x70f),
        (0x890, 0x891),
        (0x8e2, 0x8e2),
        (0x1680, 0x1680),
        (0x180e, 0x180e),
        (0x2000, 0x200f),
        (0x2028, 0x202f),
        (0x205f, 0x2064),
        (0x2066, 0x206f),
        (0x3000, 0x3000),
        (0xd800, 0xf8ff),
        (0xfeff, 0xfeff),
        (0xfff9, 0xfffb),
        (0xfffe, 0xffff),
        (0x110bd, 0x110bd),
        (0x110cd, 0x110cd),
        (0x13430, 0x1343f),
        (0x1bca0, 0x1bca3),
        (0x1d173, 0x1d17a),
        (0xe0001, 0xe0001),
        (0xe0020, 0xe007f),
        (0xf0000, 0x10ffff),
    ];
    !hidden.iter().any(|&(lo, hi)| (lo..=hi).contains(&n))
}

/// `repr(bytes)` (`b'...'`, or `b"..."` like `repr(str)`).
fn bytes_repr(b: &[u8]) -> String {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    let mut out = String::from("b");
    out.push(quote as char);
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c as char);
            }
            0x20..=0x7e => out.push(c as char),
            c => {
                let _ = write!(out, "\\x{c:02x}");
            }
        }
    }
    out.push(quote as char);
    out
}

/// `repr()` of the `date` / `datetime` PyYAML builds from a timestamp,
/// given its `str()` (`2024-01-02`, `2024-01-02 03:04:05.600000+01:00`).
fn timestamp_repr(s: &str) -> String {
    let num = |t: &str| t.parse::<i64>().ok();
    let Some((date, time)) = s.split_once(' ') else {
        let parts: Vec<i64> = s.split('-').filter_map(num).collect();
        return match parts[..] {
            [y, m, d] => format!("datetime.date({y}, {m}, {d})"),
            _ => str_repr(s),
        };
    };
    let (clock, tz) = match time.find(['+', '-']) {
        Some(i) => (&time[..i], Some(&time[i..])),
        None => (time, None),
    };
    let (hms, micro) = clock.split_once('.').unwrap_or((clock, "0"));
    let mut fields: Vec<i64> = date
        .split('-')
        .chain(hms.split(':'))
        .filter_map(num)
        .collect();
    if fields.len() != 6 {
        return str_repr(s);
    }
    let micro = num(micro).unwrap_or(0);
    if micro != 0 {
        fields.push(micro);
    } else if fields[5] == 0 {
        fields.pop();
    }
    let mut out = format!(
        "datetime.datetime({}",
        fields
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    if let Some(tz) = tz {
        let sign = if tz.starts_with('-') { -1 } else { 1 };
        let (h, m) = tz[1..].split_once(':').unwrap_or((&tz[1..], "0"));
        let secs = sign * (num(h).unwrap_or(0) * 3600 + num(m).unwrap_or(0) * 60);
        let zone = match secs {
            0 => "datetime.timezone.utc".to_owned(),
            s if s < 0 => {
                format!(
                    "datetime.timezone(datetime.timedelta(days=-1, seconds={}))",
                    86400 + s
                )
            }
            s => format!("datetime.timezone(datetime.timedelta(seconds={s}))"),
        };
        let _ = write!(out, ", tzinfo={zone}");
    }
    out.push(')');
    out
}
