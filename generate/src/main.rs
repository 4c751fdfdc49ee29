//! `generate`: infra.yml → Ansible inventory, group_vars and host_vars.

mod cli;

use clap::Parser;

fn main() {
    let _cli = cli::Cli::parse();
    shared::error::die("generate is not implemented yet in this build (see issue #3)", 1);
}
