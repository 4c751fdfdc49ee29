//! A fast path for the plain block-style YAML that infra.yml files are made
//! of, tried before the full loader.
//!
//! The full loader ([`super::load`]) runs yaml-rust2's scanner and parser,
//! builds PyYAML's node graph, checks tokens and constructs values: about
//! 360 instructions per byte, most of `generate`'s run on a large file.
//! This reader splits the text into lines once and reads them top-down,
//! for a deliberately small subset: block mappings and sequences (with a
//! sequence at its key's indentation, and a mapping or sequence opened on a
//! `- ` line), single-line plain and quoted scalars (no escapes), one-line
//! flow sequences of scalars, `[]`, `{}`, comments and one leading `---`.
//!
//! Why it is safe: it never decides what anything outside that subset
//! means. Whatever it does not recognise with certainty (a tab, a `\r`, a
//! character PyYAML refuses, a multi-line scalar, an anchor, a tag, a block
//! scalar, a flow mapping, a line indented in a way it has no rule for, a
//! scalar that would not construct) makes it return `None`, and the caller
//! runs the full loader, which also produces every error message. Scalars
//! are resolved and built by the full loader's own functions
//! (`resolve_implicit`, `construct_scalar`) and mapping entries inserted by
//! its `insert`, so duplicate keys, `1`/`1.0`/`true` keys and NaN keys
//! behave the same. No container is shared, so every container id is 0, as
//! the full loader gives a container reached once. `shared/tests/yaml_fast.rs`
//! compares the two paths on every test input of the workspace, and
//! `shared/tests/yaml_fast_random.rs` on random documents in and around the
//! subset. The byte scanning is in `bytes.rs`.

use super::construct::construct_scalar;
use super::load::insert;
use super::resolve::{resolve_implicit, Tag};
use super::{Map, Seq, Value};
use indexmap::IndexMap;
use std::borrow::Cow;

mod bytes;

use bytes::{bytes_eq, find, leading_spaces, line_end, simple_bytes};

/// Deeper nesting goes to the full loader, which has the real limit.
const MAX_DEPTH: usize = 100;

/// Bytes from a key's start to its `:`. PyYAML refuses a simple key longer
/// than 1024 characters; well below that there is nothing to decide.
const MAX_KEY: usize = 1000;

/// The document's value, or `None` to let the full loader read the text.
pub fn load(src: &str) -> Option<Value> {
    let b = src.as_bytes();
    if !simple_bytes(b) {
        return None;
    }
    let mut reader = Reader {
        src,
        b,
        lines: content_lines(b)?,
        next: 0,
        depth: 0,
    };
    // An empty document is cheap for the full loader.
    let first = reader.line()?;
    let value = reader.block(first.indent, first.content())?;
    // Content left over is less indented than the first line: an error.
    reader.line().is_none().then_some(value)
}

/// The lines with content (not blank, not only a comment), past an
/// optional first `---` line; `None` at any other document marker (`---`,
/// `...`) or directive (`%`): a second document, an end, or PyYAML's
/// refusals. Only a bare `---` is taken (`--- x`, `--- |` are not).
fn content_lines(b: &[u8]) -> Option<Vec<Line>> {
    let mut lines = Vec::with_capacity(b.len() / 24);
    let (mut start, mut opened) = (0, false);
    while start < b.len() {
        let indent = leading_spaces(b, start);
        let end = line_end(b, start + indent);
        let text = &b[start + indent..end];
        let line = Line {
            start,
            indent,
            end,
            siblings: 0,
        };
        start = end + 1;
        if text.is_empty() || text[0] == b'#' {
            continue;
        }
        let marker = text.starts_with(b"---") || text.starts_with(b"...");
        if indent == 0 && (marker || text[0] == b'%') {
            let rest = text.strip_prefix(b"---")?;
            let spaces = rest.iter().take_while(|&&c| c == b' ').count();
            let bare = rest.len() == spaces || (spaces > 0 && rest[spaces] == b'#');
            if opened || !lines.is_empty() || !bare {
                return None;
            }
            opened = true;
            continue;
        }
        lines.push(line);
    }
    count_siblings(&mut lines);
    Some(lines)
}

/// Fills in [`Line::siblings`], from the last line up: `open` holds, for
/// each column still open there, how many lines are in it so far.
fn count_siblings(lines: &mut [Line]) {
    let mut open: Vec<(usize, usize)> = Vec::new();
    for line in lines.iter_mut().rev() {
        while open.last().is_some_and(|&(indent, _)| indent > line.indent) {
            open.pop();
        }
        match open.last_mut() {
            Some((indent, count)) if *indent == line.indent => {
                line.siblings = *count;
                *count += 1;
            }
            _ => open.push((line.indent, 1)),
        }
    }
}

/// A line with content (not blank, not only a comment).
#[derive(Clone, Copy)]
struct Line {
    /// Byte offset of the line's first character.
    start: usize,
    /// Leading spaces.
    indent: usize,
    /// Byte offset of its `\n`, or the text's length.
    end: usize,
    /// Lines after it in its column before one further left.
    siblings: usize,
}

impl Line {
    fn content(&self) -> usize {
        self.start + self.indent
    }
}

/// How a scalar on a line ended.
enum Stop {
    /// At a `:` that makes it a key; the offset just past the `:`.
    Colon(usize),
    /// At the end of the line, or at a comment.
    End,
}

/// A scalar's text: plain (to be resolved) or quoted (a string).
enum Scalar<'a> {
    Plain(&'a str),
    Quoted(Cow<'a, str>),
}

struct Reader<'a> {
    src: &'a str,
    b: &'a [u8],
    lines: Vec<Line>,
    /// The current line's index in `lines`.
    next: usize,
    depth: usize,
}

impl<'a> Reader<'a> {
    /// The current line; `None` at the end of the text.
    fn line(&self) -> Option<Line> {
        self.lines.get(self.next).copied()
    }

    fn advance(&mut self) {
        self.next += 1;
    }

    /// How many entries a collection in column `col` has, the first on the
    /// current line: the lines in that column up to one further left (one
    /// too many for each `- ` at a key's indentation). Collections are made
    /// at their size: growing a map rehashes it.
    fn entries(&self, col: usize) -> usize {
        match self.line() {
            Some(line) if line.indent == col => 1 + line.siblings,
            // A collection opened after `- `: rare enough to count here.
            _ => {
                let rest = self.lines.get(self.next + 1..).unwrap_or_default();
                let more = rest.iter().take_while(|l| l.indent >= col);
                1 + more.filter(|l| l.indent == col).count()
            }
        }
    }

    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// A block collection whose first entry starts at `at` on the current
    /// line, in column `col`: a sequence at a `- `, else a mapping.
    fn block(&mut self, col: usize, at: usize) -> Option<Value> {
        let end = self.line()?.end;
        if is_entry(self.b, at, end) {
            self.seq(col, at)
        } else {
            self.map(col, at)
        }
    }

    /// A block mapping in column `col`, its first key at `at`. Its next
    /// key must be in the same column. A line further right that no value
    /// took would continue a plain scalar, or be an error: either way not
    /// for this reader (nor for any enclosing collection, so every loop
    /// refuses such a line).
    fn map(&mut self, col: usize, mut at: usize) -> Option<Value> {
        self.enter()?;
        let mut map = Map {
            id: 0,
            entries: IndexMap::with_capacity_and_hasher(self.entries(col), Default::default()),
        };
        loop {
            let line = self.line()?;
            let (key, Stop::Colon(after)) = self.scalar(at, line.end)? else {
                return None;
            };
            if after - at > MAX_KEY {
                return None;
            }
            let key = construct(key)?;
            let next = skip_spaces(self.b, after, line.end);
            let value = if next < line.end && self.b[next] != b'#' {
                let value = self.inline(next, line.end)?;
                self.advance();
                value
            } else {
                self.nested(col, true)?
            };
            insert(&mut map, key, value);
            match self.line() {
                Some(next) if next.indent == col => at = next.content(),
                Some(next) if next.indent > col => return None,
                _ => break,
            }
        }
        self.depth -= 1;
        Some(Value::Map(map))
    }

    /// A block sequence in column `col`, its first `-` at `at`.
    fn seq(&mut self, col: usize, mut at: usize) -> Option<Value> {
        self.enter()?;
        let mut items = Vec::with_capacity(self.entries(col));
        loop {
            items.push(self.item(col, at + 1)?);
            match self.line() {
                Some(next) if next.indent == col && is_entry(self.b, next.content(), next.end) => {
                    at = next.content()
                }
                Some(next) if next.indent > col => return None,
                // A line in column `col` that is no entry ends a sequence
                // written at its key's indentation; anywhere else the
                // caller finds it out of place.
                _ => break,
            }
        }
        self.depth -= 1;
        Some(Value::Seq(Seq { id: 0, items }))
    }

    /// A sequence entry's value, `at` just past its `-`.
    fn item(&mut self, col: usize, at: usize) -> Option<Value> {
        let line = self.line()?;
        let b = self.b;
        let at = skip_spaces(b, at, line.end);
        if at == line.end || b[at] == b'#' {
            return self.nested(col, false);
        }
        // `- - x` and `- key: value` open a collection in this column.
        let column = at - line.start;
        if is_entry(b, at, line.end) {
            return self.seq(column, at);
        }
        if let Some((_, Stop::Colon(_))) = self.scalar(at, line.end) {
            return self.map(column, at);
        }
        let value = self.inline(at, line.end)?;
        self.advance();
        Some(value)
    }

    /// The value of a key (`in_map`) or a `-` that has nothing after it on
    /// its line, in a collection in column `col`: what the next lines nest,
    /// or null.
    fn nested(&mut self, col: usize, in_map: bool) -> Option<Value> {
        self.advance();
        match self.line() {
            Some(next) if next.indent > col => self.block(next.indent, next.content()),
            // `key:` then `- item` in the key's column.
            Some(next)
                if in_map && next.indent == col && is_entry(self.b, next.content(), next.end) =>
            {
                self.seq(col, next.content())
            }
            _ => Some(Value::Null),
        }
    }

    /// A value that fits on the rest of the line: a scalar, a flow
    /// sequence, or `{}`. Only a comment may follow.
    fn inline(&self, at: usize, end: usize) -> Option<Value> {
        let b = self.b;
        match b[at] {
            b'[' => self.flow_seq(at, end),
            b'{' => {
                let close = skip_spaces(b, at + 1, end);
                let ok = close < end && b[close] == b'}' && rest_is_comment(b, close + 1, end);
                ok.then(|| Value::Map(Map::new()))
            }
            _ => match self.scalar(at, end)? {
                (scalar, Stop::End) => construct(scalar),
                (_, Stop::Colon(_)) => None,
            },
        }
    }

    /// A scalar in block context starting at `at`: single-line quoted, or
    /// plain, and how it ended.
    fn scalar(&self, at: usize, end: usize) -> Option<(Scalar<'a>, Stop)> {
        let b = self.b;
        let (text, after) = match b[at] {
            b'\'' | b'"' => self.quoted(at, end)?,
            _ if plain_start(b, at, end) => return Some(self.plain(at, end)),
            _ => return None,
        };
        let next = skip_spaces(b, after, end);
        let stop = if next == end || (b[next] == b'#' && next > after) {
            Stop::End
        } else if b[next] == b':' && (next + 1 == end || b[next + 1] == b' ') {
            Stop::Colon(next + 1)
        } else {
            // Includes `"x"#c`, a comment PyYAML sees and YAML 1.2 does not.
            return None;
        };
        Some((Scalar::Quoted(text), stop))
    }

    /// A plain scalar in block context: it runs to a `: `, a `:` ending
    /// the line, a ` #` or the end of the line, less trailing spaces.
    /// Anything on the next lines would continue it; callers refuse that.
    fn plain(&self, at: usize, end: usize) -> (Scalar<'a>, Stop) {
        let b = self.b;
        let (mut i, mut last) = (at, at);
        let stop = loop {
            // Only a space or a `:` can end it; runs of other bytes are
            // the common case.
            let next = find(
                b,
                i,
                end,
                |x| bytes_eq(x, b' ') | bytes_eq(x, b':'),
                |c| c == b' ' || c == b':',
            );
            if next > i {
                i = next;
                last = i;
            }
            if i == end {
                break Stop::End;
            }
            if b[i] == b' ' {
                if i + 1 < end && b[i + 1] == b'#' {
                    break Stop::End;
                }
            } else if i + 1 == end || b[i + 1] == b' ' {
                break Stop::Colon(i + 1);
            } else {
                last = i + 1;
            }
            i += 1;
        };
        // Multi-byte characters hold no ASCII bytes, so `last` is always
        // on a character boundary.
        (Scalar::Plain(&self.src[at..last]), stop)
    }

    /// A quoted scalar closed on its line, without backslash escapes;
    /// returns its text and the offset past the closing quote.
    fn quoted(&self, at: usize, end: usize) -> Option<(Cow<'a, str>, usize)> {
        let b = self.b;
        let quote = b[at];
        let mut i = at + 1;
        let mut doubled = false;
        loop {
            if i == end || (quote == b'"' && b[i] == b'\\') {
                return None;
            }
            if b[i] == quote {
                if quote == b'\'' && i + 1 < end && b[i + 1] == b'\'' {
                    doubled = true;
                    i += 2;
                    continue;
                }
                break;
            }
            i += 1;
        }
        let inner = &self.src[at + 1..i];
        let text = if doubled {
            Cow::Owned(inner.replace("''", "'"))
        } else {
            Cow::Borrowed(inner)
        };
        Some((text, i + 1))
    }

    /// `[a, 'b', "c"]` on one line: scalars only, no empty or trailing
    /// entry, and none of `:?#` or quotes inside a plain entry (where
    /// PyYAML and YAML 1.2 read flow scalars differently).
    fn flow_seq(&self, at: usize, end: usize) -> Option<Value> {
        let b = self.b;
        let mut items = Vec::new();
        let mut i = skip_spaces(b, at + 1, end);
        if i < end && b[i] == b']' {
            i += 1;
        } else {
            loop {
                if i == end {
                    return None;
                }
                let (scalar, after) = if matches!(b[i], b'\'' | b'"') {
                    let (text, after) = self.quoted(i, end)?;
                    (Scalar::Quoted(text), after)
                } else {
                    self.flow_plain(i, end)?
                };
                items.push(construct(scalar)?);
                i = skip_spaces(b, after, end);
                match b.get(i) {
                    Some(b']') if i < end => {
                        i += 1;
                        break;
                    }
                    Some(b',') if i < end => {
                        i = skip_spaces(b, i + 1, end);
                        if i < end && b[i] == b']' {
                            return None;
                        }
                    }
                    _ => return None,
                }
            }
        }
        rest_is_comment(b, i, end).then(|| Value::Seq(Seq { id: 0, items }))
    }

    /// A plain scalar inside a flow sequence, up to `,` or `]`.
    fn flow_plain(&self, at: usize, end: usize) -> Option<(Scalar<'a>, usize)> {
        let b = self.b;
        let first_ok = match b[at] {
            b'-' => at + 1 < end && !b" ,[]{}:?#'\"".contains(&b[at + 1]),
            c => c != b' ' && !INDICATOR[usize::from(c)],
        };
        if !first_ok {
            return None;
        }
        let (mut i, mut last) = (at, at);
        while i < end {
            match b[i] {
                b',' | b']' => break,
                b'[' | b'{' | b'}' | b':' | b'?' | b'#' | b'\'' | b'"' => return None,
                b' ' => {}
                _ => last = i + 1,
            }
            i += 1;
        }
        Some((Scalar::Plain(&self.src[at..last]), i))
    }
}

/// What the full loader makes of a scalar; `None` where it would fail (an
/// integer out of range, an impossible date, `<<` or `=` out of place).
fn construct(scalar: Scalar<'_>) -> Option<Value> {
    match scalar {
        Scalar::Quoted(text) => Some(Value::Str(text.into_owned())),
        // A string is what most plain scalars are; `construct_scalar` would
        // build the same value, through a `Result`.
        Scalar::Plain(text) => match resolve_implicit(text) {
            Tag::Str => Some(Value::Str(text.to_owned())),
            tag => construct_scalar(&tag, text).ok(),
        },
    }
}

/// A `-` that is a block sequence entry: followed by a space or the end.
fn is_entry(b: &[u8], at: usize, end: usize) -> bool {
    b[at] == b'-' && (at + 1 == end || b[at + 1] == b' ')
}

/// PyYAML's indicators, which cannot start a plain scalar.
const INDICATOR: [bool; 256] = {
    let (mut table, mut i) = ([false; 256], 0);
    while i < b"-?:,[]{}#&*!|>'\"%@`".len() {
        table[b"-?:,[]{}#&*!|>'\"%@`"[i] as usize] = true;
        i += 1;
    }
    table
};

/// Whether a plain scalar starts at `at` in block context: not at an
/// indicator, except `-` before a non-space (`-1`). `?x` and `:x` are plain
/// too, but left to the full loader.
fn plain_start(b: &[u8], at: usize, end: usize) -> bool {
    match b[at] {
        b'-' => at + 1 < end && b[at + 1] != b' ',
        b' ' => false,
        c => !INDICATOR[usize::from(c)],
    }
}

fn skip_spaces(b: &[u8], mut at: usize, end: usize) -> usize {
    while at < end && b[at] == b' ' {
        at += 1;
    }
    at
}

/// Nothing but spaces up to `end`, or spaces then a comment.
fn rest_is_comment(b: &[u8], at: usize, end: usize) -> bool {
    let next = skip_spaces(b, at, end);
    next == end || (b[next] == b'#' && next > at)
}
