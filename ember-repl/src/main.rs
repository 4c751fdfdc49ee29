//! `ember-repl`: Ember's operator REPL (replaces `python -m ember`).

// unsafe only in the FFI (backend::llama::ffi) and OS (os) modules.
#![deny(unsafe_code)]

mod backend;
mod bench;
mod cli;
mod commands;
mod config;
mod docs;
mod gguf_check;
mod gguf_writer;
mod history;
mod home;
mod hud;
mod models;
#[allow(unsafe_code)]
mod os;
mod planner;
mod probe;
mod prompts;
mod render;
mod repl;
mod runtime;
mod safe_read;
mod state;
mod term;
#[cfg(test)]
mod testutil;
mod turn;
mod vault;

use clap::Parser;
use cli::{Cli, Command};
use shared::error::status;
use std::process::ExitCode;

fn main() -> ExitCode {
    // The hidden --completions / --man (the Debian package's).
    if let Some(result) = shared::cli::doc::serve(cli::doc) {
        return shared::out::finish(result);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // clap's own text and code (0 for --help, 2 for a usage error),
        // returned from main rather than exited inside clap.
        Err(e) => {
            let _ = e.print();
            return std::process::ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    shared::out::finish(run(cli))
}

fn run(cli: Cli) -> shared::Result<()> {
    match cli.command {
        None => status(repl::run(config::Settings::from_process_env())),
        Some(Command::Hud { session }) => {
            let env = config::process_var;
            let session = session
                .or_else(|| env("EMBER_SESSION"))
                .unwrap_or_else(|| "ember".into());
            shared::outln!("{}", hud::line(&session, &env));
            Ok(())
        }
        Some(Command::Fixture {
            out,
            preset,
            weights,
            tokenizer,
            duplicate_token,
            overrides,
        }) => {
            let broken = bench::Broken {
                tokenizer,
                duplicate_token,
                overrides,
            };
            bench::fixture(&out, preset, weights, &broken)
        }
        Some(Command::Probe {
            ctx,
            threads,
            model,
        }) => status(probe_child(
            model,
            ctx,
            threads,
            config::process_var("EMBER_CPU_VARIANT"),
        )),
        Some(Command::Bench {
            model,
            prompt_file,
            tokens,
            runs,
        }) => {
            let settings = config::Settings::from_process_env();
            bench::bench(&settings, &model, &prompt_file, tokens, runs)
        }
    }
}

/// `ember-repl probe`: what the REPL will do with the model, in a process
/// that may crash (see `probe`).
fn probe_child(
    model: std::path::PathBuf,
    ctx: u32,
    threads: u32,
    cpu_variant: Option<String>,
) -> i32 {
    use backend::Backend as _;
    static NEVER: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    let mut b = backend::llama::LlamaBackend::new(&NEVER, false).with_cpu_variant(cpu_variant);
    let params = backend::LoadParams {
        model,
        threads: threads.max(1),
        ctx,
        batch: ctx.min(128),
        rope_freq_base: None,
        rope_freq_scale: None,
    };
    let gen = backend::GenParams {
        max_tokens: 1,
        temperature: 0.0,
        top_p: 1.0,
        timeout: std::time::Duration::from_secs(60),
        ignore_eos: false,
    };
    let result = b
        .load(&params)
        .and_then(|_| b.complete("hello", &gen, &mut |_| {}));
    match result {
        Ok(_) => 0,
        Err(e) => {
            shared::eoutln!("{e}");
            probe::EXIT_REPORTED
        }
    }
}
