//! Terminal output: the banner, the runtime panel, styles, and sanitising.
//!
//! All output goes through [`Ui`], which ignores write errors (a closed pipe
//! must not panic the REPL) and passes anything the model, a file or a file
//! name produced through [`sanitize`], the one place that decides what may
//! reach the terminal: escape sequences are removed whole, other control
//! characters and bidi overrides dropped, so nothing can move the cursor,
//! recolour or retitle the terminal, or reorder what the operator reads.

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
    /// Where the streamed answer is in an escape sequence.
    stream: Sanitizer,
}

impl<'a> Ui<'a> {
    pub fn new(out: &'a mut dyn Write, tty: bool, color: bool) -> Ui<'a> {
        Ui {
            out,
            color: color && tty,
            tty,
            status_shown: false,
            stream: Sanitizer::default(),
        }
    }

    /// Raw text (already safe), flushed.
    pub fn raw(&mut self, s: &str) {
        let _ = self.out.write_all(s.as_bytes());
        let _ = self.out.flush();
    }

    /// Untrusted text, sanitised, in a style, no newline.
    pub fn styled(&mut self, style: Style, s: &str) {
        // Anything else ends a stream: a sequence it left open must not
        // swallow what follows.
        self.stream = Sanitizer::default();
        self.clear_status();
        let clean = sanitize(s);
        self.paint(style, &clean);
    }

    /// One piece of a streamed answer: a sequence split between pieces is
    /// removed whole.
    pub fn stream(&mut self, style: Style, piece: &str) {
        self.clear_status();
        let mut clean = String::with_capacity(piece.len());
        let mut state = std::mem::take(&mut self.stream);
        state.feed(piece, &mut clean);
        self.paint(style, &clean);
        self.stream = state;
    }

    fn paint(&mut self, style: Style, clean: &str) {
        if self.color && style != Style::Plain {
            self.raw(&format!("{}{clean}\x1b[0m", style.sgr()));
        } else {
            self.raw(clean);
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

/// Bidi embeddings, overrides, isolates and marks: invisible, yet they
/// reorder the text around them (U+202E shows `gguf.exe` as `exe.fugg`).
fn is_bidi(c: char) -> bool {
    matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Where a [`Sanitizer`] is in the text it is fed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Seq {
    #[default]
    Text,
    /// After ESC.
    Esc,
    /// In a CSI sequence, up to its final character.
    Csi,
    /// In an OSC/DCS/APC/PM/SOS string, up to BEL or ST.
    Str,
    /// ESC inside a string (the start of `ESC \\`).
    StrEsc,
}

/// [`sanitize`] over text that arrives in pieces (a streamed answer): a
/// sequence split between two pieces is still removed whole.
#[derive(Debug, Clone, Default)]
pub struct Sanitizer {
    seq: Seq,
}

impl Sanitizer {
    /// Appends the safe part of `s` to `out`.
    pub fn feed(&mut self, s: &str, out: &mut String) {
        for c in s.chars() {
            self.seq = match (self.seq, c) {
                (Seq::Text, '\u{1b}') => Seq::Esc,
                (Seq::Text, '\u{9b}') | (Seq::Esc, '[') => Seq::Csi,
                (Seq::Text, '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}')
                | (Seq::Esc, ']' | 'P' | 'X' | '^' | '_') => Seq::Str,
                (Seq::Text, '\n' | '\t') => {
                    out.push(c);
                    Seq::Text
                }
                (Seq::Text, c) => {
                    if !c.is_control() && !is_bidi(c) {
                        out.push(c);
                    }
                    Seq::Text
                }
                // `ESC x`: a two-character sequence.
                (Seq::Esc, _) => Seq::Text,
                (Seq::Csi, c) if ('\u{20}'..='\u{3f}').contains(&c) => Seq::Csi,
                (Seq::Csi, _) => Seq::Text,
                (Seq::Str | Seq::StrEsc, '\u{7}' | '\u{9c}') => Seq::Text,
                (Seq::Str | Seq::StrEsc, '\u{1b}') => Seq::StrEsc,
                (Seq::StrEsc, '\\') => Seq::Text,
                (Seq::Str | Seq::StrEsc, _) => Seq::Str,
            };
        }
    }
}

/// Text safe for the terminal: escape sequences (CSI `ESC [ … final`, OSC
/// `ESC ] … BEL/ST`, DCS/APC/PM/SOS strings, two-character `ESC x`, and
/// their C1 forms) removed whole; other C0/C1 controls and bidi controls
/// dropped; newline and tab kept. A sequence cut off by the end of `s` is
/// dropped up to there.
pub fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    Sanitizer::default().feed(s, &mut out);
    out
}

/// A name (a file name, a model name) on one line: [`sanitize`], then
/// newlines and tabs as spaces.
pub fn sanitize_name(s: &str) -> String {
    sanitize(s).replace(['\n', '\t'], " ")
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
            "[bold]hi[/bold] ok\n\tz"
        );
    }

    #[test]
    fn sanitize_removes_every_kind_of_sequence_and_bidi() {
        for (raw, want) in [
            ("x\x1b]2;TITLE\x07y.gguf", "xy.gguf"),
            ("x\x1b]8;;http://e\x1b\\link\x1b]8;;\x1b\\", "xlink"),
            ("\x1b[41mred\x1b[0m", "red"),
            ("\x1b[?1049h\x1bcz", "z"),
            ("a\u{9b}31mb\u{9d}0;t\u{9c}c", "abc"),
            ("\x1bPq#0;2;0;0;0\x1b\\d", "d"),
            ("evil\u{202e}fugg.exe\u{2066}\u{200f}", "evilfugg.exe"),
            ("cut \x1b]0;never ends", "cut "),
            ("\x1b", ""),
            ("é😀 [x]", "é😀 [x]"),
        ] {
            assert_eq!(sanitize(raw), want, "{raw:?}");
        }
        assert_eq!(sanitize_name("a\nb\tc\x1b[1m"), "a b c");
    }

    #[test]
    fn a_sequence_split_across_stream_pieces_is_removed_whole() {
        let mut buf = Vec::new();
        let mut ui = Ui::new(&mut buf, false, false);
        for piece in [
            "ok \x1b",
            "[3",
            "1mred \x1b]0;ti",
            "tle\x1b",
            "\\ \u{202e}x",
        ] {
            ui.stream(Style::Plain, piece);
        }
        // An open sequence does not swallow the next line.
        ui.stream(Style::Plain, "\x1b]0;never closed");
        ui.line(Style::Plain, " next");
        assert_eq!(String::from_utf8(buf).expect("utf8"), "ok red  x next\n");
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
        assert_eq!(String::from_utf8(buf).expect("utf8"), "Ember> bad  thing\n");
    }
}
