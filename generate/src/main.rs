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
    // The hidden --completions / --man (the Debian package's).
    if let Some(result) = shared::cli::doc::serve(generate::cli::doc) {
        return shared::out::finish(result);
    }
    let cli = match generate::cli::Cli::try_parse() {
        Ok(cli) => cli,
        // clap's own text and code (0 for --help, 2 for a usage error),
        // returned from main rather than exited inside clap.
        Err(e) => {
            let _ = e.print();
            return std::process::ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    // The one place generate reads its environment.
    let cfg = generate::config::Config::new(cli, |k| std::env::var_os(k));
    shared::out::finish(generate::run(&cfg))
}
