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
    let cli = cli::Cli::parse();
    shared::out::finish(app::run(&cli))
}
