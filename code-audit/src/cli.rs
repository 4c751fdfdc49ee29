//! Command line of `code-audit`, as upstream's argparse interface.
//!
//! argparse accepts unique prefixes of long options (`--js`, `--out=X`) and
//! `-oFILE`; clap's `infer_long_args` gives the same, and clap's usage errors
//! exit 2 like argparse's. Values are `OsString`s because clap's `PathBuf`
//! parser refuses the empty string argparse accepts. `--no-dead-code` is ours.

use clap::Parser;
use std::ffi::OsString;
use std::path::Path;

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
    pub output: Option<OsString>,
    /// Project root directory (default: the checkout this binary was adopted
    /// into, else the nearest folder holding scripts/ or .git)
    #[arg(long, value_name = "DIR")]
    pub project_dir: Option<OsString>,
    /// Skip the dead-code section
    #[arg(long)]
    pub no_dead_code: bool,
}

/// The declaration, for completions and the man page.
pub fn doc() -> shared::cli::doc::Doc {
    shared::cli::doc::Doc::from_clap(<Cli as clap::CommandFactory>::command())
}

impl Cli {
    /// The output file, if any. argparse tests `if args.output:`, so an
    /// empty `--output ""` means stdout there too.
    pub fn output_file(&self) -> Option<&Path> {
        self.output
            .as_deref()
            .filter(|p| !p.is_empty())
            .map(Path::new)
    }

    /// `--project-dir`, which may be empty (argparse accepts `""`, which
    /// pathlib reads as `.`).
    pub fn project_dir(&self) -> Option<&Path> {
        self.project_dir.as_deref().map(Path::new)
    }
}
