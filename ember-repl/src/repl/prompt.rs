//! The input prompt: `> `, tinted on colour terminals.

/// The prompt as rustyline wants it: (plain, styled); both are 2 columns wide.
pub fn prompt(color: bool) -> (&'static str, &'static str) {
    if color {
        (PLAIN, "\x1b[1;36m>\x1b[0m ")
    } else {
        (PLAIN, PLAIN)
    }
}

/// The prompt without colour, also echoed before piped lines.
pub const PLAIN: &str = "> ";
