//! `snap`: create, restore, list and delete Incus snapshots by instance name.

#![forbid(unsafe_code)]

mod cli;
mod run;

use std::process::ExitCode;

fn main() -> ExitCode {
    // A killed snap takes its incus child with it.
    shared::interrupt::die_with_parent();
    // The hidden --completions / --man (the Debian package's).
    if let Some(result) = shared::cli::doc::serve(cli::doc) {
        return shared::out::finish(result);
    }
    // The environment is read here and nowhere below.
    let env = |k: &str| std::env::var(k).ok();
    let result = shared::cli::args().and_then(|args| {
        cli::parse(&args, env)
            .map_err(shared::Error::new)
            .and_then(|cli| run::run(cli, shared::incus::hostname(env("HOSTNAME"))))
    });
    shared::out::finish(result)
}
