//! `snapshot-apply`: snapshots around `make apply`, and rollback to them.

mod cli;

use clap::Parser;

fn main() {
    let _cli = cli::Cli::parse();
    shared::error::die("snapshot-apply is not implemented yet in this build (see issue #4)", 1);
}
