//! Command line of `generate`, spelled like upstream's argparse interface
//! (`--base-dir=X`, unique prefixes such as `--dry`, exit 2 on usage errors).

use clap::Parser;
use std::path::PathBuf;

/// Generate the Ansible tree (inventory/, group_vars/, host_vars/) from infra.yml.
#[derive(Debug, Parser)]
#[command(
    name = "generate",
    version,
    infer_long_args = true,
    args_override_self = true
)]
#[command(
    after_help = "Examples:\n  generate infra.yml\n  generate --dry-run --diff infra/\n  generate --clean-orphans --base-dir out infra.yml"
)]
pub struct Cli {
    /// Path to infra.yml or an infra/ directory
    // Upstream's argparse name: anklume's tests look for it in --help.
    #[arg(value_name = "infra_file")]
    pub infra_file: PathBuf,
    /// Preview without writing
    #[arg(long)]
    pub dry_run: bool,
    /// Remove orphan files
    #[arg(long)]
    pub clean_orphans: bool,
    /// Output base directory
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub base_dir: PathBuf,
    /// Print a unified diff of every file that would change
    #[arg(long)]
    pub diff: bool,
    /// Fail at once when another run holds the base dir, instead of waiting
    #[arg(
        long,
        env = "ANKLUME_GENERATE_NO_WAIT",
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    pub no_wait: bool,
    /// Reject unknown keys in infra.yml, naming the closest known key
    #[arg(long)]
    pub strict: bool,
}

/// The declaration, for completions and the man page.
pub fn doc() -> shared::cli::doc::Doc {
    shared::cli::doc::Doc::from_clap(<Cli as clap::CommandFactory>::command())
}
