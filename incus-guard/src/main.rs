//! `incus-guard`: removes Incus bridges whose subnet collides with the host's.

mod cli;

use clap::Parser;

fn main() {
    let _cli = cli::Cli::parse();
    shared::error::die("incus-guard is not implemented yet in this build (see issue #5)", 1);
}
