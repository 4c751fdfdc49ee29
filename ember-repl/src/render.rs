//! Terminal output: the banner, the runtime panel, styles, and sanitising.
//!
//! All output goes through [`Ui`], which ignores write errors (a closed pipe
//! must not panic the REPL) and strips control characters from anything the
//! model or a file produced, so escape sequences in model output are shown
//! as text and cannot move the cursor or recolour the terminal.

use std::io::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Label,
    Dim,
    Warn,
    Error,
    Answer,
}

impl Style {
    fn sgr(self) -> &'static str {
        match self {
            Style::Plain => "",
            Style::Label => "\x1b[1;36m",
            Style::Dim => "\x1b[2m",
            Style::Warn => "\x1b[33m",
            Style::Error => "\x1b[31m",
            Style::Answer => "\x1b[1;36m",
        }
    }
}

/// Where the REPL writes. `tty` enables colours and the transient status line.
pub struct Ui<'a> {
    out: &'a mut dyn Write,
    pub color: bool,
    pub tty: bool,
    status_shown: bool,
}

impl<'a> Ui<'a> {
    pub fn new(out: &'a mut dyn Write, tty: bool, color: bool) -> Ui<'a> {
        Ui {
            out,
            color: color && tty,
            tty,
            status_shown: false,
        }
    }

    /// Raw text (already safe), flushed.
    pub fn raw(&mut self, s: &str) {
        let _ = self.out.write_all(s.as_bytes());
        let _ = self.out.flush();
    }

    /// Untrusted text, sanitised, in a style, no newline.
    pub fn styled(&mut self, style: Style, s: &str) {
        self.clear_status();
        let clean = sanitize(s);
        if self.color && style != Style::Plain {
            self.raw(&format!("{}{clean}\x1b[0m", style.sgr()));
        } else {
            self.raw(&clean);
        }
    }

    /// A full line of untrusted text.
    pub fn line(&mut self, style: Style, s: &str) {
        self.styled(style, s);
        self.raw("\n");
    }

    /// A transient "[Thinking] …" line on a terminal; nothing when piped.
    pub fn status(&mut self, s: &str) {
        if !self.tty {
            return;
        }
        self.clear_status();
        let text = if self.color {
            format!("\x1b[2;36m{}\x1b[0m", sanitize(s))
        } else {
            sanitize(s)
        };
        self.raw(&text);
        self.status_shown = true;
    }

    pub fn clear_status(&mut self) {
        if self.status_shown {
            self.status_shown = false;
            self.raw("\r\x1b[K");
        }
    }

    /// The `Ember> ` prefix of an answer.
    pub fn answer_prefix(&mut self) {
        self.styled(Style::Answer, "Ember> ");
    }
}

/// Drops control characters other than newline and tab (ESC included).
pub fn sanitize(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect()
}

/// The banner: product, vault and mode.
pub fn banner(vault: &str, mode: &str) -> String {
    let title = "Ember · operator console";
    let width = 44;
    let bar = "━".repeat(width);
    format!(
        "┏{bar}┓\n┃  {title:<w$}┃\n┗{bar}┛\nVault dir : {vault}\nMode      : {mode}\n",
        w = width - 2
    )
}

/// A titled box around `rows` of (label, value).
pub fn panel(title: &str, rows: &[(&str, String)]) -> String {
    let label_w = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let lines: Vec<String> = rows
        .iter()
        .map(|(l, v)| format!("{l:label_w$}  {}", sanitize(v)))
        .collect();
    let title_w = title.chars().count();
    let inner = lines
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
        .max(title_w + 2);
    // "╭─ title " + fill + "╮" is as wide as "│ " + inner + " │".
    let top_fill = "─".repeat(inner - title_w - 1);
    let mut out = format!("╭─ {title} {top_fill}╮\n");
    for l in &lines {
        let pad = inner - l.chars().count();
        out.push_str(&format!("│ {l}{} │\n", " ".repeat(pad)));
    }
    out.push_str(&format!("╰{}╯\n", "─".repeat(inner + 2)));
    out
}

/// The two lines under the panel.
pub const HINTS: [&str; 2] = [
    "Type /help for Ember's commands; anything else is a prompt for the local model.",
    "Leave with quit, exit or Ctrl-D. Ctrl-C cancels the current line or answer.",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_keeps_text_and_brackets_drops_escapes() {
        assert_eq!(
            sanitize("[bold]hi[/bold] \x1b[2Jok\r\n\tz\u{9b}"),
            "[bold]hi[/bold] [2Jok\n\tz"
        );
    }

    #[test]
    fn panel_is_rectangular() {
        let p = panel(
            "Ember Runtime",
            &[("Model", "tiny.gguf".into()), ("Max tokens", "128".into())],
        );
        let widths: Vec<usize> = p.lines().map(|l| l.chars().count()).collect();
        assert!(widths.windows(2).all(|w| w[0] == w[1]), "{p}");
        assert!(p.contains("│ Max tokens  128"));
        assert!(banner("/vault", "local").contains("Vault dir : /vault\nMode      : local"));
    }

    #[test]
    fn ui_strips_and_hides_status_when_piped() {
        let mut buf = Vec::new();
        let mut ui = Ui::new(&mut buf, false, true);
        ui.status("[Thinking] ...");
        ui.answer_prefix();
        ui.line(Style::Error, "bad \x1b]0;title\x07 thing");
        assert_eq!(
            String::from_utf8(buf).expect("utf8"),
            "Ember> bad ]0;title thing\n"
        );
    }
}
