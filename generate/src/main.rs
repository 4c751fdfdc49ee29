//! `generate`: infra.yml → Ansible inventory, group_vars and host_vars.
//!
//! A drop-in for anklume's `scripts/generate.py`: same files byte for byte,
//! same messages, same exit codes. See `pipeline` for the order of steps;
//! the modules live in the library (`lib.rs`).

#![forbid(unsafe_code)]

use clap::Parser;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = generate::cli::Cli::parse();
    // The one place generate reads its environment.
    let cfg = generate::config::Config::new(cli, |k| std::env::var_os(k));
    shared::out::finish(generate::run(&cfg))
}
