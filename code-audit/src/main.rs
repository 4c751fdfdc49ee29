//! `code-audit`: line counts, test ratios and dead code of an anklume tree.

mod cli;

use clap::Parser;

fn main() {
    let _cli = cli::Cli::parse();
    shared::error::die("code-audit is not implemented yet in this build (see issue #6)", 1);
}
