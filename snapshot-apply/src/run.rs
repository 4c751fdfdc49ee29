//! Dispatch: what every command needs (Incus handle, state folder, pool
//! size), and the exit code of a fatal error.

use crate::cli::{usage, Cli, Command};
use crate::state::{self, State};
use crate::{cleanup, create, list, out, rollback};
use shared::incus::Incus;

/// Shared by the commands.
pub struct Ctx {
    pub incus: Incus,
    pub state: State,
    pub jobs: usize,
}

/// Run the command with the environment `main` read; returns the process
/// exit code.
pub fn run(cli: Cli, env: &state::Env) -> i32 {
    let result = match cli.command {
        Command::Usage => {
            // The script printed its usage on stdout and exited 1.
            out::raw(usage());
            return 1;
        }
        Command::Help => {
            out::raw(usage());
            return 0;
        }
        command => State::locate(cli.remote.as_deref(), env).and_then(|state| {
            let ctx = Ctx {
                incus: Incus::new(cli.remote),
                state,
                jobs: cli.jobs,
            };
            match command {
                Command::Create { limit } => create::create(&ctx, limit.as_deref()),
                Command::Rollback { timestamp, partial } => {
                    rollback::rollback(&ctx, timestamp.as_deref(), partial)
                }
                Command::List => list::list(&ctx),
                Command::Cleanup { keep } => cleanup::cleanup(&ctx, keep),
                Command::Usage | Command::Help => Ok(1),
            }
        }),
    };
    result.unwrap_or_else(|e| {
        out::error(e);
        if shared::interrupt::interrupted() {
            shared::interrupt::exit_code()
        } else {
            1
        }
    })
}
