//! The low-level half of [`super::emit`]: the output cursor, scalar analysis,
//! the YAML 1.1 implicit resolver and the scalar writers.
//!
//! Everything here is a transcription of PyYAML 6's `emitter.py` and
//! `resolver.py` (allow_unicode=True, width 80, indent 2), because users diff
//! our files against the ones PyYAML wrote: every rule, down to which space
//! becomes a line break, must be the same. Columns count code points, as
//! Python's `len` does, never bytes.

use std::fmt::Write as _;

const BEST_WIDTH: usize = 80;
const BEST_INDENT: usize = 2;

/// PyYAML's line breaks; `\r` is not one of them (it is escaped instead).
fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// The characters after which an indicator counts as followed by whitespace.
fn is_blank(c: char) -> bool {
    matches!(c, '\0' | ' ' | '\t' | '\r') || is_break(c)
}

/// What `analyze_scalar` found; flow-plain is left out because scalars are
/// only ever written in block context (the only flow nodes are `[]`/`{}`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Analysis {
    pub ascii: bool,
    pub empty: bool,
    pub multiline: bool,
    pub allow_block_plain: bool,
    pub allow_single_quoted: bool,
    pub allow_block: bool,
}

/// Tags as the resolver and representer know them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tag {
    Str,
    Int,
    Float,
    Bool,
    Null,
    Timestamp,
    Binary,
    Merge,
    Value,
    Yaml,
}

impl Tag {
    /// The short form `prepare_tag` produces with the default `!!` handle.
    pub fn text(self) -> &'static str {
        match self {
            Tag::Str => "!!str",
            Tag::Int => "!!int",
            Tag::Float => "!!float",
            Tag::Bool => "!!bool",
            Tag::Null => "!!null",
            Tag::Timestamp => "!!timestamp",
            Tag::Binary => "!!binary",
            Tag::Merge => "!!merge",
            Tag::Value => "!!value",
            Tag::Yaml => "!!yaml",
        }
    }
}

/// PyYAML's `analyze_scalar` with allow_unicode=True.
pub(crate) fn analyze(s: &str) -> Analysis {
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

/// The tag PyYAML's YAML 1.1 resolver gives a plain scalar (`Tag::Str` when
/// no implicit resolver matches).
pub(crate) fn resolve(s: &str) -> Tag {
    let Some(&first) = s.as_bytes().first() else {
        return Tag::Null;
    };
    // Python's `$` also matches before one final newline.
    let b = s.strip_suffix('\n').unwrap_or(s).as_bytes();
    match first {
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' if is_bool(b) => {
            Tag::Bool
        }
        b'-' | b'+' | b'0'..=b'9' | b'.' if b.contains(&b'.') && is_float(b) => Tag::Float,
        b'-' | b'+' | b'0'..=b'9' if is_int(b) => Tag::Int,
        b'0'..=b'9' if is_timestamp(b) => Tag::Timestamp,
        b'<' if b == b"<<" => Tag::Merge,
        b'~' | b'n' | b'N' if matches!(b, b"~" | b"null" | b"Null" | b"NULL") => Tag::Null,
        b'=' | b'!' | b'&' | b'*' if b.len() == 1 => match first {
            b'=' => Tag::Value,
            _ => Tag::Yaml,
        },
        _ => Tag::Str,
    }
}

fn is_bool(b: &[u8]) -> bool {
    const WORDS: [&[u8]; 18] = [
        b"yes", b"Yes", b"YES", b"no", b"No", b"NO", b"true", b"True", b"TRUE", b"false", b"False",
        b"FALSE", b"on", b"On", b"ON", b"off", b"Off", b"OFF",
    ];
    WORDS.contains(&b)
}

/// A cursor for the hand-written equivalents of the resolver's regexes.
#[derive(Clone, Copy)]
struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cur<'a> {
    fn new(b: &'a [u8]) -> Self {
        Cur { b, i: 0 }
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn eat(&mut self, pred: impl Fn(u8) -> bool) -> bool {
        let ok = self.peek().is_some_and(pred);
        self.i += ok as usize;
        ok
    }
    fn eat_byte(&mut self, c: u8) -> bool {
        self.eat(|x| x == c)
    }
    fn eat_while(&mut self, pred: impl Fn(u8) -> bool) -> usize {
        let start = self.i;
        while self.eat(&pred) {}
        self.i - start
    }
    fn eat_str(&mut self, s: &[u8]) -> bool {
        let ok = self.b[self.i..].starts_with(s);
        self.i += if ok { s.len() } else { 0 };
        ok
    }
    fn done(&self) -> bool {
        self.i == self.b.len()
    }
    fn sign(mut self) -> Self {
        self.eat(|c| c == b'-' || c == b'+');
        self
    }
    /// `[0-9][0-9_]*`
    fn digits_(&mut self) -> bool {
        self.eat(|c| c.is_ascii_digit()) && {
            self.eat_while(|c| c.is_ascii_digit() || c == b'_');
            true
        }
    }
    /// `(?::[0-5]?[0-9])+`
    fn sexagesimal(&mut self) -> bool {
        let mut groups = 0;
        while self.peek() == Some(b':') {
            let save = *self;
            self.i += 1;
            let start = self.i;
            let n = self.eat_while(|c| c.is_ascii_digit());
            if !(n == 1 || (n == 2 && self.b[start] <= b'5')) {
                *self = save;
                break;
            }
            groups += 1;
        }
        groups > 0
    }
    /// `(?:[eE][-+][0-9]+)?` followed by the end.
    fn opt_exponent_end(mut self) -> bool {
        let signed_digits = |c: &mut Self| {
            c.eat(|x| x == b'-' || x == b'+') && c.eat_while(|x| x.is_ascii_digit()) > 0
        };
        (!self.eat(|c| c == b'e' || c == b'E') || signed_digits(&mut self)) && self.done()
    }
}

fn is_digit_(c: u8) -> bool {
    c.is_ascii_digit() || c == b'_'
}

fn is_float(b: &[u8]) -> bool {
    let signed = Cur::new(b).sign();
    let decimal = || {
        let mut c = signed;
        c.digits_() && c.eat_byte(b'.') && {
            c.eat_while(is_digit_);
            c.opt_exponent_end()
        }
    };
    let leading_dot = || {
        let mut c = Cur::new(b);
        c.eat_byte(b'.') && c.digits_() && c.opt_exponent_end()
    };
    let base60 = || {
        let mut c = signed;
        c.digits_() && c.sexagesimal() && c.eat_byte(b'.') && {
            c.eat_while(is_digit_);
            c.done()
        }
    };
    let inf = || {
        let mut c = signed;
        c.eat_byte(b'.') && matches!(&c.b[c.i..], b"inf" | b"Inf" | b"INF")
    };
    let nan = matches!(b, b".nan" | b".NaN" | b".NAN");
    decimal() || leading_dot() || base60() || inf() || nan
}

fn is_int(b: &[u8]) -> bool {
    let signed = Cur::new(b).sign();
    let prefixed = |prefix: &[u8], pred: fn(u8) -> bool| {
        let mut c = signed;
        c.eat_str(prefix) && c.eat_while(pred) > 0 && c.done()
    };
    let decimal = || {
        let mut c = signed;
        if c.eat_byte(b'0') {
            return c.done();
        }
        c.eat(|x| (b'1'..=b'9').contains(&x)) && {
            c.eat_while(is_digit_);
            c.done() || (c.sexagesimal() && c.done())
        }
    };
    prefixed(b"0b", |c| c == b'0' || c == b'1' || c == b'_')
        || prefixed(b"0", |c| (b'0'..=b'7').contains(&c) || c == b'_')
        || decimal()
        || prefixed(b"0x", |c| c.is_ascii_hexdigit() || c == b'_')
}

fn is_timestamp(b: &[u8]) -> bool {
    let digit = |c: u8| c.is_ascii_digit();
    let mut c = Cur::new(b);
    if c.eat_while(digit) != 4 || !c.eat_byte(b'-') {
        return false;
    }
    let month = c.eat_while(digit);
    if !c.eat_byte(b'-') || !(1..=2).contains(&month) {
        return false;
    }
    let day = c.eat_while(digit);
    if c.done() {
        return month == 2 && day == 2;
    }
    if !(1..=2).contains(&day)
        || !(c.eat(|x| x == b'T' || x == b't') || c.eat_while(|x| x == b' ' || x == b'\t') > 0)
    {
        return false;
    }
    let hour = c.eat_while(digit);
    if !(1..=2).contains(&hour) || !c.eat_byte(b':') || c.eat_while(digit) != 2 {
        return false;
    }
    if !c.eat_byte(b':') || c.eat_while(digit) != 2 {
        return false;
    }
    if c.eat_byte(b'.') {
        c.eat_while(digit);
    }
    if c.done() {
        return true;
    }
    c.eat_while(|x| x == b' ' || x == b'\t');
    if c.eat_byte(b'Z') {
        return c.done();
    }
    if !c.eat(|x| x == b'-' || x == b'+') || !(1..=2).contains(&c.eat_while(digit)) {
        return false;
    }
    c.done() || (c.eat_byte(b':') && c.eat_while(digit) == 2 && c.done())
}

/// The emitter's output and cursor state (`column`, `whitespace`,
/// `indention`, `open_ended` and the indent stack of PyYAML's `Emitter`).
pub(crate) struct Writer {
    pub out: String,
    pub column: usize,
    pub whitespace: bool,
    pub indention: bool,
    pub open_ended: bool,
    /// Whether the scalar about to be written is ASCII, so that its column
    /// arithmetic can use byte lengths; set by the caller from [`Analysis`].
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
fn none_or(c: Option<char>, pred: impl Fn(char) -> bool) -> bool {
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
