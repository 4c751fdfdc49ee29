//! `incus-guard`: keeps Incus bridges from taking over the host network
//! (drop-in for anklume's scripts/incus-guard.sh). See `cli` for the
//! command line and `config` for the environment variables.

#![forbid(unsafe_code)]

// First, so that its `say!` macros are visible in the modules below.
#[macro_use]
mod log;
mod backend;
mod cli;
mod config;
mod guard;
mod host;
mod incusdb;
mod install;
mod iproute;
mod net;
mod netlink;
mod nlmonitor;
mod reach;
mod status;
mod watcher;

use cli::{Command, Parsed};

fn main() {
    // The hidden --completions / --man (the Debian package's).
    if let Some(code) = shared::cli::doc::serve(cli::doc) {
        std::process::exit(code);
    }
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let prog = cli::program_name(args.first().map(String::as_str));
    let code = match cli::parse(args.get(1).map(String::as_str)) {
        Parsed::Usage { code } => {
            say!("{}", cli::usage(&prog).trim_end());
            code
        }
        Parsed::Version => {
            say!("incus-guard {}", env!("CARGO_PKG_VERSION"));
            0
        }
        Parsed::Unknown(word) => {
            say_err!("ERROR: Unknown subcommand: {word}");
            say_err!("{}", cli::usage_line(&prog));
            1
        }
        Parsed::Run(cmd) => run(cmd),
    };
    std::process::exit(code)
}

fn run(cmd: Command) -> i32 {
    let cfg = match config::Config::from_env() {
        Ok(cfg) => cfg,
        // post-start must not block Incus, even on a bad environment.
        Err(e) if cmd == Command::PostStart => {
            say!("{}", log::stamped(&format!("ERROR: {e}")));
            return 0;
        }
        Err(e) => {
            say_err!("ERROR: {e}");
            return 1;
        }
    };
    match cmd {
        Command::Start => guard::start(&cfg),
        // Belt and braces for the hook's "always exit 0": even a bug that
        // panicked would leave Incus starting normally.
        Command::PostStart => std::panic::catch_unwind(|| guard::post_start(&cfg)).map_or(0, |_| 0),
        Command::Install => install::install(&cfg),
        Command::Uninstall => install::uninstall(&cfg),
        Command::Status => status::status(&cfg),
        Command::Watch => guard::watch(&cfg),
    }
}
