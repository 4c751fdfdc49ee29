//! Names and tool output made safe to print on a terminal.
//!
//! A file name may hold any byte but `/` and NUL: an escape sequence in a
//! role or script name would otherwise retitle or repaint the terminal of
//! whoever reads the text report, and a bidi override would reorder what
//! they see. Such characters are written as Python's `repr` writes them
//! (`\x1b`, `\x85`, `\u202e`) so the name stays recognisable. The JSON
//! report needs none of this: its encoder escapes every one of them.

use std::borrow::Cow;
use std::fmt::Write;

/// Characters that change what a terminal shows rather than being shown:
/// C0 and C1 controls, DEL, and the bidi embedding/override/isolate marks.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

fn escape_with<'a>(s: &'a str, keep: &[char]) -> Cow<'a, str> {
    if !s.chars().any(|c| is_unsafe(c) && !keep.contains(&c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !is_unsafe(c) || keep.contains(&c) {
            out.push(c);
        } else if (c as u32) < 0x100 {
            let _ = write!(out, "\\x{:02x}", c as u32);
        } else {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
    }
    Cow::Owned(out)
}

/// A name (file, folder, role, path) with every unsafe character escaped.
pub fn name(s: &str) -> Cow<'_, str> {
    escape_with(s, &[])
}

/// A tool's output: lines and tabs kept, everything else unsafe escaped.
pub fn output(s: &str) -> Cow<'_, str> {
    escape_with(s, &['\n', '\t'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_bidi_like_repr() {
        assert_eq!(name("plain é.py"), "plain é.py");
        assert_eq!(
            name("x\u{1b}]2;T\u{7}\u{7f}\u{85}\u{202e}y\n"),
            "x\\x1b]2;T\\x07\\x7f\\x85\\u202ey\\x0a"
        );
        assert_eq!(output("a\tb\nc\u{1b}[41m"), "a\tb\nc\\x1b[41m");
    }
}
