//! `generate`: infra.yml → Ansible inventory, group_vars and host_vars.
//!
//! A drop-in for anklume's `scripts/generate.py`: same files byte for byte,
//! same messages, same exit codes. See `pipeline` for the order of steps.

mod cli;
mod enrich;
mod orphans;
mod pipeline;
mod py;
mod render;
mod strict;
mod validate;
mod warnings;
mod write;
mod zones;

use clap::Parser;

fn main() {
    let cli = cli::Cli::parse();
    std::process::exit(pipeline::run(&cli));
}
