//! How a scalar's text becomes a value once its tag is known: PyYAML's
//! `SafeConstructor` (`construct_yaml_*`), followed line by line so that odd
//! inputs (`0_`, `-0:0.0`, `0x_1`) end up where Python puts them. Which tag a
//! plain scalar gets is `resolve`'s job.

use super::resolve::{timestamp_fields, Tag};
use super::Value;

/// What a scalar-reading constructor makes of `text`; the error is PyYAML's
/// (or Python's) complaint.
pub(super) fn construct_scalar(tag: &Tag, text: &str) -> Result<Value, String> {
    Ok(match tag {
        Tag::Null => Value::Null,
        Tag::Str => Value::Str(text.to_owned()),
        Tag::Bool => Value::Bool(construct_bool(text)?),
        Tag::Int => Value::Int(construct_int(text)?),
        Tag::Float => Value::Float(construct_float(text)?),
        Tag::Timestamp => Value::Timestamp(construct_timestamp(text)?),
        Tag::Binary => Value::Binary(construct_binary(text)?),
        other => {
            return Err(format!(
                "no scalar constructor for the tag '{}'",
                other.name()
            ))
        }
    })
}

fn construct_bool(text: &str) -> Result<bool, String> {
    match text.to_lowercase().as_str() {
        "yes" | "true" | "on" => Ok(true),
        "no" | "false" | "off" => Ok(false),
        _ => Err(format!("invalid boolean {text:?}")),
    }
}

/// `construct_yaml_int`: `_` dropped, sign, then `0b`, `0x`, leading-zero
/// octal, `:` base 60, or decimal.
fn construct_int(text: &str) -> Result<i128, String> {
    let cleaned = text.replace('_', "");
    let (negative, value) = split_sign(&cleaned).ok_or("empty integer")?;
    let magnitude = if value == "0" {
        0
    } else if let Some(bits) = value.strip_prefix("0b") {
        py_int(bits, 2)?
    } else if let Some(hex) = value.strip_prefix("0x") {
        py_int(hex, 16)?
    } else if value.starts_with('0') {
        py_int(value, 8)?
    } else if value.contains(':') {
        sexagesimal_int(value)?
    } else {
        py_int(value, 10)?
    };
    let signed = if negative {
        magnitude.checked_neg()
    } else {
        Some(magnitude)
    };
    signed.ok_or_else(|| format!("integer {text:?} is out of range"))
}

/// The sign PyYAML looks at (`value[0]`), and the rest; `None` when empty.
fn split_sign(value: &str) -> Option<(bool, &str)> {
    let first = value.chars().next()?;
    let rest = if matches!(first, '-' | '+') {
        &value[1..]
    } else {
        value
    };
    Some((first == '-', rest))
}

fn sexagesimal_int(value: &str) -> Result<i128, String> {
    let mut total: i128 = 0;
    for part in value.split(':') {
        let digit = py_int(part, 10)?;
        total = total
            .checked_mul(60)
            .and_then(|t| t.checked_add(digit))
            .ok_or_else(|| format!("integer {value:?} is out of range"))?;
    }
    Ok(total)
}

/// Python's `int(text, base)` for ASCII digits: surrounding whitespace, an
/// optional sign and the base's own `0x`/`0o`/`0b` prefix are accepted.
fn py_int(text: &str, base: u32) -> Result<i128, String> {
    let invalid = || format!("invalid literal for int() with base {base}: {text:?}");
    let trimmed = text.trim();
    let (negative, mut digits) = split_sign(trimmed).ok_or_else(invalid)?;
    let prefix = match base {
        2 => "0b",
        8 => "0o",
        16 => "0x",
        _ => "",
    };
    if !prefix.is_empty() && digits.len() > 2 && digits[..2].eq_ignore_ascii_case(prefix) {
        digits = &digits[2..];
    }
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(base)) {
        return Err(invalid());
    }
    let magnitude = i128::from_str_radix(digits, base)
        .map_err(|_| format!("integer {text:?} is out of range"))?;
    Ok(if negative { -magnitude } else { magnitude })
}

/// `construct_yaml_float`: `_` dropped, lowercased, sign, `.inf`, `.nan`,
/// `:` base 60, or Python's `float()`.
fn construct_float(text: &str) -> Result<f64, String> {
    let cleaned = text.replace('_', "").to_lowercase();
    let (negative, value) = split_sign(&cleaned).ok_or("empty float")?;
    let sign = if negative { -1.0 } else { 1.0 };
    if value == ".inf" {
        return Ok(sign * f64::INFINITY);
    }
    if value == ".nan" {
        return Ok(f64::NAN);
    }
    if value.contains(':') {
        return sexagesimal_float(value).map(|v| sign * v);
    }
    py_float(value).map(|v| sign * v)
}

/// Python sums the parts from the right with an exact integer base; the base
/// is exact here up to 60**21, far beyond any real input.
fn sexagesimal_float(value: &str) -> Result<f64, String> {
    let mut total = 0.0;
    let mut base: Option<u128> = Some(1);
    let mut base_f = 1.0_f64;
    for part in value.rsplit(':') {
        let digit = py_float(part)?;
        let factor = base.map_or(base_f, |b| b as f64);
        if factor.is_infinite() {
            return Err("int too large to convert to float".into());
        }
        total += digit * factor;
        base = base.and_then(|b| b.checked_mul(60));
        base_f = factor * 60.0;
    }
    Ok(total)
}

/// Python's `float(text)` once underscores are gone: whitespace is allowed
/// around, and `inf`/`infinity`/`nan` in any case.
fn py_float(text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .map_err(|_| format!("could not convert string to float: {text:?}"))
}

fn construct_timestamp(text: &str) -> Result<String, String> {
    let s = text.strip_suffix('\n').unwrap_or(text);
    let f = timestamp_fields(s).ok_or_else(|| format!("invalid timestamp {text:?}"))?;
    let num = |t: &str| t.parse::<u32>().unwrap_or(0);
    let (year, month, day) = (num(f.year), num(f.month), num(f.day));
    check_date(year, month, day)?;
    let date = format!("{year:04}-{month:02}-{day:02}");
    let Some(hour) = f.hour else {
        return Ok(date);
    };
    let (hour, minute, second) = (num(hour), num(f.minute), num(f.second));
    check_range("hour", hour, 23)?;
    check_range("minute", minute, 59)?;
    check_range("second", second, 59)?;
    let mut out = format!("{date} {hour:02}:{minute:02}:{second:02}");
    let micro: String = f.fraction.chars().chain("000000".chars()).take(6).collect();
    if num(&micro) != 0 {
        out.push('.');
        out.push_str(&micro);
    }
    if let Some(tz) = f.tz {
        out.push_str(&utc_offset(tz)?);
    }
    Ok(out)
}

fn check_range(what: &str, value: u32, max: u32) -> Result<(), String> {
    if value > max {
        return Err(format!("{what} must be in 0..{max}"));
    }
    Ok(())
}

fn check_date(year: u32, month: u32, day: u32) -> Result<(), String> {
    if year == 0 {
        return Err(format!("year {year} is out of range"));
    }
    if !(1..=12).contains(&month) {
        return Err("month must be in 1..12".into());
    }
    // Gregorian: every 4th year, but only every 4th century.
    let leap = matches!((year % 4, year % 100, year % 400), (0, 1.., _) | (_, _, 0));
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=days).contains(&day) {
        return Err("day is out of range for month".into());
    }
    Ok(())
}

/// The offset as `datetime.isoformat` writes it (`+05:30`, `Z` as `+00:00`).
fn utc_offset((sign, hours, minutes): (u8, &str, &str)) -> Result<String, String> {
    if sign == b'Z' {
        return Ok("+00:00".into());
    }
    let total = hours.parse::<u32>().unwrap_or(0) * 60 + minutes.parse::<u32>().unwrap_or(0);
    if total >= 24 * 60 {
        return Err("offset must be a timedelta strictly between -timedelta(hours=24) and timedelta(hours=24)".into());
    }
    let sign = if sign == b'-' && total != 0 { '-' } else { '+' };
    Ok(format!("{sign}{:02}:{:02}", total / 60, total % 60))
}

/// `base64.decodebytes`: characters outside the alphabet are skipped, and
/// decoding stops at the padding that completes a quantum.
fn construct_binary(text: &str) -> Result<Vec<u8>, String> {
    if !text.is_ascii() {
        return Err("failed to convert base64 data into ascii".into());
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut quad, mut left, mut pads) = (0u8, 0u32, 0u8);
    for c in text.bytes() {
        if c == b'=' {
            if quad >= 2 {
                pads += 1;
                if quad + pads >= 4 {
                    return Ok(out);
                }
            }
            continue;
        }
        let Some(v) = base64_value(c) else { continue };
        pads = 0;
        match quad {
            0 => {}
            1 => out.push(((left << 2) | (v >> 4)) as u8),
            2 => out.push((((left & 0x0f) << 4) | (v >> 2)) as u8),
            _ => out.push((((left & 0x03) << 6) | v) as u8),
        }
        left = v;
        quad = (quad + 1) % 4;
    }
    match quad {
        0 => Ok(out),
        1 => Err("failed to decode base64 data: Invalid base64-encoded string".into()),
        _ => Err("failed to decode base64 data: Incorrect padding".into()),
    }
}

fn base64_value(c: u8) -> Option<u32> {
    let v = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    };
    Some(u32::from(v))
}
