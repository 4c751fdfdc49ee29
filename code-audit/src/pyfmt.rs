//! The few pieces of Python semantics the report's text depends on:
//! `round(x, 2)`, `repr(float)`, `str.strip()` and `PurePath.stem`.

/// `round(x, 2)`: the double nearest to `x` rounded half-even at the second
/// decimal of its exact value. Rust's fixed-precision formatting rounds the
/// exact binary value the same way, so formatting then parsing matches.
pub fn round2(x: f64) -> f64 {
    format!("{x:.2}").parse().unwrap_or(x)
}

/// `repr(float)`, kept in one place for every tool.
pub use py::float_repr;

/// Is `str.strip()` of `s` empty? Python's whitespace is Unicode's plus the
/// four separators `\x1c`–`\x1f`.
pub fn is_blank(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_whitespace() || ('\x1c'..='\x1f').contains(&c))
}

/// `PurePath(name).stem` (Python 3.11): the name without its last suffix,
/// where a suffix needs a dot that is neither first nor last.
pub fn stem(name: &str) -> &str {
    match name.rfind('.') {
        Some(i) if i > 0 && i + 1 < name.len() => name.get(..i).unwrap_or(name),
        _ => name,
    }
}

/// Universal newlines, as `subprocess.run(text=True)` applies them to the
/// captured output: `\r\n` and lone `\r` become `\n`.
pub fn universal_newlines(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_and_repr_match_python() {
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
        assert_eq!(float_repr(1e16), "1e+16");
        assert_eq!(float_repr(1.5e17), "1.5e+17");
        assert_eq!(float_repr(0.00001), "1e-05");
        assert_eq!(float_repr(0.0001), "0.0001");
    }

    #[test]
    fn strip_and_stem_match_python() {
        assert!(is_blank(
            " \n\t\x0b\x0c\r\x1c\x1d\x1e\x1f\u{85}\u{a0}\u{2028}\u{3000}"
        ));
        assert!(!is_blank(" x "));
        for (name, want) in [
            ("a.py", "a"),
            ("a.b.py", "a.b"),
            (".py", ".py"),
            ("..py", "."),
            ("noext", "noext"),
            ("x.", "x."),
        ] {
            assert_eq!(stem(name), want, "{name}");
        }
    }

    #[test]
    fn newlines_are_translated() {
        assert_eq!(universal_newlines("a\r\nb\rc\n"), "a\nb\nc\n");
    }
}
