//! The low-level half of [`super::emit`]: the output cursor and the scalar
//! writers (plain, quoted, block), with their escapes and block hints. What
//! style a scalar may take is decided in [`super::emit_analyze`] and
//! [`super::resolve`] (what plain text reads back as).
//!
//! Everything here is a transcription of PyYAML 6's `emitter.py`
//! (allow_unicode=True, width 80, indent 2), because users diff our files
//! against the ones PyYAML wrote: every rule, down to which space becomes a
//! line break, must be the same. Columns count code points, as Python's
//! `len` does, never bytes.

use std::fmt::Write as _;

const BEST_WIDTH: usize = 80;
const BEST_INDENT: usize = 2;

/// PyYAML's line breaks; `\r` is not one of them (it is escaped instead).
pub(super) fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// The emitter's output and cursor state (`column`, `whitespace`,
/// `indention`, `open_ended` and the indent stack of PyYAML's `Emitter`).
pub(super) struct Writer {
    pub out: String,
    pub column: usize,
    pub whitespace: bool,
    pub indention: bool,
    pub open_ended: bool,
    /// Whether the scalar about to be written is ASCII, so that its column
    /// arithmetic can use byte lengths; set by the caller from [`Analysis`](super::emit_analyze::Analysis).
    pub ascii: bool,
    indent: Option<usize>,
}

impl Writer {
    pub fn new(capacity: usize) -> Self {
        Writer {
            out: String::with_capacity(capacity),
            column: 0,
            whitespace: true,
            indention: true,
            open_ended: false,
            ascii: false,
            indent: None,
        }
    }

    /// anklume's dumper forces `indentless=False`, so every nested block
    /// collection is indented by two. Returns the indent to restore: the
    /// recursion in [`super::emit`] plays the role of PyYAML's indent stack.
    pub fn increase_indent(&mut self, flow: bool) -> Option<usize> {
        let previous = self.indent;
        self.indent = Some(match previous {
            Some(i) => i + BEST_INDENT,
            None if flow => BEST_INDENT,
            None => 0,
        });
        previous
    }

    pub fn restore_indent(&mut self, previous: Option<usize>) {
        self.indent = previous;
    }

    pub fn write_indicator(&mut self, indicator: &str, need_whitespace: bool) {
        self.indicator(indicator, need_whitespace, false, false);
    }

    /// PyYAML's `write_indicator` with its `whitespace` and `indention`
    /// flags, which say what the indicator leaves behind for the next one.
    pub fn indicator(
        &mut self,
        ind: &str,
        need_whitespace: bool,
        whitespace: bool,
        indention: bool,
    ) {
        if !self.whitespace && need_whitespace {
            self.out.push(' ');
            self.column += 1;
        }
        match ind.as_bytes() {
            // A one-byte push avoids a `memcpy` call on the hottest path.
            &[c] => self.out.push(c as char),
            _ => self.out.push_str(ind),
        }
        self.column += ind.len();
        self.whitespace = whitespace;
        self.indention = self.indention && indention;
        self.open_ended = false;
    }

    pub fn write_indent(&mut self) {
        let indent = self.indent.unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.write_line_break('\n');
        }
        if self.column < indent {
            self.whitespace = true;
            self.write_spaces(indent - self.column);
            self.column = indent;
        }
    }

    fn write_spaces(&mut self, mut n: usize) {
        const SPACES: &str = "                                                                ";
        while n > 0 {
            let k = n.min(SPACES.len());
            self.out.push_str(&SPACES[..k]);
            n -= k;
        }
    }

    fn write_line_break(&mut self, br: char) {
        self.whitespace = true;
        self.indention = true;
        self.column = 0;
        self.out.push(br);
    }

    fn push_text(&mut self, s: &str) {
        self.out.push_str(s);
        self.column += if self.ascii {
            s.len()
        } else {
            s.chars().count()
        };
    }

    fn push_ascii(&mut self, s: &str) {
        self.out.push_str(s);
        self.column += s.len();
    }

    /// The line breaks of a quoted scalar: a `\n` run gets one extra break
    /// because a single break inside quotes folds into a space.
    fn write_breaks(&mut self, breaks: &str) {
        if breaks.starts_with('\n') {
            self.write_line_break('\n');
        }
        for br in breaks.chars() {
            self.write_line_break(br);
        }
    }

    /// `write_plain`. Plain scalars never contain line breaks nor leading
    /// or trailing spaces (the analysis forbids the plain style for them),
    /// so the text is words separated by space runs, and only a single space
    /// past the width becomes a line break.
    pub fn write_plain(&mut self, text: &str, split: bool, root: bool) {
        if root {
            self.open_ended = true;
        }
        if text.is_empty() {
            return;
        }
        if !self.whitespace {
            self.out.push(' ');
            self.column += 1;
        }
        self.whitespace = false;
        self.indention = false;
        if !split || self.column + text.len() <= BEST_WIDTH {
            // Every space would be reached at a column within the width, so
            // none can fold (byte length bounds the code-point count).
            return self.push_text(text);
        }
        let mut rest = text;
        while let Some(space) = rest.bytes().position(|b| b == b' ') {
            self.push_text(&rest[..space]);
            let after = &rest[space..];
            let word = after.trim_start_matches(' ');
            let run = after.len() - word.len();
            if run == 1 && self.column > BEST_WIDTH {
                self.write_indent();
                self.whitespace = false;
                self.indention = false;
            } else {
                self.push_ascii(&after[..run]);
            }
            rest = word;
        }
        self.push_text(rest);
    }

    pub fn write_single_quoted(&mut self, text: &str, split: bool) {
        self.write_indicator("'", true);
        let (mut spaces, mut breaks) = (false, false);
        let mut start = 0;
        for (end, ch) in chars_then_end(text) {
            if spaces {
                if ch != Some(' ') {
                    let fold = start + 1 == end && start != 0 && end != text.len();
                    if fold && self.column > BEST_WIDTH && split {
                        self.write_indent();
                    } else {
                        self.push_text(&text[start..end]);
                    }
                    start = end;
                }
            } else if breaks {
                if !ch.is_some_and(is_break) {
                    self.write_breaks(&text[start..end]);
                    self.write_indent();
                    start = end;
                }
            } else if none_or(ch, |c| c == ' ' || c == '\'' || is_break(c)) && start < end {
                self.push_text(&text[start..end]);
                start = end;
            }
            if ch == Some('\'') {
                self.push_ascii("''");
                start = end + 1;
            }
            spaces = ch == Some(' ');
            breaks = ch.is_some_and(is_break);
        }
        self.write_indicator("'", false);
    }

    pub fn write_double_quoted(&mut self, text: &str, split: bool) {
        self.write_indicator("\"", true);
        // `start` may run one character past `end` right after an escape, so
        // the code-point distance between them is signed, as in Python.
        let (mut start, mut start_ci) = (0usize, 0isize);
        for (end_ci, (end, ch)) in chars_then_end(text).enumerate() {
            let end_ci = end_ci as isize;
            if none_or(ch, needs_escape) {
                if start < end {
                    self.push_text(&text[start..end]);
                    (start, start_ci) = (end, end_ci);
                }
                if let Some(c) = ch {
                    self.write_escape(c);
                    (start, start_ci) = (end + c.len_utf8(), end_ci + 1);
                }
            }
            let inner = ch.is_some_and(|c| end > 0 && end + c.len_utf8() < text.len());
            if inner
                && split
                && (ch == Some(' ') || start >= end)
                && self.column as isize + (end_ci - start_ci) > BEST_WIDTH as isize
            {
                if start < end {
                    self.push_text(&text[start..end]);
                    (start, start_ci) = (end, end_ci);
                }
                self.push_ascii("\\");
                self.write_indent();
                self.whitespace = false;
                self.indention = false;
                if text[start..].starts_with(' ') {
                    self.push_ascii("\\");
                }
            }
        }
        self.write_indicator("\"", false);
    }

    fn write_escape(&mut self, c: char) {
        let before = self.out.len();
        let _ = match (short_escape(c), c as u32) {
            (Some(e), _) => write!(self.out, "\\{e}"),
            (None, n @ 0..=0xFF) => write!(self.out, "\\x{n:02X}"),
            (None, n @ 0..=0xFFFF) => write!(self.out, "\\u{n:04X}"),
            (None, n) => write!(self.out, "\\U{n:08X}"),
        };
        self.column += self.out.len() - before;
    }

    pub fn write_literal(&mut self, text: &str) {
        let hints = block_hints(text);
        self.write_indicator("|", true);
        self.out.push_str(hints);
        self.column += hints.len();
        if hints.ends_with('+') {
            self.open_ended = true;
        }
        self.write_line_break('\n');
        let mut breaks = true;
        let mut start = 0;
        for (end, ch) in chars_then_end(text) {
            if breaks {
                if !ch.is_some_and(is_break) {
                    for br in text[start..end].chars() {
                        self.write_line_break(br);
                    }
                    if ch.is_some() {
                        self.write_indent();
                    }
                    start = end;
                }
            } else if none_or(ch, is_break) {
                // PyYAML does not advance the column for literal text.
                self.out.push_str(&text[start..end]);
                if ch.is_none() {
                    self.write_line_break('\n');
                }
                start = end;
            }
            breaks = ch.is_some_and(is_break);
        }
    }
}

/// Characters `write_double_quoted` escapes with allow_unicode=True; unlike
/// the analysis, it escapes everything beyond the BMP.
fn needs_escape(c: char) -> bool {
    matches!(
        c,
        '"' | '\\' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}'
    ) || !((' '..='~').contains(&c)
        || ('\u{A0}'..='\u{D7FF}').contains(&c)
        || ('\u{E000}'..='\u{FFFD}').contains(&c))
}

/// PyYAML's `ESCAPE_REPLACEMENTS`.
fn short_escape(c: char) -> Option<char> {
    Some(match c {
        '\0' => '0',
        '\x07' => 'a',
        '\x08' => 'b',
        '\t' => 't',
        '\n' => 'n',
        '\x0B' => 'v',
        '\x0C' => 'f',
        '\r' => 'r',
        '\x1B' => 'e',
        '"' => '"',
        '\\' => '\\',
        '\u{85}' => 'N',
        '\u{A0}' => '_',
        '\u{2028}' => 'L',
        '\u{2029}' => 'P',
        _ => return None,
    })
}

/// `determine_block_hints` with the fixed indent of 2.
fn block_hints(text: &str) -> &'static str {
    let mut rev = text.chars().rev();
    let Some(last) = rev.next() else {
        return "";
    };
    let indent = text.starts_with([' ', '\n', '\u{85}', '\u{2028}', '\u{2029}']);
    let chomp = if !is_break(last) {
        '-'
    } else if none_or(rev.next(), is_break) {
        '+'
    } else {
        ' '
    };
    match (indent, chomp) {
        (true, '-') => "2-",
        (true, '+') => "2+",
        (true, _) => "2",
        (false, '-') => "-",
        (false, '+') => "+",
        _ => "",
    }
}

/// `Option::is_none_or`, which is newer than the workspace's minimum Rust:
/// Python's `ch is None or ...` and "end of text counts as whitespace".
pub(super) fn none_or(c: Option<char>, pred: impl Fn(char) -> bool) -> bool {
    match c {
        Some(c) => pred(c),
        None => true,
    }
}

/// Python's `while end <= len(text)` loops: every character with its byte
/// offset, then one `None` at the end offset.
fn chars_then_end(text: &str) -> impl Iterator<Item = (usize, Option<char>)> + '_ {
    text.char_indices()
        .map(|(i, c)| (i, Some(c)))
        .chain(std::iter::once((text.len(), None)))
}
