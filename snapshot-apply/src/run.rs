//! Dispatch: what every command needs (Incus handle, state folder, pool
//! size), and the exit code of a fatal error.

use crate::cli::{usage, Cli, Command};
use crate::state::{self, State};
use crate::{cleanup, create, list, out, rollback};
use shared::incus::Incus;
use shared::Error;

/// Shared by the commands.
pub struct Ctx {
    pub incus: Incus,
    pub state: State,
    pub jobs: usize,
}

/// Run the command with the environment `main` read. A failure the
/// command reported itself is [`Error::exit`] with its code.
pub fn run(cli: Cli, env: &state::Env) -> shared::Result<()> {
    let result = match cli.command {
        Command::Usage => {
            // The script printed its usage on stdout and exited 1.
            out::raw(usage());
            return Err(Error::exit(1));
        }
        Command::Help => {
            out::raw(usage());
            return Ok(());
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
    match result {
        Ok(code) => shared::error::status(code),
        Err(e) if shared::interrupt::interrupted() => Err(Error::with_code(
            shared::interrupt::exit_code(),
            e.message(),
        )),
        Err(e) => Err(e),
    }
}
