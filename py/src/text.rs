//! Python's rules for plain text: `str.isspace()`, `str.strip()`,
//! `PurePath.stem` and the universal newlines of `subprocess.run(text=True)`.

/// `str.isspace()` for one character: Unicode White_Space plus the four
/// ASCII separators \x1c-\x1f.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// `str.strip()` with no argument.
pub fn strip(s: &str) -> &str {
    s.trim_matches(is_space)
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
    fn strip_and_stem_match_python() {
        let all_space = " \n\t\x0b\x0c\r\x1c\x1d\x1e\x1f\u{85}\u{a0}\u{2028}\u{3000}";
        assert_eq!(strip(all_space), "");
        assert_eq!(strip(" x "), "x");
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
