//! `ember-repl`: Ember's operator REPL (replaces `python -m ember`).

mod backend;
mod bench;
mod cli;
mod commands;
mod config;
mod docs;
mod gguf_check;
mod gguf_writer;
mod home;
mod hud;
mod models;
mod planner;
mod prompts;
mod render;
mod repl;
mod runtime;
mod state;
mod term;
#[cfg(test)]
mod testutil;
mod turn;
mod vault;

use clap::Parser;
use cli::{Cli, Command};

fn main() {
    let cli = Cli::parse();
    match cli.command {
        None => std::process::exit(repl::run(config::Settings::from_process_env())),
        Some(Command::Hud { session }) => {
            let env = |k: &str| std::env::var(k).ok();
            let session = session
                .or_else(|| env("EMBER_SESSION"))
                .unwrap_or_else(|| "ember".into());
            // A closed pipe (tmux gone) is not worth a panic message.
            use std::io::Write as _;
            let _ = writeln!(std::io::stdout(), "{}", hud::line(&session, &env));
        }
        Some(Command::Fixture {
            out,
            preset,
            weights,
        }) => {
            if let Err(e) = bench::fixture(&out, preset, weights) {
                shared::error::die(e, 1);
            }
        }
        Some(Command::Bench {
            model,
            prompt_file,
            tokens,
            runs,
        }) => {
            if let Err(e) = bench::bench(&model, &prompt_file, tokens, runs) {
                shared::error::die(e, 1);
            }
        }
    }
}
