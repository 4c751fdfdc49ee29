//! Command line of `snap`: one declaration ([`SPEC`]) gives the parser,
//! the usage text and the completions, with every message and exit code
//! snap.sh had (clap would exit 2 with its own text).

use shared::cli::{self, doc::Doc, Layout, Opt, Spec, Sub};

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Help,
    Create {
        instance: String,
        name: Option<String>,
    },
    Restore {
        force: bool,
        instance: String,
        name: String,
    },
    List {
        instance: Option<String>,
        json: bool,
    },
    Delete {
        instance: String,
        name: String,
    },
}

/// The parsed command line: the command and an optional Incus remote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cli {
    pub remote: Option<String>,
    pub command: Command,
}

/// What the options set, before the command word gives it a shape.
#[derive(Debug, Default)]
struct Raw {
    remote: Option<String>,
    force: bool,
    json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Word {
    Create,
    Restore,
    List,
    Delete,
    Help,
}

static SPEC: Spec<Raw, Word> = Spec {
    name: "snap",
    about: "create, restore, list and delete Incus snapshots",
    usage: "[--remote NAME] <command> [args]",
    // Anywhere on the line; described in the notes, as snap.sh had no Options section.
    options: &[Opt::value(
        "--remote",
        "NAME",
        "--remote needs a remote name",
        |raw: &mut Raw, v| {
            raw.remote = Some(v.to_owned());
            Ok(())
        },
    )],
    options_layout: Layout::Joined { width: 14, gap: 2 },
    commands_title: "Commands:",
    commands: &[
        Sub::new(
            Word::Create,
            "create",
            "<instance|self> [snap-name]",
            &["Create a snapshot"],
        )
        // snap.sh's table has this help one column left of the others.
        .nudge(-1),
        // `--force` only right after `restore`, as snap.sh shifted it.
        Sub::new(
            Word::Restore,
            "restore",
            "[--force] <instance|self> <snap-name>",
            &["Restore a snapshot"],
        )
        .options(&[Opt::flag("--force", |raw: &mut Raw| raw.force = true).first_only()]),
        Sub::new(
            Word::List,
            "list",
            "[instance|self] [--json]",
            &["List snapshots"],
        )
        .options(&[Opt::flag("--json", |raw: &mut Raw| raw.json = true)]),
        Sub::new(
            Word::Delete,
            "delete",
            "<instance|self> <snap-name>",
            &["Delete a snapshot"],
        ),
        Sub::new(Word::Help, "help", "", &["Show this help"]),
    ],
    layout: Layout::Columns { name: 8, args: 37 },
    notes: "\
Use \"self\" as instance name to auto-detect from hostname.
Default snapshot name: snap-YYYYMMDD-HHMMSS
--remote NAME (or ANKLUME_INCUS_REMOTE) addresses an Incus remote or cluster.

Examples:
  snap create anklume-instance
  snap create self my-checkpoint
  snap restore anklume-instance snap-20250210-143000
  snap restore self my-checkpoint
  snap list
  snap list self
  snap list --json
",
    extra_word: |w| format!("Unknown option: {w}"),
};

/// The help text (`snap help`), ending in a newline.
pub fn usage() -> String {
    SPEC.help(SPEC.name)
}

/// The declaration, for completions and the man page.
pub fn doc() -> Doc {
    SPEC.doc()
}

/// Parse `args` (without the program name); `env` looks up environment
/// variables. Errors are the message to print after `ERROR: `; they exit 1
/// like the script's `die`.
pub fn parse(args: &[String], env: impl Fn(&str) -> Option<String>) -> Result<Cli, String> {
    let mut raw = Raw {
        remote: env("ANKLUME_INCUS_REMOTE").filter(|r| !r.is_empty()),
        ..Raw::default()
    };
    let words = SPEC.lex(args, &mut raw)?;
    let command = command(&words, &mut raw)?;
    Ok(Cli {
        remote: raw.remote,
        command,
    })
}

fn command(words: &[&str], raw: &mut Raw) -> Result<Command, String> {
    // `snap delete X --help` must not become `incus snapshot delete X --help`
    // (incus's help, then "Done.").
    if cli::wants_help(words) {
        return Ok(Command::Help);
    }
    let Some((word, rest)) = words.split_first() else {
        return Ok(Command::Help);
    };
    let Some(sub) = SPEC.command(word) else {
        return Err(format!(
            "Unknown command: {word}. Run 'snap help' for usage."
        ));
    };
    let args = SPEC.lex_command(sub, rest, raw)?;
    let s = |a: &str| a.to_owned();
    // Words past the ones a command takes are ignored, as snap.sh did.
    Ok(match (sub.key, args.as_slice()) {
        (Word::Create, [instance, name @ ..]) => Command::Create {
            instance: s(instance),
            name: name.first().map(|n| s(n)),
        },
        (Word::Restore, [instance, name, ..]) => Command::Restore {
            force: raw.force,
            instance: s(instance),
            name: s(name),
        },
        (Word::List, _) => Command::List {
            instance: args.first().map(|i| s(i)),
            json: raw.json,
        },
        (Word::Delete, [instance, name, ..]) => Command::Delete {
            instance: s(instance),
            name: s(name),
        },
        (Word::Help, _) => Command::Help,
        (Word::Create | Word::Restore | Word::Delete, _) => return Err(SPEC.command_usage(sub)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Command, String> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse(&args, |_| None).map(|c| c.command)
    }

    #[test]
    fn shapes() {
        assert_eq!(p(&[]), Ok(Command::Help));
        assert_eq!(p(&["help"]), Ok(Command::Help));
        assert_eq!(p(&["delete", "x", "--help"]), Ok(Command::Help));
        assert_eq!(p(&["restore", "x", "-h"]), Ok(Command::Help));
        assert_eq!(p(&["create", "--help"]), Ok(Command::Help));
        assert_eq!(
            p(&["restore", "--force", "self", "s"]),
            Ok(Command::Restore {
                force: true,
                instance: "self".into(),
                name: "s".into()
            })
        );
        assert_eq!(
            p(&["list", "--json"]),
            Ok(Command::List {
                instance: None,
                json: true
            })
        );
        assert_eq!(
            p(&["create"]),
            Err("Usage: snap create <instance|self> [snap-name]".into())
        );
        assert_eq!(
            p(&["zap"]),
            Err("Unknown command: zap. Run 'snap help' for usage.".into())
        );
    }

    #[test]
    fn remote_anywhere() {
        let args: Vec<String> = ["--remote", "lab", "list"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let cli = parse(&args, |_| None).unwrap();
        assert_eq!(cli.remote.as_deref(), Some("lab"));
        // The environment's remote, unless the command line names one.
        let from_env = |k: &str| (k == "ANKLUME_INCUS_REMOTE").then(|| "env".to_owned());
        assert_eq!(
            parse(&args, from_env).unwrap().remote.as_deref(),
            Some("lab")
        );
        let list = ["list".to_owned()];
        assert_eq!(
            parse(&list, from_env).unwrap().remote.as_deref(),
            Some("env")
        );
        let empty = |k: &str| (k == "ANKLUME_INCUS_REMOTE").then(String::new);
        assert_eq!(parse(&list, empty).unwrap().remote, None);
    }

    /// Every shape of command line, quirks included, with what it parses to:
    /// the record that the parser's rewrite changed nothing.
    #[test]
    fn parse_battery() {
        let cases: &[&[&str]] = &[
            &[],
            &["help"],
            &["help", "me"],
            &["-h"],
            &["--help"],
            &["zap"],
            &["-x"],
            &["--json"],
            &["--force"],
            &["create"],
            &["create", "x"],
            &["create", "x", "n"],
            &["create", "x", "n", "extra"],
            &["create", "--foo"],
            &["create", "--"],
            &["create", "--", "x"],
            &["create", "x", "--help"],
            &["create", "-h", "x"],
            &["restore"],
            &["restore", "x"],
            &["restore", "x", "y"],
            &["restore", "--force"],
            &["restore", "--force", "x"],
            &["restore", "--force", "x", "y"],
            &["restore", "x", "--force", "y"],
            &["restore", "--force", "--force", "x", "y"],
            &["restore", "--force=1", "x", "y"],
            &["restore", "x", "y", "z"],
            &["list"],
            &["list", "--json"],
            &["list", "x", "--json"],
            &["list", "--json", "x", "y"],
            &["list", "--json=1"],
            &["list", "--json", "--json"],
            &["list", "-h"],
            &["delete"],
            &["delete", "x"],
            &["delete", "x", "y"],
            &["delete", "x", "y", "z"],
            &["--remote"],
            &["list", "--remote"],
            &["--remote", "lab", "list"],
            &["--remote=lab", "list"],
            &["list", "--remote", "lab"],
            &["list", "x", "--remote=lab", "--json"],
            &["--remote", "--help", "list"],
            &["--remote", "lab", "--remote", "c2", "list"],
            &["--remote=", "list"],
            &["--remotex", "list"],
            &["--remote", "lab"],
            &["--help", "--remote"],
        ];
        let mut record = String::new();
        for args in cases {
            let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
            record.push_str(&format!("{args:?}\n  => {:?}\n", parse(&args, |_| None)));
        }
        insta::assert_snapshot!(record);
    }

    #[test]
    fn usage_text() {
        insta::assert_snapshot!(usage());
    }
}
