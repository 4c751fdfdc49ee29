//! Completions (bash, zsh, fish) and man pages, rendered from a tool's
//! command-line declaration: a [`super::Spec`] for the hand-parsed tools,
//! clap's `Command` for the others. Every tool answers the hidden
//! `--completions <bash|zsh|fish> [NAME]` and `--man [NAME]` (NAME: the
//! command the text is for, e.g. the Debian package's `anklume-snap`), which
//! is how `scripts/package-deb.sh` gets them.

use super::{Opt as SpecOpt, Spec};

/// What completions and a man page need to know of a command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Doc {
    pub name: String,
    pub about: String,
    /// The usage line without `Usage: `.
    pub usage: String,
    /// Options of the tool itself.
    pub options: Vec<Opt>,
    /// Positional arguments of the tool itself: name and help.
    pub arguments: Vec<(String, String)>,
    pub commands: Vec<Command>,
    /// Free text (notes, examples), shown as is.
    pub notes: String,
}

/// One option: its spellings (`-o`, `--output`), its value's name if it
/// takes one, its help.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Opt {
    pub names: Vec<String>,
    pub value: Option<String>,
    pub help: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Command {
    pub name: String,
    pub args: String,
    pub help: String,
    pub options: Vec<Opt>,
}

fn help_opt() -> Opt {
    Opt {
        names: vec!["--help".into()],
        value: None,
        help: "Show the help".into(),
    }
}

impl<T> From<&SpecOpt<T>> for Opt {
    fn from(o: &SpecOpt<T>) -> Self {
        let value = match &o.set {
            super::Set::Flag(_) => None,
            super::Set::Value { name, .. } => Some((*name).to_owned()),
        };
        Opt {
            names: vec![o.long.to_owned()],
            value,
            help: o.help.join(" "),
        }
    }
}

impl<T, C: Copy> Spec<T, C> {
    /// The declaration as completions and man pages see it.
    pub fn doc(&self) -> Doc {
        let mut options: Vec<Opt> = self.options.iter().map(Opt::from).collect();
        options.push(help_opt());
        Doc {
            name: self.name.to_owned(),
            about: self.about.to_owned(),
            usage: self.usage_line(self.name)["Usage: ".len()..].to_owned(),
            options,
            arguments: Vec::new(),
            commands: self
                .visible()
                .map(|c| Command {
                    name: c.name.to_owned(),
                    args: c.args.to_owned(),
                    help: c.help.join(" "),
                    options: c.options.iter().map(Opt::from).collect(),
                })
                .collect(),
            notes: self.notes.to_owned(),
        }
    }
}

#[cfg(feature = "clap")]
impl Doc {
    /// The declaration of a clap tool (hidden arguments and commands left out).
    pub fn from_clap(cmd: clap::Command) -> Doc {
        let mut cmd = cmd;
        cmd.build();
        let usage = cmd.render_usage().to_string();
        let usage = usage.trim().trim_start_matches("Usage:").trim().to_owned();
        let text =
            |s: Option<&clap::builder::StyledStr>| s.map(|s| s.to_string()).unwrap_or_default();
        let (arguments, options) = clap_args(&cmd);
        Doc {
            name: cmd.get_name().to_owned(),
            about: text(cmd.get_about()),
            usage,
            options,
            arguments,
            commands: cmd
                .get_subcommands()
                .filter(|c| !c.is_hide_set())
                .map(|c| {
                    let (args, options) = clap_args(c);
                    Command {
                        name: c.get_name().to_owned(),
                        args: args
                            .iter()
                            .map(|(n, _)| format!("<{n}>"))
                            .collect::<Vec<_>>()
                            .join(" "),
                        help: text(c.get_about()),
                        options,
                    }
                })
                .collect(),
            notes: text(cmd.get_after_help()),
        }
    }
}

/// A clap command's positionals (name, help) and options.
#[cfg(feature = "clap")]
fn clap_args(cmd: &clap::Command) -> (Vec<(String, String)>, Vec<Opt>) {
    let mut positionals = Vec::new();
    let mut options = Vec::new();
    for a in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
        let value = a
            .get_value_names()
            .and_then(|v| v.first())
            .map(|v| v.to_string())
            .unwrap_or_else(|| a.get_id().to_string().to_uppercase());
        if a.is_positional() {
            positionals.push((value, help));
            continue;
        }
        let mut names = Vec::new();
        if let Some(s) = a.get_short() {
            names.push(format!("-{s}"));
        }
        if let Some(l) = a.get_long() {
            names.push(format!("--{l}"));
        }
        options.push(Opt {
            names,
            value: a.get_action().takes_values().then_some(value),
            help,
        });
    }
    (positionals, options)
}

/// `name` with only the characters a shell word and a function name can
/// take as they are; `None` for anything else.
fn plain(name: &str) -> Option<&str> {
    let ok = !name.is_empty()
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    ok.then_some(name)
}

/// A word a completion may offer: an option or command name of plain
/// characters (anything else is left out rather than quoted).
fn offered(word: &str) -> bool {
    let w = word.trim_start_matches('-');
    !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// The first line of a help text.
fn line(help: &str) -> &str {
    help.lines().next().unwrap_or("").trim()
}

impl Doc {
    fn option_names(options: &[Opt]) -> impl Iterator<Item = &str> {
        options
            .iter()
            .flat_map(|o| o.names.iter())
            .map(String::as_str)
            .filter(|n| offered(n))
    }

    /// Names of every option that takes a value (its value is not ours to complete).
    fn value_options(&self) -> Vec<&str> {
        let mut all: Vec<&str> = self
            .options
            .iter()
            .chain(self.commands.iter().flat_map(|c| c.options.iter()))
            .filter(|o| o.value.is_some())
            .flat_map(|o| o.names.iter().map(String::as_str))
            .filter(|n| offered(n))
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    fn command_names(&self) -> Vec<&str> {
        self.commands
            .iter()
            .map(|c| c.name.as_str())
            .filter(|n| offered(n))
            .collect()
    }

    /// Words offered after command `c` (`None`: before any command).
    fn words<'a>(&'a self, c: Option<&'a Command>) -> Vec<&'a str> {
        let mut words: Vec<&str> = match c {
            None => self.command_names(),
            Some(c) => Self::option_names(&c.options).collect(),
        };
        for w in Self::option_names(&self.options) {
            // A clap command repeats the tool's own -h/--help.
            if !words.contains(&w) {
                words.push(w);
            }
        }
        words
    }

    /// The bash completion script for command `name`.
    pub fn bash(&self, name: &str) -> String {
        let func = format!("_{}", name.replace(['-', '.'], "_"));
        let mut s = format!(
            "# bash completion for {name}, generated by `{name} --completions bash` from its command-line declaration\n\
             {func}() {{\n    local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}} cmd='' i words\n"
        );
        let values = self.value_options();
        if !values.is_empty() {
            // A value is anything: left to bash's default (file names).
            s.push_str(&format!(
                "    case $prev in\n        {}) return ;;\n    esac\n",
                values.join("|")
            ));
        }
        let commands = self.command_names();
        if !commands.is_empty() {
            // The first command word, values of options skipped.
            let skip = if values.is_empty() {
                String::new()
            } else {
                format!("            {}) i=$((i + 1)) ;;\n", values.join("|"))
            };
            s.push_str(&format!(
                "    for ((i = 1; i < COMP_CWORD; i++)); do\n        case ${{COMP_WORDS[i]}} in\n{skip}            {}) cmd=${{COMP_WORDS[i]}}; break ;;\n        esac\n    done\n",
                commands.join("|")
            ));
        }
        s.push_str("    case $cmd in\n");
        for c in self.commands.iter().filter(|c| offered(&c.name)) {
            s.push_str(&format!(
                "        {}) words='{}' ;;\n",
                c.name,
                self.words(Some(c)).join(" ")
            ));
        }
        s.push_str(&format!(
            "        *) words='{}' ;;\n    esac\n",
            self.words(None).join(" ")
        ));
        s.push_str(&format!(
            "    mapfile -t COMPREPLY < <(compgen -W \"$words\" -- \"$cur\")\n}}\ncomplete -o default -F {func} {name}\n"
        ));
        s
    }

    /// The zsh completion script (`#compdef`) for command `name`.
    pub fn zsh(&self, name: &str) -> String {
        let func = format!("_{}", name.replace(['-', '.'], "_"));
        let mut s = format!(
            "#compdef {name}\n# generated by `{name} --completions zsh` from its command-line declaration\n\
             {func}() {{\n  local cmd='' w\n  local -a cands\n"
        );
        let values = self.value_options();
        if !values.is_empty() {
            s.push_str(&format!(
                "  case ${{words[CURRENT-1]}} in\n    ({}) _files; return ;;\n  esac\n",
                values.join("|")
            ));
        }
        let commands = self.command_names();
        if !commands.is_empty() {
            s.push_str(&format!(
                "  for w in \"${{(@)words[2,CURRENT-1]}}\"; do\n    case $w in\n      ({}) cmd=$w; break ;;\n    esac\n  done\n",
                commands.join("|")
            ));
        }
        let cands = |c: Option<&Command>| -> String {
            let mut items: Vec<String> = Vec::new();
            let opts = |options: &[Opt], items: &mut Vec<String>| {
                for o in options {
                    for n in o.names.iter().filter(|n| offered(n)) {
                        items.push(zsh_quote(&format!("{n}:{}", line(&o.help))));
                    }
                }
            };
            match c {
                None => {
                    for c in self.commands.iter().filter(|c| offered(&c.name)) {
                        items.push(zsh_quote(&format!("{}:{}", c.name, line(&c.help))));
                    }
                }
                Some(c) => opts(&c.options, &mut items),
            }
            opts(&self.options, &mut items);
            items.join(" ")
        };
        s.push_str("  case $cmd in\n");
        for c in self.commands.iter().filter(|c| offered(&c.name)) {
            s.push_str(&format!("    ({}) cands=({}) ;;\n", c.name, cands(Some(c))));
        }
        s.push_str(&format!("    (*) cands=({}) ;;\n  esac\n", cands(None)));
        s.push_str(&format!(
            "  _describe -t args argument cands\n  _files\n}}\n\
             if [ \"$funcstack[1]\" = \"{func}\" ]; then\n  {func} \"$@\"\nelse\n  compdef {func} {name}\nfi\n"
        ));
        s
    }

    /// The fish completion script for command `name`.
    pub fn fish(&self, name: &str) -> String {
        let mut s = format!(
            "# generated by `{name} --completions fish` from its command-line declaration\n"
        );
        let option = |o: &Opt, cond: &str| -> Option<String> {
            let mut spec = format!("complete -c {name}{cond}");
            let mut any = false;
            for n in o.names.iter().filter(|n| offered(n)) {
                any = true;
                match n.strip_prefix("--") {
                    Some(long) => spec.push_str(&format!(" -l {long}")),
                    None => spec.push_str(&format!(" -s {}", n.trim_start_matches('-'))),
                }
            }
            if o.value.is_some() {
                spec.push_str(" -r");
            }
            spec.push_str(&format!(" -d {}\n", fish_quote(line(&o.help))));
            any.then_some(spec)
        };
        for c in self.commands.iter().filter(|c| offered(&c.name)) {
            s.push_str(&format!(
                "complete -c {name} -n __fish_use_subcommand -a {} -d {}\n",
                c.name,
                fish_quote(line(&c.help))
            ));
            let cond = format!(" -n '__fish_seen_subcommand_from {}'", c.name);
            for o in &c.options {
                s.extend(option(o, &cond));
            }
        }
        for o in &self.options {
            s.extend(option(o, ""));
        }
        s
    }

    /// The man page (roff), section 1, for command `name`.
    pub fn man(&self, name: &str) -> String {
        let mut s = format!(
            ".TH {} 1 \"\" \"{} {}\" \"User Commands\"\n.SH NAME\n{} \\- {}\n.SH SYNOPSIS\n.nf\n{}\n.fi\n",
            roff(&name.to_uppercase()),
            roff(name),
            env!("CARGO_PKG_VERSION"),
            roff(name),
            roff(line(&self.about)),
            roff(&self.usage.replacen(&self.name, name, 1))
        );
        if self.about.lines().count() > 1 {
            s.push_str(&format!(".SH DESCRIPTION\n{}\n", roff(&self.about)));
        }
        if !self.commands.is_empty() {
            s.push_str(".SH COMMANDS\n");
            for c in &self.commands {
                let args = match c.args.as_str() {
                    "" => String::new(),
                    args => format!(" {}", roff(args)),
                };
                s.push_str(&format!(
                    ".TP\n\\fB{}\\fR{args}\n{}\n",
                    roff(&c.name),
                    roff(&c.help)
                ));
                // Options the synopsis names but nothing explains are left there.
                let explained: Vec<&Opt> =
                    c.options.iter().filter(|o| !o.help.is_empty()).collect();
                if !explained.is_empty() {
                    s.push_str(".RS\n");
                    for o in explained {
                        s.push_str(&man_option(o));
                    }
                    s.push_str(".RE\n");
                }
            }
        }
        if !self.arguments.is_empty() {
            s.push_str(".SH ARGUMENTS\n");
            for (n, h) in &self.arguments {
                s.push_str(&format!(".TP\n\\fI{}\\fR\n{}\n", roff(n), roff(h)));
            }
        }
        if !self.options.is_empty() {
            s.push_str(".SH OPTIONS\n");
            for o in &self.options {
                s.push_str(&man_option(o));
            }
        }
        if !self.notes.trim().is_empty() {
            s.push_str(&format!(
                ".SH NOTES\n.nf\n{}\n.fi\n",
                roff(self.notes.trim_end())
            ));
        }
        s
    }
}

fn man_option(o: &Opt) -> String {
    let names: Vec<String> = o
        .names
        .iter()
        .map(|n| format!("\\fB{}\\fR", roff(n)))
        .collect();
    let value = o
        .value
        .as_deref()
        .map(|v| format!(" \\fI{}\\fR", roff(v)))
        .unwrap_or_default();
    let mut text = format!(".TP\n{}{value}\n", names.join(", "));
    if !o.help.is_empty() {
        text.push_str(&roff(&o.help));
        text.push('\n');
    }
    text
}

/// Text as roff shows it: backslashes and hyphens escaped, no line taken
/// for a request.
pub(super) fn roff(text: &str) -> String {
    text.lines()
        .map(|l| {
            let l = l.replace('\\', "\\e").replace('-', "\\-");
            if l.starts_with(['.', '\'']) {
                format!("\\&{l}")
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn zsh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn fish_quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// What the hidden options ask for: `Some(Ok(text))` to print, `Some(Err)`
/// for a bad request, `None` for an ordinary command line.
pub fn answer(args: &[String], doc: impl FnOnce() -> Doc) -> Option<Result<String, String>> {
    let (what, rest) = args.split_first()?;
    let (shell, name) = match (what.as_str(), rest) {
        ("--completions", [shell]) => (Some(shell.as_str()), None),
        ("--completions", [shell, name]) => (Some(shell.as_str()), Some(name.as_str())),
        ("--man", []) => (None, None),
        ("--man", [name]) => (None, Some(name.as_str())),
        _ => return None,
    };
    let doc = doc();
    let name = match name {
        None => doc.name.clone(),
        Some(n) => match plain(n) {
            Some(n) => n.to_owned(),
            None => {
                return Some(Err(format!(
                    "invalid command name '{n}': use letters, digits, '-', '_' or '.'"
                )))
            }
        },
    };
    Some(match shell {
        None => Ok(doc.man(&name)),
        Some("bash") => Ok(doc.bash(&name)),
        Some("zsh") => Ok(doc.zsh(&name)),
        Some("fish") => Ok(doc.fish(&name)),
        Some(other) => Err(format!("unknown shell '{other}': use bash, zsh or fish")),
    })
}

/// Answers the hidden options from the process's arguments: the result for
/// `shared::out::finish` when they were asked for (the text printed
/// through `shared::out`), `None` otherwise.
pub fn serve(doc: impl FnOnce() -> Doc) -> Option<crate::Result<()>> {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    Some(match answer(&args, doc)? {
        Ok(text) => {
            crate::out::text(&text);
            Ok(())
        }
        Err(e) => Err(crate::Error::usage(e)),
    })
}
