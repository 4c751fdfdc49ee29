//! The few pieces of Python semantics the generator depends on.
//!
//! Upstream's output is whatever Python makes of the values it read:
//! `f"{x}"` prints `True`, `10.0` or `None`; `int(" 5 ")` is 5; `x or {}`
//! treats every falsy value as empty. Reproducing those rules here keeps the
//! generated text identical for odd but valid inputs. Where Python would
//! raise an uncaught exception (a traceback), we return an [`Error`] that
//! says what is wrong instead.

use shared::yaml::{Map, Value};
use shared::Error;

/// What a value is, in YAML words ("list", "null"), for error messages.
pub fn kind(v: &Value) -> &'static str {
    shared::infra::de::kind(v)
}

/// `str(x)`, as used by f-strings.
pub fn py_str(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        Value::Timestamp(s) => s.clone(),
        other => py_repr(other),
    }
}

/// `repr(x)`, used for values printed inside containers.
pub fn py_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => float_repr(*f),
        Value::Str(s) => str_repr(s),
        Value::Timestamp(s) => s.clone(),
        Value::Binary(b) => bytes_repr(b),
        Value::Seq(s) => {
            let items: Vec<String> = s.iter().map(py_repr).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Map(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", py_repr(k), py_repr(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
    }
}

/// Python's `repr(float)`: shortest round-trip digits, scientific notation
/// below 1e-4 and from 1e16 on, always a `.0` on integral values.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    // `{:e}` gives the shortest round-trip digits: "-1.2345e-5".
    let sci = format!("{:e}", f);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let body = if !(-4..16).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{first}{frac}e{esign}{:02}", exp.abs())
    } else if exp < 0 {
        format!("0.{}{}", "0".repeat((-exp - 1) as usize), digits)
    } else {
        let point = exp as usize + 1;
        if digits.len() <= point {
            format!("{}{}.0", digits, "0".repeat(point - digits.len()))
        } else {
            format!("{}.{}", &digits[..point], &digits[point..])
        }
    };
    format!("{sign}{body}")
}

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
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

fn bytes_repr(b: &[u8]) -> String {
    let mut out = String::from("b'");
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\'' => out.push_str("\\'"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(c as char),
            _ => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push('\'');
    out
}

/// Python's `str.isspace()` set: Unicode White_Space plus the four ASCII
/// separators \x1c-\x1f.
pub fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// `s.strip()`.
pub fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// Drop PEP 515 underscores (only allowed between two digits); None when
/// an underscore is misplaced.
fn without_underscores(s: &str) -> Option<String> {
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'_' {
            let before = i > 0 && b[i - 1].is_ascii_digit();
            let after = b.get(i + 1).is_some_and(u8::is_ascii_digit);
            if !before || !after {
                return None;
            }
        }
    }
    Some(s.replace('_', ""))
}

/// `int(s)` for a string: surrounding whitespace, a sign, digits with single
/// underscores. None where Python raises ValueError.
pub fn parse_int(s: &str) -> Option<i128> {
    let t = py_strip(s);
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit() || c == b'_') {
        return None;
    }
    let n: i128 = without_underscores(digits)?.parse().ok()?;
    Some(if neg { -n } else { n })
}

/// `float(s)` for a string. None where Python raises ValueError.
pub fn parse_float(s: &str) -> Option<f64> {
    let t = py_strip(s);
    let body = t.trim_start_matches(['+', '-']);
    if t.len() - body.len() > 1 {
        return None;
    }
    let lower = body.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity" | "nan") {
        return t.parse().ok();
    }
    let ok_chars = body
        .bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'_' | b'.' | b'e' | b'E' | b'+' | b'-'));
    if !ok_chars || body.is_empty() {
        return None;
    }
    without_underscores(t)?.parse().ok()
}

/// Truncate a float toward zero like `int(x)`; Err where Python raises
/// (inf: OverflowError), None for NaN (ValueError, which callers may catch).
pub fn trunc(f: f64) -> Result<Option<i128>, Error> {
    if f.is_nan() {
        return Ok(None);
    }
    if f.is_infinite() || f.abs() >= 1.7e38 {
        return Err(Error::new(format!(
            "cannot convert {} to an integer",
            float_repr(f)
        )));
    }
    Ok(Some(f.trunc() as i128))
}

/// `x or {}` where the result is then used as a mapping: falsy values are
/// empty, a mapping is itself, anything else makes Python fail.
pub fn map_or_empty<'a>(
    v: Option<&'a Value>,
    what: &dyn Fn() -> String,
) -> Result<Option<&'a Map>, Error> {
    match v {
        None => Ok(None),
        Some(Value::Map(m)) => Ok(Some(m)),
        Some(other) if !other.truthy() => Ok(None),
        Some(other) => Err(Error::new(format!(
            "{} must be a mapping, got {}",
            what(),
            kind(other)
        ))),
    }
}

/// `key in container` for a container read from the file.
pub fn contains(container: &Value, key: &Value) -> Result<bool, Error> {
    match (container, key) {
        (Value::Map(m), k) => Ok(m.contains_key(k)),
        (Value::Seq(s), k) => Ok(s.iter().any(|x| x == k)),
        (Value::Str(s), Value::Str(k)) => Ok(s.contains(k.as_str())),
        (other, _) => Err(Error::new(format!(
            "expected a mapping, got {}",
            kind(other)
        ))),
    }
}

/// `container[key]`, with Python's failure when the key is absent.
pub fn index<'a>(container: &'a Value, key: &Value) -> Result<&'a Value, Error> {
    match container {
        Value::Map(m) => m
            .get(key)
            .ok_or_else(|| Error::new(format!("missing key {}", py_repr(key)))),
        Value::Seq(s) => {
            let i = key
                .as_int()
                .ok_or_else(|| Error::new("list indices must be integers"))?;
            let len = s.len() as i128;
            let i = if i < 0 { i + len } else { i };
            if (0..len).contains(&i) {
                Ok(&s[i as usize])
            } else {
                Err(Error::new("list index out of range"))
            }
        }
        other => Err(Error::new(format!(
            "expected a mapping, got {}",
            kind(other)
        ))),
    }
}

/// A string map key.
pub fn key(s: &str) -> Value {
    Value::Str(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_repr_matches_python() {
        let cases = [
            (10.0, "10.0"),
            (1.5, "1.5"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (1e-5, "1e-05"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (-2.5, "-2.5"),
            (f64::INFINITY, "inf"),
        ];
        for (f, want) in cases {
            assert_eq!(float_repr(f), want, "{f}");
        }
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
        assert_eq!(parse_int(" 5\n"), Some(5));
        assert_eq!(parse_int("1_000"), Some(1000));
        assert_eq!(parse_int("1__0"), None);
        assert_eq!(parse_int("-3"), Some(-3));
        assert_eq!(parse_int("3.0"), None);
        assert_eq!(parse_int(""), None);
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

    #[test]
    fn containment() {
        let s = Value::from("abc");
        assert!(contains(&s, &Value::from("b")).unwrap());
        assert!(contains(&Value::Int(1), &Value::from("a")).is_err());
    }
}
