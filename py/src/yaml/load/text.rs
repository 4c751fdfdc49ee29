//! Checks on the text, before yaml-rust2 sees it.
//!
//! PyYAML's reader refuses characters and stream openings that yaml-rust2
//! (a YAML 1.2 reader) takes without a word; one pass over the text finds
//! them before parsing and reports them where PyYAML would.

use super::{LoadError, Pos};
use std::borrow::Cow;

/// PyYAML's reader and the start of its scanner, where yaml-rust2 (a YAML
/// 1.2 reader) would accept more; returns the text to hand to yaml-rust2.
pub(super) fn check_text(src: &str) -> Result<Cow<'_, str>, LoadError> {
    if let Some((at, c)) = first_unprintable(src) {
        let message = match c {
            '\u{2028}' | '\u{2029}' => format!(
                "unsupported character #x{:04x}: PyYAML reads it as a line break, this reader does not",
                u32::from(c)
            ),
            _ => format!("unacceptable character #x{:04x}: special characters are not allowed", u32::from(c)),
        };
        return Err(pos_at(src, at).error(message));
    }
    check_stream_start(src)?;
    // PyYAML reads NEL as a plain line break, yaml-rust2 as text; same width
    // in characters, so positions stay right.
    if !src.contains('\u{85}') {
        return Ok(Cow::Borrowed(src));
    }
    let mut out = String::with_capacity(src.len());
    let mut chars = src.chars().peekable();
    while let Some(c) = chars.next() {
        // `\r` then NEL are two breaks for PyYAML, not one `\r\n`.
        let nel_next = chars.peek() == Some(&'\u{85}');
        out.push(if c == '\u{85}' || (c == '\r' && nel_next) {
            '\n'
        } else {
            c
        });
    }
    Ok(Cow::Owned(out))
}

/// The first character outside [`pyyaml_printable`], looking at bytes
/// while they are ASCII.
fn first_unprintable(src: &str) -> Option<(usize, char)> {
    let bytes = src.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        if matches!(b, b'\t' | b'\n' | b'\r' | b' '..=b'~') {
            at += 1;
            continue;
        }
        let c = src[at..].chars().next()?;
        if !pyyaml_printable(c) {
            return Some((at, c));
        }
        at += c.len_utf8();
    }
    None
}

/// PyYAML's `Reader.NON_PRINTABLE`, less the two line separators it would
/// read as line breaks (refused here rather than misread).
fn pyyaml_printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{2027}' | '\u{202a}'..='\u{d7ff}')
        || matches!(c, '\u{e000}'..='\u{fffd}' | '\u{10000}'..='\u{10ffff}')
}

/// PyYAML starts a document only at content, a directive or `---`: a stream
/// whose first token is `...` is an error there (yaml-rust2 skips it).
fn check_stream_start(src: &str) -> Result<(), LoadError> {
    let mut offset = 0;
    for line in src.split_inclusive('\n') {
        let content = line.trim_start_matches(' ');
        let blank = content.trim_end_matches(['\r', '\n']).is_empty();
        if !(blank || content.starts_with('#')) {
            let rest = line.strip_prefix("...").map(|r| r.chars().next());
            if let Some(None | Some(' ' | '\t' | '\r' | '\n')) = rest {
                let message = "while parsing a block node: expected the node content, but found '<document end>'";
                return Err(pos_at(src, offset).error(message));
            }
            return Ok(());
        }
        offset += line.len();
    }
    Ok(())
}

/// The position of a byte offset, counting `\n`, `\r\n` and a lone `\r` as
/// line breaks like both scanners do.
fn pos_at(src: &str, offset: usize) -> Pos {
    let before = &src[..offset];
    let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let breaks = before.matches('\n').count() + before.matches('\r').count()
        - before.matches("\r\n").count();
    Pos {
        line: breaks + 1,
        column: before[line_start..].chars().count() + 1,
    }
}
