//! Command line of `ember-repl`: the REPL by default, `hud` for tmux.
//!
//! Both entry points are stable interfaces (tmux starts the REPL and calls
//! `hud` every 2 s). `fixture` and `bench` are hidden tools for the tests and
//! `bench/ember-repl.sh`.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Ember's operator REPL: local docs, llama.cpp in-process, slash commands.
#[derive(Debug, Parser)]
#[command(name = "ember-repl", version)]
#[command(
    after_help = "Examples:\n  ember-repl\n  echo '/status' | ember-repl\n  ember-repl hud --session ember\n\n\
Settings come from the environment (VAULT_DIR, LLAMA_CPP_MODEL, LLAMA_CPP_MAX_TOKENS, ...);\n\
/config inside the REPL shows each value and where it came from."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The declaration, for completions and the man page.
pub fn doc() -> shared::cli::doc::Doc {
    shared::cli::doc::Doc::from_clap(<Cli as clap::CommandFactory>::command())
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print one status line for tmux's status bar
    Hud {
        /// Session name to show (tmux: --session '#S'); default $EMBER_SESSION or "ember"
        #[arg(long)]
        session: Option<String>,
    },
    /// Write a random-weight llama GGUF (tests and benchmarks)
    #[command(hide = true)]
    Fixture {
        out: PathBuf,
        #[arg(long, value_enum, default_value = "tiny")]
        preset: Preset,
        #[arg(long, value_enum)]
        weights: Option<Weights>,
        /// `tokenizer.ggml.model` to write (tests of broken models)
        #[arg(long, default_value = "llama")]
        tokenizer: String,
        /// Write one token string twice (tests of broken models)
        #[arg(long)]
        duplicate_token: bool,
        /// Integer metadata to write instead, KEY=VALUE (tests of broken models)
        #[arg(long = "set", value_name = "KEY=VALUE")]
        overrides: Vec<String>,
    },
    /// Load a model and generate one token, in a child process of the REPL
    /// (exit 0: fine; 3: a reported error; anything else: it crashes)
    #[command(hide = true)]
    Probe {
        #[arg(long, default_value_t = 512)]
        ctx: u32,
        #[arg(long, default_value_t = 1)]
        threads: u32,
        model: PathBuf,
    },
    /// Time loading and generation with a model (bench/ember-repl.sh)
    #[command(hide = true)]
    Bench {
        #[arg(long)]
        model: PathBuf,
        /// File holding the prompt text
        #[arg(long)]
        prompt_file: PathBuf,
        #[arg(long, default_value_t = 128)]
        tokens: u32,
        #[arg(long, default_value_t = 3)]
        runs: u32,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Preset {
    Tiny,
    Bench,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Weights {
    F32,
    F16,
    #[value(name = "q8_0")]
    Q8_0,
}
