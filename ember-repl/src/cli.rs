//! Command line of `ember-repl`: the REPL by default, `hud` for tmux.

use clap::{Parser, Subcommand};

/// Ember's operator REPL: local docs, llama.cpp in-process, slash commands.
#[derive(Debug, Parser)]
#[command(name = "ember-repl", version)]
#[command(after_help = "Examples:\n  ember-repl\n  echo '/status' | ember-repl\n  ember-repl hud")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print one status line for tmux's status bar
    Hud,
}
