//! Command line of `snapshot-apply`: one declaration ([`SPEC`]) gives the
//! parser, the usage text and the completions, with the usage text, the
//! messages and the exit codes of upstream's snapshot-apply.sh (clap would
//! exit 2 with its own wording).
//!
//! Global options (`--remote`, `--jobs`) are ours and may appear anywhere;
//! everything else follows the script: `create [--limit <group>]`,
//! `rollback [<timestamp>]`, `list`, `cleanup [--keep <N>]`.

use crate::state;
use shared::cli::{self, doc::Doc, Layout, Opt, Spec, Sub, Words};

/// Snapshots kept by `cleanup` when `--keep` is not given (upstream's value).
pub const DEFAULT_KEEP: usize = 3;
/// Incus operations run at once unless `--jobs` / `ANKLUME_SNAPSHOT_JOBS` say.
pub const DEFAULT_JOBS: usize = 4;
/// More parallel `incus` clients than this only queue up in the daemon.
const MAX_JOBS: usize = 64;

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// No or an unknown command: print usage, exit 1 (as the script did).
    Usage,
    /// `help`, `-h`, `--help`: print usage, exit 0.
    Help,
    Create {
        limit: Option<String>,
    },
    /// `timestamp` is validated: exactly `YYYYMMDD-HHMMSS`.
    /// `partial`: restoring fewer instances than targeted is not an error.
    Rollback {
        timestamp: Option<String>,
        partial: bool,
    },
    List,
    Cleanup {
        keep: usize,
    },
}

/// The parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cli {
    pub remote: Option<String>,
    pub jobs: usize,
    pub command: Command,
}

/// What the options set, before the command word gives it a shape.
#[derive(Debug)]
struct Raw {
    remote: Option<String>,
    jobs: usize,
    limit: Option<String>,
    partial: bool,
    keep: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Word {
    Create,
    Rollback,
    List,
    Cleanup,
    Help,
}

// The help's numbers are DEFAULT_KEEP and DEFAULT_JOBS (a test holds them equal).
static SPEC: Spec<Raw, Word> = Spec {
    name: "snapshot-apply",
    about: "snapshots around an Ansible apply, and rollback to them",
    usage: "[--remote NAME] [--jobs N] {{commands}} [options]",
    options: &[
        Opt::value(
            "--remote",
            "NAME",
            "--remote needs a value",
            |raw: &mut Raw, v| {
                raw.remote = Some(v.to_owned());
                Ok(())
            },
        )
        .help(&["Incus remote or cluster to address (env ANKLUME_INCUS_REMOTE)"]),
        Opt::value("--jobs", "N", "--jobs needs a value", |raw: &mut Raw, v| {
            raw.jobs = parse_jobs(v, "--jobs")?;
            Ok(())
        })
        .help(&["Snapshot operations run at once (default 4; env ANKLUME_SNAPSHOT_JOBS)"]),
    ],
    options_layout: Layout::Joined { width: 14, gap: 2 },
    commands_title: "Commands:",
    commands: &[
        Sub::new(
            Word::Create,
            "create",
            "[--limit <group>]",
            &["Create pre-apply snapshots"],
        )
        .options(&[Opt::value(
            "--limit",
            "<group>",
            "--limit needs a group name",
            |raw: &mut Raw, v| {
                raw.limit = Some(check_group(v)?);
                Ok(())
            },
        )])
        .words(Words::AtMost(0)),
        Sub::new(
            Word::Rollback,
            "rollback",
            "[<timestamp>] [--allow-partial]",
            &[
                "Restore pre-apply snapshot (an error when an",
                "instance of its scope cannot be restored,",
                "unless --allow-partial)",
            ],
        )
        .options(&[Opt::flag("--allow-partial", |raw: &mut Raw| {
            raw.partial = true
        })])
        .words(Words::AtMost(1)),
        Sub::new(Word::List, "list", "", &["List pre-apply snapshots"]).words(Words::AtMost(0)),
        Sub::new(
            Word::Cleanup,
            "cleanup",
            "[--keep <N>]",
            &["Remove old snapshots (default: keep 3)"],
        )
        .options(&[Opt::value(
            "--keep",
            "<N>",
            "--keep needs a number",
            |raw: &mut Raw, v| {
                raw.keep = parse_keep(v)?;
                Ok(())
            },
        )])
        .words(Words::AtMost(0)),
        Sub::new(Word::Help, "help", "", &[]).hidden(),
    ],
    layout: Layout::Joined { width: 26, gap: 2 },
    notes: "",
    extra_word: |w| format!("Unknown option: {w}"),
};

/// The usage text (upstream's, with our program name and global options).
pub fn usage() -> String {
    SPEC.help(SPEC.name)
}

/// The declaration, for completions and the man page.
pub fn doc() -> Doc {
    SPEC.doc()
}

/// Parse `args` (without the program name); `env` looks up environment
/// variables. An error is the message to print after `ERROR: ` (exit 1).
pub fn parse(args: &[String], env: impl Fn(&str) -> Option<String>) -> Result<Cli, String> {
    // A setting in the environment may be stale or meant for another
    // version: said and replaced by the default, not fatal (`--jobs` is).
    let jobs = match env("ANKLUME_SNAPSHOT_JOBS").filter(|j| !j.is_empty()) {
        Some(j) => parse_jobs(&j, "ANKLUME_SNAPSHOT_JOBS").unwrap_or_else(|e| {
            crate::out::warn(format!("{e}; using the default, {DEFAULT_JOBS}"));
            DEFAULT_JOBS
        }),
        None => DEFAULT_JOBS,
    };
    let mut raw = Raw {
        remote: env("ANKLUME_INCUS_REMOTE").filter(|r| !r.is_empty()),
        jobs,
        limit: None,
        partial: false,
        keep: DEFAULT_KEEP,
    };
    let words = SPEC.lex(args, &mut raw)?;
    if let Some(r) = &raw.remote {
        check_remote(r)?;
    }
    let command = command(&words, &mut raw)?;
    Ok(Cli {
        remote: raw.remote,
        jobs: raw.jobs,
        command,
    })
}

fn command(words: &[&str], raw: &mut Raw) -> Result<Command, String> {
    if cli::wants_help(words) {
        return Ok(Command::Help);
    }
    let Some(sub) = words.first().and_then(|w| SPEC.command(w)) else {
        return Ok(Command::Usage);
    };
    let args = SPEC.lex_command(sub, &words[1..], raw)?;
    Ok(match sub.key {
        Word::Create => Command::Create {
            limit: raw.limit.take(),
        },
        Word::Rollback => Command::Rollback {
            timestamp: args
                .first()
                .map(|ts| state::parse_timestamp(ts))
                .transpose()?,
            partial: raw.partial,
        },
        Word::List => Command::List,
        Word::Cleanup => Command::Cleanup { keep: raw.keep },
        Word::Help => Command::Help,
    })
}

fn parse_keep(n: &str) -> Result<usize, String> {
    n.parse()
        .map_err(|_| format!("--keep needs a whole number (0 or more), got '{n}'"))
}

fn parse_jobs(n: &str, what: &str) -> Result<usize, String> {
    match n.parse::<usize>() {
        Ok(j) if (1..=MAX_JOBS).contains(&j) => Ok(j),
        _ => Err(format!(
            "{what} needs a number from 1 to {MAX_JOBS}, got '{n}'"
        )),
    }
}

/// A group name is looked up in the inventory and written to `latest-scope`:
/// refuse what cannot be a group (empty, a flag, whitespace or control
/// characters, which would also break the one-line state file).
fn check_group(group: &str) -> Result<String, String> {
    let ok = !group.is_empty()
        && !group.starts_with('-')
        && !group.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(group.to_owned())
    } else {
        Err(format!("invalid group name '{group}'"))
    }
}

/// A remote name becomes the `NAME:` prefix of every instance and a folder
/// of the state directory, so it may not contain `:` or `/`.
fn check_remote(remote: &str) -> Result<(), String> {
    let ok = !remote.starts_with(['-', '.'])
        && remote
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid remote name '{remote}': use letters, digits, '-', '_' or '.'"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Cli, String> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse(&args, |_| None)
    }

    fn cmd(args: &[&str]) -> Result<Command, String> {
        p(args).map(|c| c.command)
    }

    #[test]
    fn commands() {
        assert_eq!(cmd(&[]), Ok(Command::Usage));
        assert_eq!(cmd(&["bogus"]), Ok(Command::Usage));
        assert_eq!(cmd(&["--help"]), Ok(Command::Help));
        assert_eq!(
            cmd(&["cleanup", "--keep", "2", "--help"]),
            Ok(Command::Help)
        );
        assert_eq!(cmd(&["rollback", "-h"]), Ok(Command::Help));
        assert_eq!(
            cmd(&["create", "--limit", "pro", "--limit=perso"]),
            Ok(Command::Create {
                limit: Some("perso".into())
            })
        );
        assert_eq!(
            cmd(&["rollback", "20250101-120000"]),
            Ok(Command::Rollback {
                timestamp: Some("20250101-120000".into()),
                partial: false
            })
        );
        assert_eq!(
            cmd(&["rollback", "--allow-partial", "pre-apply-20250101-120000"]),
            Ok(Command::Rollback {
                timestamp: Some("20250101-120000".into()),
                partial: true
            })
        );
        assert_eq!(cmd(&["cleanup"]), Ok(Command::Cleanup { keep: 3 }));
        assert_eq!(
            cmd(&["cleanup", "--keep", "0"]),
            Ok(Command::Cleanup { keep: 0 })
        );
    }

    #[test]
    fn errors() {
        assert_eq!(
            cmd(&["create", "--limit"]),
            Err("--limit needs a group name".into())
        );
        assert_eq!(cmd(&["create", "-x"]), Err("Unknown option: -x".into()));
        assert_eq!(
            cmd(&["cleanup", "--keep"]),
            Err("--keep needs a number".into())
        );
        assert!(cmd(&["cleanup", "--keep", "-1"]).is_err());
        assert!(cmd(&["rollback", "2025-01-01"]).is_err());
        assert!(cmd(&["rollback", "20250101-120000", "x"]).is_err());
        assert!(cmd(&["list", "x"]).is_err());
        assert!(cmd(&["create", "--limit", "a b"]).is_err());
        assert!(p(&["--jobs", "0", "list"]).is_err());
        assert!(p(&["--remote", "a:b", "list"]).is_err());
        assert!(p(&["list", "--remote"]).is_err());
    }

    #[test]
    fn global_options_anywhere_and_env() {
        let cli = p(&["rollback", "--jobs=8", "--remote", "lab"]).unwrap();
        assert_eq!(cli.jobs, 8);
        assert_eq!(cli.remote.as_deref(), Some("lab"));
        assert_eq!(
            cli.command,
            Command::Rollback {
                timestamp: None,
                partial: false
            }
        );
        let env = |k: &str| match k {
            "ANKLUME_INCUS_REMOTE" => Some("c1".to_owned()),
            "ANKLUME_SNAPSHOT_JOBS" => Some("2".to_owned()),
            _ => None,
        };
        let cli = parse(&["list".to_owned()], env).unwrap();
        assert_eq!((cli.remote.as_deref(), cli.jobs), (Some("c1"), 2));
        let bad = |k: &str| (k == "ANKLUME_SNAPSHOT_JOBS").then(|| "lots".to_owned());
        assert_eq!(parse(&["list".to_owned()], bad).unwrap().jobs, DEFAULT_JOBS);
        assert!(p(&["--jobs", "lots", "list"]).is_err());
    }

    /// Every shape of command line, quirks included, with what it parses to:
    /// the record that the parser's rewrite changed nothing.
    #[test]
    fn parse_battery() {
        let cases: &[&[&str]] = &[
            &[],
            &["bogus"],
            &["help"],
            &["help", "x"],
            &["-h"],
            &["--help"],
            &["--help", "bogus"],
            &["-x"],
            &["create"],
            &["create", "--limit", "pro"],
            &["create", "--limit=pro"],
            &["create", "--limit"],
            &["create", "--limit="],
            &["create", "--limit", "-x"],
            &["create", "--limit", "a b"],
            &["create", "--limit", "--help"],
            &["create", "x"],
            &["create", "--limitx"],
            &["create", "--limit", "pro", "--limit=perso"],
            &["create", "--limit", "pro", "extra"],
            &["create", "--"],
            &["rollback"],
            &["rollback", "20250101-120000"],
            &["rollback", "pre-apply-20250101-120000"],
            &["rollback", "--allow-partial"],
            &["rollback", "x", "--allow-partial"],
            &[
                "rollback",
                "--allow-partial",
                "20250101-120000",
                "--allow-partial",
            ],
            &["rollback", "2025"],
            &["rollback", "--foo"],
            &["rollback", "20250101-120000", "x"],
            &["rollback", "--allow-partial=1"],
            &["rollback", "--help"],
            &["list"],
            &["list", "x"],
            &["list", "--foo"],
            &["cleanup"],
            &["cleanup", "--keep", "2"],
            &["cleanup", "--keep=0"],
            &["cleanup", "--keep"],
            &["cleanup", "--keep="],
            &["cleanup", "--keep", "-1"],
            &["cleanup", "--keep", "x"],
            &["cleanup", "y"],
            &["cleanup", "--keep", "2", "--help"],
            &["--jobs", "8", "list"],
            &["--jobs=0", "list"],
            &["--jobs"],
            &["--jobs", "lots", "list"],
            &["--jobs", "64", "list"],
            &["--jobs", "65", "list"],
            &["--jobs", "x", "--remote"],
            &["--remote", "lab", "list"],
            &["--remote=lab", "list"],
            &["--remote=a:b", "list"],
            &["--remote", "-x", "list"],
            &["--remote", ".x", "list"],
            &["--remote=", "list"],
            &["list", "--remote"],
            &["--remote", "a:b", "--help"],
            &["--jobs", "0", "--help"],
            &["--remotex", "list"],
            &["rollback", "--jobs=8", "--remote", "lab"],
        ];
        let mut record = String::new();
        for args in cases {
            record.push_str(&format!("{args:?}\n  => {:?}\n", p(args)));
        }
        insta::assert_snapshot!(record);
    }

    #[test]
    fn help_numbers_are_the_defaults() {
        let text = usage();
        assert!(
            text.contains(&format!("(default: keep {DEFAULT_KEEP})")),
            "{text}"
        );
        assert!(
            text.contains(&format!("(default {DEFAULT_JOBS}; ")),
            "{text}"
        );
    }

    #[test]
    fn usage_text() {
        insta::assert_snapshot!(usage());
    }
}
