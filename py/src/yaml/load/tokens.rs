//! Checks on yaml-rust2's tokens, for what PyYAML's scanner refuses.
//!
//! These rules (anchor names, simple keys, tabs, `%YAML` versions) need
//! token boundaries that parser events no longer show, so the text is
//! scanned a second time, but only when it holds something they look for.

use super::patch::Patches;
use super::{LoadError, Pos};
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use yaml_rust2::scanner::{Marker, Scanner, TScalarStyle, Token, TokenType};

/// Checks that need yaml-rust2's tokens, run only when the text can hold
/// what they look for: anchor names are `[0-9A-Za-z_-]+` and unique in
/// PyYAML, `%YAML` must be 1.x, a `:` needs a key before it on the same line
/// (or a `?`), a plain scalar in a flow collection cannot start with `:?|>`,
/// and tabs are allowed only inside quoted scalars, block scalars and
/// comments.
pub(super) fn check_tokens(src: &str, suspect: bool, patches: &Patches) -> Result<(), LoadError> {
    let directives = src.starts_with('%') || src.contains("\n%") || src.contains("\r%");
    let tabs = src.contains('\t') || !patches.untabbed.is_empty();
    let split = !patches.split_aliases.is_empty();
    if !(directives || tabs || suspect || split || src.contains('&')) {
        return Ok(());
    }
    let mut check = TokenCheck {
        chars: src.chars().collect(),
        anchors: HashMap::new(),
        keys: vec![None],
        flow: 0,
        spans: Vec::new(),
        split_aliases: patches.split_aliases.clone(),
    };
    let mut scanner = Scanner::new(src.chars());
    // Errors are left to the parser, which meets them at the same place.
    while let Ok(Some(Token(mark, token))) = catch_unwind(AssertUnwindSafe(|| scanner.next())) {
        check.token(mark, token, tabs)?;
    }
    if let Some((line, name)) = check.split_aliases.first() {
        let message = format!(
            "`*{name}` followed by ':' is no alias here, so PyYAML would not read it as one"
        );
        return Err(Pos {
            line: *line,
            column: 1,
        }
        .error(message));
    }
    if tabs {
        check.tabs(&patches.untabbed)?;
    }
    Ok(())
}

struct TokenCheck {
    chars: Vec<char>,
    anchors: HashMap<String, Pos>,
    /// Per open collection: the key waiting for its `:`.
    keys: Vec<Option<Marker>>,
    flow: usize,
    /// Character ranges where a tab is text (quoted and block scalars).
    spans: Vec<(usize, usize)>,
    /// Split aliases not yet met as alias tokens.
    split_aliases: Vec<(usize, String)>,
}

impl TokenCheck {
    fn token(&mut self, mark: Marker, token: TokenType, tabs: bool) -> Result<(), LoadError> {
        let pos = Pos::of(&mark);
        match token {
            TokenType::Anchor(name) => check_anchor(name, pos, &mut self.anchors)?,
            TokenType::Alias(name) => self
                .split_aliases
                .retain(|(line, split)| !(*line == mark.line() && *split == name)),
            TokenType::VersionDirective(major, _) if major != 1 => {
                return Err(pos.error("found incompatible YAML document (version 1.* is required)"));
            }
            TokenType::BlockMappingStart | TokenType::BlockSequenceStart => self.keys.push(None),
            TokenType::FlowMappingStart | TokenType::FlowSequenceStart => {
                self.keys.push(None);
                self.flow += 1;
            }
            TokenType::BlockEnd => self.close(),
            TokenType::FlowMappingEnd | TokenType::FlowSequenceEnd => {
                self.close();
                self.flow = self.flow.saturating_sub(1);
            }
            TokenType::Key => {
                if let Some(last) = self.keys.last_mut() {
                    *last = Some(mark);
                }
            }
            TokenType::Value => self.value(mark)?,
            TokenType::Scalar(TScalarStyle::Plain, text)
                if self.flow > 0 && text.starts_with([':', '?', '|', '>']) =>
            {
                let message = "while scanning for the next token: found character that cannot start any token";
                return Err(pos.error(message));
            }
            TokenType::Scalar(style, text) if tabs => {
                if let Some(span) = scalar_span(&self.chars, &mark, style, &text) {
                    self.spans.push(span);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn close(&mut self) {
        if self.keys.len() > 1 {
            self.keys.pop();
        }
    }

    /// PyYAML only knows a key before `:` when the key is explicit (`?`)
    /// or a "simple key": on the same line, at most 1024 characters before.
    fn value(&mut self, mark: Marker) -> Result<(), LoadError> {
        let key = self.keys.last_mut().and_then(Option::take);
        let Some(key) = key else {
            return Err(Pos::of(&mark)
                .error("mapping values are not allowed here (no key before this ':')"));
        };
        let simple = key.line() == mark.line() && mark.index().saturating_sub(key.index()) <= 1024;
        if simple || self.chars.get(key.index()) == Some(&'?') {
            return Ok(());
        }
        let message = "while scanning a simple key: could not find expected ':' (a key must fit on one line, within 1024 characters)";
        Err(Pos::of(&key).error(message))
    }

    /// PyYAML's scanner skips only spaces between tokens ("Do not use tabs
    /// in YAML!"): a tab must be inside a quoted scalar, in a block scalar's
    /// text, or in a comment. Lines in `untabbed` had their leading tabs
    /// made spaces for yaml-rust2: they must start inside a quoted scalar.
    fn tabs(&mut self, untabbed: &[usize]) -> Result<(), LoadError> {
        self.spans.sort_unstable();
        let spans = &self.spans;
        let inside = |i: usize| {
            let after = spans.partition_point(|&(start, _)| start <= i);
            after > 0 && i < spans[after - 1].1
        };
        let (mut line, mut line_start, mut comment) = (1, 0, false);
        let error = |line, column| {
            let message = "while scanning for the next token: found character '\\t' that cannot start any token";
            Err(Pos { line, column }.error(message))
        };
        for (i, &c) in self.chars.iter().enumerate() {
            if i == line_start && untabbed.contains(&line) && !inside(i) {
                return error(line, 1);
            }
            match c {
                '\n' => (line, line_start, comment) = (line + 1, i + 1, false),
                '\r' if self.chars.get(i + 1) != Some(&'\n') => {
                    (line, line_start, comment) = (line + 1, i + 1, false)
                }
                '#' if !comment && (i == line_start || matches!(self.chars[i - 1], ' ' | '\t')) => {
                    comment = !inside(i);
                }
                '\t' if !comment && !inside(i) => return error(line, i - line_start + 1),
                _ => {}
            }
        }
        Ok(())
    }
}

/// The characters a scalar token covers where a tab is text: a quoted
/// scalar from quote to quote, a block scalar's lines.
fn scalar_span(
    chars: &[char],
    mark: &Marker,
    style: TScalarStyle,
    text: &str,
) -> Option<(usize, usize)> {
    let start = mark.index();
    match style {
        TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted => {
            Some((start, quote_end(chars, start)))
        }
        TScalarStyle::Literal | TScalarStyle::Folded if !text.chars().all(|c| c == '\n') => {
            // From the first text line on, lines blank or indented at least
            // as much as it belong to the scalar.
            let indent = mark.col();
            let first = start.checked_sub(indent)?;
            let mut end = first;
            for line in chars
                .get(first..)?
                .split_inclusive(|c| matches!(c, '\n' | '\r'))
            {
                let spaces = line.iter().take_while(|c| **c == ' ').count();
                let blank = line.iter().all(|c| matches!(c, ' ' | '\n' | '\r'));
                if end > first && spaces < indent && !blank {
                    break;
                }
                end += line.len();
            }
            Some((first, end))
        }
        _ => None,
    }
}

/// The index just past the closing quote of the quoted scalar at `start`.
pub(super) fn quote_end(chars: &[char], start: usize) -> usize {
    let Some(&quote) = chars.get(start) else {
        return chars.len();
    };
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if quote == '"' => i += 2,
            '\'' if quote == '\'' && chars.get(i + 1) == Some(&'\'') => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    chars.len()
}

pub(super) fn is_anchor_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// PyYAML's anchor and alias names: `[0-9A-Za-z_-]+`.
pub(super) fn is_anchor_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(is_anchor_char)
}

fn check_anchor(name: String, pos: Pos, seen: &mut HashMap<String, Pos>) -> Result<(), LoadError> {
    if let Some(bad) = name.chars().find(|c| !is_anchor_char(*c)) {
        let message = format!(
            "while scanning an anchor: expected alphabetic or numeric character, but found {bad:?}"
        );
        return Err(pos.error(message));
    }
    if let Some(first) = seen.get(&name) {
        let message = format!(
            "found duplicate anchor {name:?}; first occurrence at line {}, column {}",
            first.line, first.column
        );
        return Err(pos.error(message));
    }
    seen.insert(name, pos);
    Ok(())
}
