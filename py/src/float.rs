//! Python's floats as text, once for every tool: `repr(float)` (used by
//! `str()`, f-strings, `json` and, lowercased with a `.0` before a bare
//! exponent, PyYAML's dumper) and `round(x, 2)`.

use std::fmt::Write;

/// `repr(float)`: the fewest digits that read back as `f` (the closest such
/// ones when several tie), exponent form below 1e-4 and from 1e16 on
/// (`1e-05`, `1.5e+17`), `.0` on whole numbers, `nan`, `inf`, `-0.0`.
pub fn float_repr(f: f64) -> String {
    let mut out = String::new();
    write_float_repr(f, &mut out);
    out
}

/// [`float_repr`] appended to `out`.
pub fn write_float_repr(f: f64, out: &mut String) {
    if f.is_nan() {
        out.push_str("nan");
        return;
    }
    if f.is_sign_negative() {
        out.push('-');
    }
    if f.is_infinite() {
        out.push_str("inf");
    } else if f == 0.0 {
        out.push_str("0.0");
    } else {
        let sci = python_digits(f.abs());
        let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
        write_digits(&digits, exp, out);
    }
}

/// The digits of Python's `repr`, in Rust's `1.2345e17` form: the fewest
/// digits that read back as `f`, and among those the closest to `f`. Rust's
/// `{:e}` finds the fewest but, at 17 digits, not always the closest
/// (`194484458228096.63` where Python says `...62`); rounding correctly to
/// that many digits gives Python's choice whenever it still reads back.
fn python_digits(f: f64) -> String {
    let shortest = format!("{f:e}");
    let mantissa = shortest.split('e').next().unwrap_or("");
    let digits = mantissa.bytes().filter(u8::is_ascii_digit).count();
    let nearest = format!("{f:.*e}", digits.saturating_sub(1));
    if nearest.parse::<f64>() == Ok(f) {
        nearest
    } else {
        shortest
    }
}

/// `round(x, 2)`: the double nearest to `x` rounded half-even at the second
/// decimal of its exact value. Rust's fixed-precision formatting rounds the
/// exact binary value the same way, so formatting then parsing matches.
pub fn round2(x: f64) -> f64 {
    format!("{x:.2}").parse().unwrap_or(x)
}

/// Python's repr switches to exponent form when the decimal point would sit
/// more than 16 digits right of the first digit or 4 left of it.
fn write_digits(digits: &str, exp: i32, out: &mut String) {
    let decpt = exp + 1;
    let n = digits.len() as i32;
    if !(-3..=16).contains(&decpt) {
        let (head, tail) = digits.split_at(1);
        out.push_str(head);
        if !tail.is_empty() {
            out.push('.');
            out.push_str(tail);
        }
        let sign = if exp < 0 { '-' } else { '+' };
        let _ = write!(out, "e{sign}{:02}", exp.abs());
    } else if decpt <= 0 {
        out.push_str("0.");
        push_zeros(out, -decpt);
        out.push_str(digits);
    } else if decpt >= n {
        out.push_str(digits);
        push_zeros(out, decpt - n);
        out.push_str(".0");
    } else {
        let (int, frac) = digits.split_at(decpt as usize);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    }
}

fn push_zeros(out: &mut String, n: i32) {
    for _ in 0..n {
        out.push('0');
    }
}

#[cfg(test)]
mod tests {
    use super::{float_repr, round2};

    #[test]
    fn python_repr() {
        // Right-hand sides are CPython's `repr(x)`.
        for (f, want) in [
            (0.1, "0.1"),
            (1.0, "1.0"),
            (10.0, "10.0"),
            (10.1, "10.1"),
            (-2.5, "-2.5"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (123456789.125, "123456789.125"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (1.5e17, "1.5e+17"),
            (1e20, "1e+20"),
            (1e22, "1e+22"),
            (1e300, "1e+300"),
            (0.0001, "0.0001"),
            (1e-5, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (194484458228096.62, "194484458228096.62"),
            (f64::NAN, "nan"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
        ] {
            assert_eq!(float_repr(f), want, "{f:e}");
        }
    }

    #[test]
    fn python_round() {
        // Right-hand sides are CPython 3.11's `repr(round(x, 2))`.
        for (x, want) in [
            (0.125, "0.12"),
            (0.375, "0.38"),
            (1.0 / 3.0, "0.33"),
            (0.1 + 0.2, "0.3"),
            (5000.0, "5000.0"),
            (0.0, "0.0"),
            (2.0 / 3.0, "0.67"),
        ] {
            assert_eq!(float_repr(round2(x)), want, "{x}");
        }
    }
}
