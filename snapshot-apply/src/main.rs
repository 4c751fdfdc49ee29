//! `snapshot-apply`: snapshots of every inventory instance before
//! `make apply`, one-command rollback to them, and their retention.
//! A drop-in for anklume's scripts/snapshot-apply.sh.

#![forbid(unsafe_code)]

mod cleanup;
mod cli;
mod create;
mod daemon;
mod inventory;
mod list;
mod out;
mod pool;
mod reconcile;
mod rollback;
mod run;
mod state;
mod targets;
mod vars;

use std::process::ExitCode;

fn main() -> ExitCode {
    // SIGINT / SIGTERM stop our incus children and let the run record
    // where it stopped; SIGKILL still takes the children with it.
    shared::interrupt::stop_children_on_signals();
    // The hidden --completions / --man (the Debian package's).
    if let Some(result) = shared::cli::doc::serve(cli::doc) {
        return shared::out::finish(result);
    }
    // The environment is read here and nowhere below.
    let result = shared::cli::args().and_then(|args| {
        cli::parse(&args, |k| std::env::var(k).ok())
            .map_err(shared::Error::new)
            .and_then(|cli| run::run(cli, &state::Env::read(|k| std::env::var_os(k))))
    });
    shared::out::finish_as(result, out::ERROR)
}
