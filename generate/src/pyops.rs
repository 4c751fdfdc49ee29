//! Python's operations on the loaded values where Python would fail, in
//! the generator's words: `x or {}`, `key in container`, `container[key]`,
//! `int(x)` of a float. Where Python would raise an uncaught exception (a
//! traceback), these return an [`Error`] that says what is wrong instead.
//! The rules themselves (`str()`, `repr()`, `int()` of text) are the `py`
//! crate's.

use py::yaml::{Map, Value};
use py::{float_repr, py_repr, py_type_name};
use shared::Error;

/// The type of a value for the validator's own "must be a mapping, got …"
/// messages: Python's type name, except that YAML's empty value reads as
/// `null`.
pub fn py_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        _ => py_type_name(v),
    }
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
            other.kind()
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
            other.kind()
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
            other.kind()
        ))),
    }
}

/// A string map key.
pub fn key(s: &str) -> Value {
    Value::Str(s.to_owned())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containment() {
        let s = Value::from("abc");
        assert!(contains(&s, &Value::from("b")).unwrap());
        assert!(contains(&Value::Int(1), &Value::from("a")).is_err());
    }
}
