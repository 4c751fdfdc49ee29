//! `snap`: create, restore, list and delete Incus snapshots by instance name.

mod cli;

use clap::Parser;

fn main() {
    let _cli = cli::Cli::parse();
    shared::error::die("snap is not implemented yet in this build (see issue #4)", 1);
}
