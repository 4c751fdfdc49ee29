//! Scalar analysis for [`super::emit`]: PyYAML 6's `analyze_scalar`
//! (allow_unicode=True), which decides which styles a scalar may be written
//! in.
//!
//! Kept apart from the writer because it only reads the text: it is the
//! per-scalar hot path, hence the ASCII fast path over the INERT tables.
//! Like the rest of the emitter it must match PyYAML rule for rule, because
//! users diff our files against the ones PyYAML wrote.

use super::emit_scalar::{is_break, none_or};

/// The characters after which an indicator counts as followed by whitespace.
fn is_blank(c: char) -> bool {
    matches!(c, '\0' | ' ' | '\t' | '\r') || is_break(c)
}

/// What `analyze_scalar` found; flow-plain is left out because scalars are
/// only ever written in block context (the only flow nodes are `[]`/`{}`).
#[derive(Debug, Clone, Copy)]
pub(super) struct Analysis {
    pub ascii: bool,
    pub empty: bool,
    pub multiline: bool,
    pub allow_block_plain: bool,
    pub allow_single_quoted: bool,
    pub allow_block: bool,
}

/// PyYAML's `analyze_scalar` with allow_unicode=True.
pub(super) fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            ascii: true,
            empty: true,
            multiline: false,
            allow_block_plain: true,
            allow_single_quoted: true,
            allow_block: false,
        };
    }
    let mut f = Flags {
        block_indicators: s.starts_with("---") || s.starts_with("..."),
        ..Flags::default()
    };
    let ascii = s.is_ascii();
    if ascii {
        analyze_ascii(s.as_bytes(), &mut f);
    } else {
        let mut prev = None;
        let mut chars = s.chars().peekable();
        while let Some(ch) = chars.next() {
            f.step(prev, ch, chars.peek().copied());
            prev = Some(ch);
        }
    }
    f.finish(ascii)
}

/// Bytes that change nothing in the middle of a scalar: printable ASCII
/// other than space, `:` and `#`. Their neighbours' rules do not look at
/// them either, so they are skipped outright.
const INERT: [bool; 128] = {
    let mut t = [false; 128];
    let mut c = 0x21;
    while c <= 0x7E {
        t[c] = c != b':' as usize && c != b'#' as usize;
        c += 1;
    }
    t
};

/// Characters that cannot start a plain scalar.
const LEADING_INDICATORS: &[u8] = b"#,[]{}&*!|>'\"%@`";

/// Bytes that change nothing as the first character either.
const FIRST_INERT: [bool; 128] = {
    let mut t = INERT;
    let mut i = 0;
    while i < LEADING_INDICATORS.len() {
        t[LEADING_INDICATORS[i] as usize] = false;
        i += 1;
    }
    t[b'?' as usize] = false;
    t[b'-' as usize] = false;
    t
};

fn analyze_ascii(b: &[u8], f: &mut Flags) {
    let at = |i: usize| b.get(i).map(|&c| c as char);
    if !FIRST_INERT[(b[0] & 0x7F) as usize] {
        f.step(None, b[0] as char, at(1));
    }
    for (i, &c) in b.iter().enumerate().skip(1) {
        if !INERT[(c & 0x7F) as usize] {
            f.step(at(i - 1), c as char, at(i + 1));
        }
    }
}

/// The facts `analyze_scalar` collects while scanning.
#[derive(Default)]
struct Flags {
    block_indicators: bool,
    line_breaks: bool,
    special: bool,
    leading_space: bool,
    leading_break: bool,
    trailing_space: bool,
    trailing_break: bool,
    break_space: bool,
    space_break: bool,
}

impl Flags {
    /// One iteration of PyYAML's loop; its `preceded_by_whitespace`,
    /// `followed_by_whitespace`, `previous_space` and `previous_break` are
    /// all facts about the neighbouring characters.
    #[inline]
    fn step(&mut self, prev: Option<char>, ch: char, next: Option<char>) {
        let (first, last) = (prev.is_none(), next.is_none());
        let followed_by_whitespace = none_or(next, is_blank);
        if first {
            if is_leading_indicator(ch) || (matches!(ch, '?' | ':' | '-') && followed_by_whitespace)
            {
                self.block_indicators = true;
            }
        } else if (ch == ':' && followed_by_whitespace) || (ch == '#' && none_or(prev, is_blank)) {
            self.block_indicators = true;
        }
        if !(ch == '\n' || (' '..='~').contains(&ch) || is_printable_unicode(ch)) {
            self.special = true;
        }
        if ch == ' ' {
            self.leading_space |= first;
            self.trailing_space |= last;
            self.break_space |= prev.is_some_and(is_break);
        } else if is_break(ch) {
            self.line_breaks = true;
            self.leading_break |= first;
            self.trailing_break |= last;
            self.space_break |= prev == Some(' ');
        }
    }

    fn finish(&self, ascii: bool) -> Analysis {
        let edge_space =
            self.leading_space || self.leading_break || self.trailing_space || self.trailing_break;
        let only_double = self.space_break || self.special;
        Analysis {
            ascii,
            empty: false,
            multiline: self.line_breaks,
            allow_block_plain: !(edge_space
                || self.break_space
                || only_double
                || self.line_breaks
                || self.block_indicators),
            allow_single_quoted: !(self.break_space || only_double),
            allow_block: !(self.trailing_space || only_double),
        }
    }
}

fn is_leading_indicator(ch: char) -> bool {
    ch.is_ascii() && LEADING_INDICATORS.contains(&(ch as u8))
}

/// Non-ASCII characters PyYAML writes literally when allow_unicode=True.
/// The upper bound is exclusive in PyYAML (`< '\U0010ffff'`), so we keep it.
fn is_printable_unicode(ch: char) -> bool {
    (ch == '\u{85}'
        || ('\u{A0}'..='\u{D7FF}').contains(&ch)
        || ('\u{E000}'..='\u{FFFD}').contains(&ch)
        || ('\u{10000}'..'\u{10FFFF}').contains(&ch))
        && ch != '\u{FEFF}'
}
