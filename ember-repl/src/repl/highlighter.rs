//! Highlighting and hints while typing.
//!
//! A slash command is tinted cyan when it exists and red when it does not;
//! the hint shows the rest of the only command matching what was typed
//! (`/sta` → `tus`), dimmed, accepted with the right arrow.

use super::EmberHelper;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::Context;
use std::borrow::Cow;

impl Hinter for EmberHelper {
    type Hint = String;

    fn hint(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> Option<String> {
        hint_for(line, pos)
    }
}

/// The completion hint for `line` with the cursor at `pos`.
pub fn hint_for(line: &str, pos: usize) -> Option<String> {
    if pos != line.len() || !line.starts_with('/') || line.len() < 2 || line.contains(' ') {
        return None;
    }
    let matches: Vec<String> = crate::commands::completions()
        .into_iter()
        .filter(|c| c.starts_with(line))
        .collect();
    match matches.as_slice() {
        [only] if only.len() > line.len() => Some(only[line.len()..].to_string()),
        _ => None,
    }
}

impl Highlighter for EmberHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if !self.color || !line.starts_with('/') {
            return Cow::Borrowed(line);
        }
        let end = line.find(' ').unwrap_or(line.len());
        let word = &line[..end];
        let known = crate::commands::completions()
            .iter()
            .any(|c| c == &word.to_lowercase());
        let color = if known { "\x1b[36m" } else { "\x1b[31m" };
        Cow::Owned(format!("{color}{word}\x1b[0m{}", &line[end..]))
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if self.color {
            Cow::Owned(format!("\x1b[2m{hint}\x1b[0m"))
        } else {
            Cow::Borrowed(hint)
        }
    }

    fn highlight_char(&self, line: &str, _pos: usize, _kind: CmdKind) -> bool {
        self.color && line.starts_with('/')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_only_a_unique_completion() {
        assert_eq!(hint_for("/sta", 4), Some("tus".into()));
        assert_eq!(hint_for("/h", 2), None, "help and history");
        assert_eq!(hint_for("/status", 7), None);
        assert_eq!(hint_for("/sta", 2), None);
        assert_eq!(hint_for("status", 6), None);
    }
}
