//! Command line of `snap`, parsed by hand so that every usage message and
//! exit code is the one snap.sh gave (clap would exit 2 with its own text).

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

pub const USAGE: &str = "\
Usage: snap [--remote NAME] <command> [args]

Commands:
  create   <instance|self> [snap-name]          Create a snapshot
  restore  [--force] <instance|self> <snap-name> Restore a snapshot
  list     [instance|self] [--json]              List snapshots
  delete   <instance|self> <snap-name>           Delete a snapshot
  help                                           Show this help

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
";

/// Parse `args` (without the program name); `env` looks up environment
/// variables. Errors are the message to print after `ERROR: `; they exit 1
/// like the script's `die`.
pub fn parse(args: &[String], env: impl Fn(&str) -> Option<String>) -> Result<Cli, String> {
    let mut remote = env("ANKLUME_INCUS_REMOTE").filter(|r| !r.is_empty());
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--remote" {
            remote = Some(it.next().ok_or("--remote needs a remote name")?.clone());
        } else if let Some(r) = a.strip_prefix("--remote=") {
            remote = Some(r.to_owned());
        } else {
            rest.push(a.clone());
        }
    }
    Ok(Cli {
        remote,
        command: command(&rest)?,
    })
}

fn command(args: &[String]) -> Result<Command, String> {
    // `snap delete X --help` must not become `incus snapshot delete X --help`
    // (incus's help, then "Done.").
    if args.iter().any(|a| a == "--help" || a == "-h") {
        return Ok(Command::Help);
    }
    let Some((cmd, rest)) = args.split_first() else {
        return Ok(Command::Help);
    };
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    match cmd.as_str() {
        "create" => match rest.as_slice() {
            [instance] => Ok(Command::Create {
                instance: instance.to_string(),
                name: None,
            }),
            [instance, name, ..] => Ok(Command::Create {
                instance: instance.to_string(),
                name: Some(name.to_string()),
            }),
            [] => Err("Usage: snap create <instance|self> [snap-name]".into()),
        },
        "restore" => {
            let (force, rest) = match rest.split_first() {
                Some((&"--force", tail)) => (true, tail),
                _ => (false, rest.as_slice()),
            };
            match rest {
                [instance, name, ..] => Ok(Command::Restore {
                    force,
                    instance: instance.to_string(),
                    name: name.to_string(),
                }),
                _ => Err("Usage: snap restore [--force] <instance|self> <snap-name>".into()),
            }
        }
        "list" => {
            let json = rest.contains(&"--json");
            let instance = rest.iter().find(|a| **a != "--json").map(|s| s.to_string());
            Ok(Command::List { instance, json })
        }
        "delete" => match rest.as_slice() {
            [instance, name, ..] => Ok(Command::Delete {
                instance: instance.to_string(),
                name: name.to_string(),
            }),
            _ => Err("Usage: snap delete <instance|self> <snap-name>".into()),
        },
        "-h" | "--help" | "help" => Ok(Command::Help),
        other => Err(format!(
            "Unknown command: {other}. Run 'snap help' for usage."
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Command, String> {
        command(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
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
            record.push_str(&format!("{args:?}\n  => {:?}\n", parse(&args)));
        }
        insta::assert_snapshot!(record);
    }

    #[test]
    fn usage_text() {
        insta::assert_snapshot!(USAGE);
    }
}
