//! Where yaml-rust2 wants whitespace that PyYAML does without.
//!
//! Rather than fork yaml-rust2's scanner, the text gets the whitespace it
//! asks for and is parsed again. The edits are remembered so that errors
//! point into the original text, and so that the token checks can still
//! refuse what PyYAML would have refused in the unpatched text.

use super::compose::{compose, Composed};
use super::tokens::{is_anchor_char, is_anchor_name, quote_end};
use super::{LoadError, Pos};
use std::borrow::Cow;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use yaml_rust2::scanner::{Scanner, Token, TokenType};

/// yaml-rust2 (YAML 1.2) wants the continuation lines of quoted scalars and
/// flow collections indented past the enclosing block, without tabs, and a
/// space before a comment; PyYAML does not care, and neither does the value.
/// So where yaml-rust2 complains about one of those, the text gets the
/// whitespace it wants and is parsed again, a few times at most.
pub(super) fn compose_patched(src: &str) -> Result<(Composed, Cow<'_, str>, Patches), LoadError> {
    const MAX_PATCHES: usize = 64;
    let mut text = Cow::Borrowed(src);
    let mut patches = Patches::default();
    for _ in 0..=MAX_PATCHES {
        let error = match compose(&text) {
            Ok(composed) => return Ok((composed, text, patches)),
            Err(e) => e,
        };
        match patches.apply(&text, &error) {
            Some(patched) => text = Cow::Owned(patched),
            None => return Err(patches.original_position(error)),
        }
    }
    Err(Pos { line: 1, column: 1 }.error("too many continuation lines to re-indent"))
}

/// The whitespace edits made so far.
#[derive(Default)]
pub(super) struct Patches {
    /// Spaces added before a (1-based) line's text, to report columns of the
    /// original text.
    shifted: HashMap<usize, usize>,
    /// Lines whose leading tabs became spaces: PyYAML accepts those tabs
    /// only inside a quoted scalar, which is checked once tokens are known.
    pub(super) untabbed: Vec<usize>,
    /// Alias names split from a following `:?%@` (1-based line, name).
    pub(super) split_aliases: Vec<(usize, String)>,
}

impl Patches {
    /// The text with the whitespace the error asks for, or `None` when the
    /// error is not one of those (or PyYAML would refuse the text too).
    fn apply(&mut self, text: &str, error: &LoadError) -> Option<String> {
        // Edits are made by line, and yaml-rust2 also counts a lone `\r`.
        if text.replace("\r\n", "").contains('\r') {
            return None;
        }
        let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
        if text.contains('*') && self.end_alias(text, &mut lines).is_some() {
            return Some(lines.concat());
        }
        let (index, column) = (error.line.checked_sub(1)?, error.column.checked_sub(1)?);
        let done = match error.message.as_str() {
            "expected whitespace" if text.ends_with('?') => {
                lines.push("\n".into());
                Some(())
            }
            "comments must be separated from other tokens by whitespace" => {
                self.space_comment(&mut lines, index, column)
            }
            "invalid indentation in quoted scalar" => self.indent_quoted(&mut lines, index, column),
            "invalid indentation in flow construct" | "invalid indentation" => {
                self.indent_flow(&mut lines, index)
            }
            "tab cannot be used as indentation" => self.untab(&mut lines, index),
            _ if text.contains('*') => self.split_alias_text(&mut lines, index, column),
            _ => None,
        };
        done.map(|()| lines.concat())
    }

    fn original_position(&self, error: LoadError) -> LoadError {
        let shift = self.shifted.get(&error.line).copied().unwrap_or(0);
        let column = if error.column > shift {
            error.column - shift
        } else {
            error.column
        };
        LoadError { column, ..error }
    }

    /// PyYAML takes a `#` right after a quoted scalar or a flow collection
    /// for a comment.
    fn space_comment(&mut self, lines: &mut [String], index: usize, column: usize) -> Option<()> {
        let line = lines.get_mut(index)?;
        let (at, c) = line.char_indices().nth(column)?;
        if c != '#' || !line[..at].ends_with(['"', '\'', ']', '}']) {
            return None;
        }
        line.insert(at, ' ');
        *self.shifted.entry(index + 1).or_insert(0) += 1;
        Some(())
    }

    /// PyYAML ends an alias name at the first character outside
    /// `[0-9A-Za-z_-]` (if it may follow one), yaml-rust2 only at a space or
    /// a flow indicator: `*base:` is `*base :` to PyYAML. Finds the first
    /// such alias before the error and splits it.
    fn end_alias(&mut self, text: &str, lines: &mut [String]) -> Option<()> {
        let mut scanner = Scanner::new(text.chars());
        let (mark, name) = std::iter::from_fn(|| {
            catch_unwind(AssertUnwindSafe(|| scanner.next()))
                .ok()
                .flatten()
        })
        .find_map(|Token(mark, token)| match token {
            TokenType::Alias(name) if !is_anchor_name(&name) => Some((mark, name)),
            _ => None,
        })?;
        let end = name.find(|c: char| !is_anchor_char(c))?;
        if end == 0 || !name[end..].starts_with(['?', ':', '%', '@', '`']) {
            return None;
        }
        let line = lines.get_mut(mark.line().checked_sub(1)?)?;
        let (at, _) = line
            .char_indices()
            .nth(mark.col() + 1 + name[..end].chars().count())?;
        line.insert(at, ' ');
        *self.shifted.entry(mark.line()).or_insert(0) += 1;
        Some(())
    }

    /// When yaml-rust2 gave no alias token before failing (it holds back a
    /// possible key), the `*name:` closest before the error is split the
    /// same way; that it really was an alias is checked once tokens are
    /// known, since the same characters could be inside a scalar.
    fn split_alias_text(
        &mut self,
        lines: &mut [String],
        index: usize,
        column: usize,
    ) -> Option<()> {
        let (line, at, name) = (0..=index).rev().find_map(|i| {
            let limit = if i == index { column } else { usize::MAX };
            alias_candidate(lines.get(i)?, limit).map(|(at, name)| (i, at, name))
        })?;
        lines[line].insert(at + 1 + name.len(), ' ');
        *self.shifted.entry(line + 1).or_insert(0) += 1;
        self.split_aliases.push((line + 1, name));
        Some(())
    }

    /// Every continuation line of the quoted scalar starting at `column`
    /// gets indented past its opening quote.
    fn indent_quoted(&mut self, lines: &mut [String], index: usize, column: usize) -> Option<()> {
        let (at, quote) = lines.get(index)?.char_indices().nth(column)?;
        if !matches!(quote, '"' | '\'') {
            return None;
        }
        let rest: Vec<char> = lines[index..].concat()[at..].chars().collect();
        let breaks = rest[..quote_end(&rest, 0)]
            .iter()
            .filter(|c| **c == '\n')
            .count();
        for line in index + 1..=index + breaks {
            self.indent(lines, line, column + 1)?;
        }
        Some(())
    }

    /// The flow collection's line that yaml-rust2 found under-indented gets
    /// indented past the line before it (more at each new complaint).
    fn indent_flow(&mut self, lines: &mut [String], index: usize) -> Option<()> {
        let spaces = leading_spaces(lines.get(index)?);
        let before = lines[..index].iter().rev().find(|l| !l.trim().is_empty());
        let wanted = before.map_or(0, |l| leading_spaces(l)) + 1;
        let done = self.shifted.get(&(index + 1)).copied().unwrap_or(0);
        self.indent(lines, index, wanted.max(spaces + done.max(1)))
    }

    /// Tabs leading a line become spaces (left to be checked).
    fn untab(&mut self, lines: &mut [String], index: usize) -> Option<()> {
        let line = lines.get_mut(index)?;
        let lead = line.len() - line.trim_start_matches([' ', '\t']).len();
        if !line[..lead].contains('\t') {
            return None;
        }
        let spaces = " ".repeat(lead);
        line.replace_range(..lead, &spaces);
        self.untabbed.push(index + 1);
        Some(())
    }

    /// Gives a line at least `wanted` leading spaces, unless it is a
    /// document marker (which PyYAML refuses inside a scalar).
    fn indent(&mut self, lines: &mut [String], index: usize, wanted: usize) -> Option<()> {
        let line = lines.get_mut(index)?;
        let marker = (line.starts_with("---") || line.starts_with("..."))
            && !matches!(line[3..].chars().next(), Some(c) if !c.is_whitespace());
        if marker {
            return None;
        }
        let spaces = leading_spaces(line);
        if spaces < wanted && !line.trim().is_empty() {
            line.insert_str(0, &" ".repeat(wanted - spaces));
            *self.shifted.entry(index + 1).or_insert(0) += wanted - spaces;
        }
        Some(())
    }
}

/// The last `*name` followed by one of `:?%@` in a line, starting before
/// character `limit`: its byte offset and name.
fn alias_candidate(line: &str, limit: usize) -> Option<(usize, String)> {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let starts = chars.iter().enumerate().filter(|&(i, &(_, c))| {
        c == '*' && i < limit && (i == 0 || matches!(chars[i - 1].1, ' ' | '\t' | '[' | '{' | ','))
    });
    starts
        .filter_map(|(_, &(at, _))| {
            let rest = &line[at + 1..];
            let end = rest.find(|c: char| !is_anchor_char(c))?;
            let ok = end > 0 && rest[end..].starts_with([':', '?', '%', '@', '`']);
            ok.then(|| (at, rest[..end].to_owned()))
        })
        .next_back()
}

fn leading_spaces(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}
