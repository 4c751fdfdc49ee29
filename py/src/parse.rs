//! `int()` and `float()` of text.

use crate::text::strip;

/// A Python int read from text, kept exact whatever its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyInt {
    pub neg: bool,
    /// Decimal digits without leading zeros ("0" for zero).
    pub digits: String,
}

impl PyInt {
    /// The value, saturated to the i128 range.
    pub fn saturating(&self) -> i128 {
        let mag = self.digits.parse::<i128>().unwrap_or(i128::MAX);
        if self.neg {
            -mag
        } else {
            mag
        }
    }

    /// The value, None when its magnitude does not fit an i128.
    pub fn to_i128(&self) -> Option<i128> {
        let mag = self.digits.parse::<i128>().ok()?;
        Some(if self.neg { -mag } else { mag })
    }
}

impl std::fmt::Display for PyInt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.neg {
            f.write_str("-")?;
        }
        f.write_str(&self.digits)
    }
}

/// Python's `int(text)` for a string: optional surrounding whitespace and
/// sign, ASCII digits with single underscores between them. Returns the
/// sign and the digits without leading zeros (Python ints are unbounded).
/// None where Python raises ValueError.
pub fn parse_int(text: &str) -> Option<PyInt> {
    let t = strip(text);
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if !digits_with_underscores(body) {
        return None;
    }
    let digits: String = body.chars().filter(|&c| c != '_').collect();
    let digits = digits.trim_start_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    Some(PyInt {
        neg: neg && digits != "0",
        digits: digits.to_owned(),
    })
}

/// [`parse_int`] as a machine integer: None also when the magnitude does
/// not fit an i128.
pub fn parse_i128(text: &str) -> Option<i128> {
    parse_int(text)?.to_i128()
}

/// Non-empty ASCII digits, underscores only singly between digits.
fn digits_with_underscores(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('_')
        && !s.ends_with('_')
        && !s.contains("__")
        && s.chars().all(|c| c.is_ascii_digit() || c == '_')
}

/// Python's `float(text)` for a string (surrounding whitespace, sign,
/// `inf`/`infinity`/`nan`, underscores between digits). None where Python
/// raises ValueError.
pub fn parse_float(text: &str) -> Option<f64> {
    let t = strip(text);
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let lower = body.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity" | "nan") {
        return t.parse().ok();
    }
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let part_ok = |p: &str| p.is_empty() || digits_with_underscores(p);
    if (int_part.is_empty() && frac_part.is_empty()) || !part_ok(int_part) || !part_ok(frac_part) {
        return None;
    }
    if let Some(e) = exponent {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        if !digits_with_underscores(e) {
            return None;
        }
    }
    t.replace('_', "").parse().ok()
}
