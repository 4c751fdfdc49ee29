//! `ember-repl`: replaces `python -m ember`.

mod cli;

use clap::Parser;

fn main() {
    let _cli = cli::Cli::parse();
    shared::error::die(
        "ember-repl is not implemented yet in this build (see issue #7)",
        1,
    );
}
