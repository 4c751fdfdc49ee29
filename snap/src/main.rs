//! `snap`: create, restore, list and delete Incus snapshots by instance name.

#![forbid(unsafe_code)]

mod cli;
mod run;

fn main() {
    // A killed snap takes its incus child with it.
    shared::interrupt::die_with_parent();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cli = cli::parse(&args).unwrap_or_else(|e| shared::error::die(e, 1));
    std::process::exit(run::run(cli));
}
