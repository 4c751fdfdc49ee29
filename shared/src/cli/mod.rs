//! Command lines declared once: each hand-parsed tool (snap, snapshot-apply,
//! incus-guard) writes one [`Spec`] — its commands and options with their
//! help lines and what each option sets — and gets from it the parser, its
//! usage and help text, and (through [`doc`]) its completions and man page.
//!
//! The parsing is the scripts' own, not getopt's: options are recognised
//! exactly (`--x VALUE`, `--x=VALUE`, flags only as `--x`), anything else is
//! a word, `--` is a word too (the scripts never ended options with it), and
//! an option may be limited to the first place (`restore --force`). clap
//! would change the scripts' messages and exit codes; clap tools reach the
//! same completions and man pages through [`doc::Doc::from_clap`].

pub mod doc;

/// What an option does to the tool's raw arguments `T`.
pub enum Set<T: 'static> {
    /// `--x`.
    Flag(fn(&mut T)),
    /// `--x VALUE` or `--x=VALUE`; an `Err` is the tool's message.
    Value {
        /// The value's name in the help text (`NAME`, `<group>`).
        name: &'static str,
        /// The message when the value is missing (the tool's own words).
        missing: &'static str,
        set: fn(&mut T, &str) -> Result<(), String>,
    },
}

/// One option of a tool or of one of its commands.
pub struct Opt<T: 'static> {
    pub long: &'static str,
    pub set: Set<T>,
    /// Recognised only as the first argument of its command (the scripts'
    /// `[[ $1 == --force ]] && shift`); anywhere else it is a word.
    pub first_only: bool,
    /// Help lines; none: not listed under "Options:".
    pub help: &'static [&'static str],
}

impl<T> Opt<T> {
    pub const fn flag(long: &'static str, set: fn(&mut T)) -> Self {
        Opt {
            long,
            set: Set::Flag(set),
            first_only: false,
            help: &[],
        }
    }

    pub const fn value(
        long: &'static str,
        name: &'static str,
        missing: &'static str,
        set: fn(&mut T, &str) -> Result<(), String>,
    ) -> Self {
        Opt {
            long,
            set: Set::Value { name, missing, set },
            first_only: false,
            help: &[],
        }
    }

    pub const fn first_only(self) -> Self {
        Opt {
            first_only: true,
            ..self
        }
    }

    pub const fn help(self, help: &'static [&'static str]) -> Self {
        Opt { help, ..self }
    }

    /// `--x` or `--x NAME`, as the help text shows it.
    pub fn synopsis(&self) -> String {
        match &self.set {
            Set::Flag(_) => self.long.to_owned(),
            Set::Value { name, .. } => format!("{} {name}", self.long),
        }
    }

    pub fn takes_value(&self) -> bool {
        matches!(self.set, Set::Value { .. })
    }
}

/// How many plain words a command takes before the rest is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Words {
    Any,
    /// More is an error, the tool's [`Spec::extra_word`] message naming the
    /// first word too many, at its place among the options.
    AtMost(usize),
}

/// One command (`create`, `start`, …).
pub struct Sub<T: 'static, C: 'static> {
    /// What the tool matches on once the word is found.
    pub key: C,
    pub name: &'static str,
    /// Its arguments as the help text shows them (`<instance|self> [snap-name]`).
    pub args: &'static str,
    pub help: &'static [&'static str],
    pub options: &'static [Opt<T>],
    pub words: Words,
    /// Accepted, but not in the help text nor offered by completions.
    pub hidden: bool,
    /// Columns this row's help moves right (left when negative) of the
    /// table's column: a script's hand-aligned table kept to the byte.
    pub nudge: isize,
}

// `C: Copy`: a const fn may only drop what has no destructor.
impl<T, C: Copy> Sub<T, C> {
    pub const fn new(
        key: C,
        name: &'static str,
        args: &'static str,
        help: &'static [&'static str],
    ) -> Self {
        Sub {
            key,
            name,
            args,
            help,
            options: &[],
            words: Words::Any,
            hidden: false,
            nudge: 0,
        }
    }

    pub const fn options(self, options: &'static [Opt<T>]) -> Self {
        Sub { options, ..self }
    }

    pub const fn words(self, words: Words) -> Self {
        Sub { words, ..self }
    }

    pub const fn hidden(self) -> Self {
        Sub {
            hidden: true,
            ..self
        }
    }

    pub const fn nudge(self, nudge: isize) -> Self {
        Sub { nudge, ..self }
    }
}

/// How a table of the help text lays out its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `  NAME ARGS HELP`, name and arguments padded to these widths, one
    /// space between columns.
    Columns { name: usize, args: usize },
    /// `  NAME ARGS` padded to `width`, `gap` spaces, the help; a longer
    /// head puts its help on the next line, under the others.
    Joined { width: usize, gap: usize },
}

/// A tool's whole command line.
pub struct Spec<T: 'static, C: 'static> {
    pub name: &'static str,
    /// One line for the man page's NAME.
    pub about: &'static str,
    /// What follows `Usage: <program> `; `{commands}` stands for the
    /// visible command names joined by `|`.
    pub usage: &'static str,
    /// Options taken anywhere on the line, before the command is looked at.
    pub options: &'static [Opt<T>],
    pub options_layout: Layout,
    pub commands_title: &'static str,
    pub commands: &'static [Sub<T, C>],
    pub layout: Layout,
    /// Free text closing the help (notes, examples), ending in a newline.
    pub notes: &'static str,
    /// The message for a word too many ([`Words::AtMost`]).
    pub extra_word: fn(&str) -> String,
}

/// Applies `options` to `raw` in argument order and returns the words
/// left, keeping their order. Stops at the first error (a missing value,
/// a value an option refuses, a word too many), as the scripts did.
pub fn lex<'a, T, S: AsRef<str>>(
    args: &'a [S],
    options: &[Opt<T>],
    words: Words,
    extra_word: fn(&str) -> String,
    raw: &mut T,
) -> Result<Vec<&'a str>, String> {
    let mut left = Vec::new();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        let arg = arg.as_ref();
        let first = i == 0;
        i += 1;
        let opt = options
            .iter()
            .filter(|o| first || !o.first_only)
            .find_map(|o| {
                if arg == o.long {
                    return Some((o, None));
                }
                let inline = arg.strip_prefix(o.long)?.strip_prefix('=')?;
                o.takes_value().then_some((o, Some(inline)))
            });
        match opt {
            Some((o, inline)) => match &o.set {
                Set::Flag(set) => set(raw),
                Set::Value { missing, set, .. } => {
                    let value = match inline {
                        Some(v) => v,
                        None => {
                            let v = args.get(i).ok_or(*missing)?;
                            i += 1;
                            v.as_ref()
                        }
                    };
                    set(raw, value)?;
                }
            },
            None => {
                if let Words::AtMost(n) = words {
                    if left.len() == n {
                        return Err(extra_word(arg));
                    }
                }
                left.push(arg);
            }
        }
    }
    Ok(left)
}

/// `--help` or `-h` anywhere among `words`: the scripts' help asked for.
/// The process's arguments after the program name, as text. An argument
/// that is not UTF-8 is refused: these tools pass names to Incus, and a
/// lossy copy would act on a name the user never typed.
pub fn args() -> Result<Vec<String>, crate::Error> {
    args_from(std::env::args_os().skip(1))
}

fn args_from(raw: impl Iterator<Item = std::ffi::OsString>) -> Result<Vec<String>, crate::Error> {
    raw.map(|a| {
        a.into_string().map_err(|bad| {
            crate::Error::new(format!(
                "argument {bad:?} is not valid UTF-8; Incus names and snapshot names are text"
            ))
        })
    })
    .collect()
}

pub fn wants_help(words: &[&str]) -> bool {
    words.iter().any(|w| matches!(*w, "--help" | "-h"))
}

impl<T, C: Copy> Spec<T, C> {
    /// The global options applied to `raw`; the words left.
    pub fn lex<'a, S: AsRef<str>>(
        &self,
        args: &'a [S],
        raw: &mut T,
    ) -> Result<Vec<&'a str>, String> {
        lex(args, self.options, Words::Any, self.extra_word, raw)
    }

    /// The command named `word` (hidden ones too).
    pub fn command(&self, word: &str) -> Option<&Sub<T, C>> {
        self.commands.iter().find(|c| c.name == word)
    }

    /// `sub`'s options applied to `raw`; its words.
    pub fn lex_command<'a>(
        &self,
        sub: &Sub<T, C>,
        args: &'a [&str],
        raw: &mut T,
    ) -> Result<Vec<&'a str>, String> {
        lex(args, sub.options, sub.words, self.extra_word, raw)
    }

    fn visible(&self) -> impl Iterator<Item = &Sub<T, C>> {
        self.commands.iter().filter(|c| !c.hidden)
    }

    /// `Usage: <prog> …`, without a newline.
    pub fn usage_line(&self, prog: &str) -> String {
        let names: Vec<&str> = self.visible().map(|c| c.name).collect();
        let usage = self.usage.replace("{commands}", &names.join("|"));
        format!("Usage: {prog} {usage}")
    }

    /// `Usage: <name> <command> <its arguments>`: one command's usage error.
    pub fn command_usage(&self, sub: &Sub<T, C>) -> String {
        format!("Usage: {} {} {}", self.name, sub.name, sub.args)
    }

    /// The whole help text, ending in a newline.
    pub fn help(&self, prog: &str) -> String {
        let mut out = self.usage_line(prog);
        out.push_str("\n\n");
        out.push_str(self.commands_title);
        out.push('\n');
        for c in self.visible() {
            row(&mut out, self.layout, c.nudge, c.name, c.args, c.help);
        }
        let options: Vec<&Opt<T>> = self.options.iter().filter(|o| !o.help.is_empty()).collect();
        if !options.is_empty() {
            out.push_str("\nOptions:\n");
            for o in options {
                row(&mut out, self.options_layout, 0, &o.synopsis(), "", o.help);
            }
        }
        if !self.notes.is_empty() {
            out.push('\n');
            out.push_str(self.notes);
        }
        out
    }
}

/// One row of a help table, newline included.
fn row(out: &mut String, layout: Layout, nudge: isize, name: &str, args: &str, help: &[&str]) {
    let indent = match layout {
        Layout::Columns { name: n, args: a } => {
            let a = a.saturating_add_signed(nudge);
            out.push_str(&format!("  {name:<n$} {args:<a$} "));
            2 + n + 1 + a + 1
        }
        Layout::Joined { width, gap } => {
            let head = if args.is_empty() {
                name.to_owned()
            } else {
                format!("{name} {args}")
            };
            let width = width.saturating_add_signed(nudge);
            if head.len() <= width {
                out.push_str(&format!("  {head:<width$}{:gap$}", ""));
            } else {
                out.push_str(&format!("  {head}\n{:1$}", "", 2 + width + gap));
            }
            2 + width + gap
        }
    };
    for (i, line) in help.iter().enumerate() {
        if i > 0 {
            out.push_str(&format!("{:indent$}", ""));
        }
        out.push_str(line);
        out.push('\n');
    }
    if help.is_empty() {
        out.truncate(out.trim_end_matches(' ').len());
        out.push('\n');
    }
}

#[cfg(test)]
mod tests;
