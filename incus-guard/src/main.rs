//! `incus-guard`: keeps Incus bridges from taking over the host network
//! (drop-in for anklume's scripts/incus-guard.sh). See `cli` for the
//! command line and `config` for the environment variables.

#![forbid(unsafe_code)]

mod backend;
mod cli;
mod config;
mod guard;
mod host;
mod incusdb;
mod install;
mod iproute;
mod log;
mod net;
mod netlink;
mod nlmonitor;
mod reach;
mod status;
mod watcher;

use cli::{Command, Parsed};
use shared::{eoutln, outln, Error};
use std::process::ExitCode;

fn main() -> ExitCode {
    // The hidden --completions / --man (the Debian package's).
    if let Some(result) = shared::cli::doc::serve(cli::doc) {
        return shared::out::finish(result);
    }
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let prog = cli::program_name(args.first().map(String::as_str));
    let parsed = cli::parse(args.get(1).map(String::as_str));
    let post_start = matches!(parsed, Parsed::Run(Command::PostStart));
    let result = match parsed {
        Parsed::Usage { code } => {
            outln!("{}", cli::usage(&prog).trim_end());
            shared::error::status(code)
        }
        Parsed::Version => {
            outln!("incus-guard {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Parsed::Unknown(word) => {
            eoutln!("ERROR: Unknown subcommand: {word}");
            eoutln!("{}", cli::usage_line(&prog));
            Err(Error::exit(1))
        }
        Parsed::Run(cmd) => run(cmd),
    };
    let code = shared::out::finish(result);
    // The post-start hook exits 0 whatever happened, even with its stdout
    // gone: a failed hook would fail Incus' own start.
    if post_start {
        ExitCode::SUCCESS
    } else {
        code
    }
}

fn run(cmd: Command) -> shared::Result<()> {
    let cfg = match config::Config::from_env() {
        Ok(cfg) => cfg,
        // post-start must not block Incus, even on a bad environment.
        Err(e) if cmd == Command::PostStart => {
            outln!("{}", log::stamped(&format!("ERROR: {e}")));
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let code = match cmd {
        Command::Start => guard::start(&cfg),
        // Belt and braces for the hook's "always exit 0": even a bug that
        // panicked would leave Incus starting normally.
        Command::PostStart => std::panic::catch_unwind(|| guard::post_start(&cfg)).map_or(0, |_| 0),
        Command::Install => install::install(&cfg),
        Command::Uninstall => install::uninstall(&cfg),
        Command::Status => status::status(&cfg),
        Command::Watch => guard::watch(&cfg),
    };
    shared::error::status(code)
}
