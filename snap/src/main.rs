//! `snap`: create, restore, list and delete Incus snapshots by instance name.

#![forbid(unsafe_code)]

mod cli;
mod run;

fn main() {
    // A killed snap takes its incus child with it.
    shared::interrupt::die_with_parent();
    // The hidden --completions / --man (the Debian package's).
    if let Some(code) = shared::cli::doc::serve(cli::doc) {
        std::process::exit(code);
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    // The environment is read here and nowhere below.
    let env = |k: &str| std::env::var(k).ok();
    let cli = cli::parse(&args, env).unwrap_or_else(|e| shared::error::die(e, 1));
    let host = shared::incus::hostname(env("HOSTNAME"));
    std::process::exit(run::run(cli, host));
}
