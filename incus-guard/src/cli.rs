//! The command line, kept exactly as the script's: one subcommand word,
//! the script's usage text, exit 1 without arguments, `ERROR: Unknown
//! subcommand` on stderr for anything else (clap would change all three).
//! One declaration ([`SPEC`]) gives the words, the usage text and the
//! completions.
//!
//! Beyond the script: `uninstall`, `status`, and the hidden `watch` that
//! runs the bridge watcher alone (for the benchmark and tests; it stops
//! after `INCUS_GUARD_WATCH_SECS` seconds or when killed).

use shared::cli::{doc::Doc, Layout, Spec, Sub};

/// What to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Start,
    PostStart,
    Install,
    Uninstall,
    Status,
    Watch,
}

/// The outcome of reading the arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Run(Command),
    /// Usage on stdout; exit 0 for `--help`, 1 when no argument was given.
    Usage {
        code: i32,
    },
    Version,
    Unknown(String),
}

static SPEC: Spec<(), Command> = Spec {
    name: "incus-guard",
    about: "remove Incus bridges that collide with the host network",
    usage: "<{commands}>",
    options: &[],
    options_layout: Layout::Joined { width: 14, gap: 2 },
    commands_title: "Subcommands:",
    commands: &[
        Sub::new(
            Command::Start,
            "start",
            "",
            &["Safe Incus startup with bridge conflict prevention"],
        ),
        Sub::new(
            Command::PostStart,
            "post-start",
            "",
            &["Systemd ExecStartPost hook (run after Incus starts)"],
        ),
        Sub::new(
            Command::Install,
            "install",
            "",
            &["Install as systemd drop-in for automatic protection"],
        ),
        Sub::new(
            Command::Uninstall,
            "uninstall",
            "",
            &["Remove the systemd drop-in and the installed guard"],
        ),
        Sub::new(
            Command::Status,
            "status",
            "",
            &["Show the drop-in, the host network and conflicting bridges"],
        ),
        Sub::new(Command::Watch, "watch", "", &[]).hidden(),
    ],
    layout: Layout::Joined { width: 10, gap: 2 },
    notes: "",
    extra_word: |w| format!("Unknown subcommand: {w}"),
};

/// Only the first argument counts, as in the script.
pub fn parse(first: Option<&str>) -> Parsed {
    match first.unwrap_or("") {
        "--help" | "-h" => Parsed::Usage { code: 0 },
        "" => Parsed::Usage { code: 1 },
        "--version" | "-V" => Parsed::Version,
        word => match SPEC.command(word) {
            Some(sub) => Parsed::Run(sub.key),
            None => Parsed::Unknown(word.to_owned()),
        },
    }
}

/// `basename "$0"`.
pub fn program_name(argv0: Option<&str>) -> String {
    argv0
        .and_then(|a| a.rsplit('/').find(|part| !part.is_empty()))
        .unwrap_or("incus-guard")
        .to_owned()
}

pub fn usage_line(prog: &str) -> String {
    SPEC.usage_line(prog)
}

/// The usage text, ending in a newline.
pub fn usage(prog: &str) -> String {
    SPEC.help(prog)
}

/// The declaration, for completions and the man page.
pub fn doc() -> Doc {
    SPEC.doc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_flags() {
        assert_eq!(parse(Some("start")), Parsed::Run(Command::Start));
        assert_eq!(parse(Some("post-start")), Parsed::Run(Command::PostStart));
        assert_eq!(parse(Some("watch")), Parsed::Run(Command::Watch));
        assert_eq!(parse(None), Parsed::Usage { code: 1 });
        assert_eq!(parse(Some("")), Parsed::Usage { code: 1 });
        assert_eq!(parse(Some("-h")), Parsed::Usage { code: 0 });
        assert_eq!(parse(Some("Start")), Parsed::Unknown("Start".into()));
    }

    #[test]
    fn program_name_is_the_basename() {
        assert_eq!(
            program_name(Some("/opt/anklume/incus-guard")),
            "incus-guard"
        );
        assert_eq!(program_name(Some("./g/")), "g");
        assert_eq!(program_name(Some("")), "incus-guard");
        assert_eq!(program_name(None), "incus-guard");
    }

    #[test]
    fn usage_text() {
        insta::assert_snapshot!(usage("incus-guard"));
    }

    #[test]
    fn parse_battery() {
        let cases = [
            None,
            Some(""),
            Some("start"),
            Some("post-start"),
            Some("install"),
            Some("uninstall"),
            Some("status"),
            Some("watch"),
            Some("help"),
            Some("--help"),
            Some("-h"),
            Some("--version"),
            Some("-V"),
            Some("Start"),
            Some("--start"),
            Some("-"),
        ];
        let mut record = String::new();
        for first in cases {
            record.push_str(&format!("{first:?} => {:?}\n", parse(first)));
        }
        record.push_str(&usage_line("/x/guard"));
        insta::assert_snapshot!(record);
    }
}
