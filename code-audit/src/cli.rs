//! Command line of `code-audit`, as upstream's argparse interface.

use clap::Parser;
use std::path::PathBuf;

/// anklume codebase audit report
#[derive(Debug, Parser)]
#[command(name = "code-audit", version, infer_long_args = true)]
#[command(after_help = "Examples:\n  code-audit\n  code-audit --json -o reports/audit.json")]
pub struct Cli {
    /// Output as JSON instead of text
    #[arg(long)]
    pub json: bool,
    /// Write report to file (default: stdout)
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Project root directory (default: nearest folder holding scripts/ or .git)
    #[arg(long, value_name = "DIR")]
    pub project_dir: Option<PathBuf>,
    /// Skip the dead-code section
    #[arg(long)]
    pub no_dead_code: bool,
}
