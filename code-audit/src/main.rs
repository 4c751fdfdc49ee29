//! `code-audit`: line counts, test ratios, role sizes and dead code of an
//! anklume tree, as a text or JSON report (replaces `scripts/code-audit.py`).

#![forbid(unsafe_code)]

mod app;
mod cli;
mod count;
mod deadcode;
mod escape;
mod json;
mod project;
mod report;
mod text;
mod walk;

use clap::Parser;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // The hidden --completions / --man (the Debian package's).
    if let Some(result) = shared::cli::doc::serve(cli::doc) {
        return shared::out::finish(result);
    }
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        // clap's own text and code (0 for --help, 2 for a usage error),
        // returned from main rather than exited inside clap.
        Err(e) => {
            let _ = e.print();
            return std::process::ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    shared::out::finish(app::run(&cli))
}
