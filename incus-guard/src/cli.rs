//! Command line of `incus-guard`: upstream incus-guard.sh's subcommands plus
//! `uninstall` and `status`.

use clap::{Parser, Subcommand};

/// Keep Incus bridges from taking over the host's own network.
#[derive(Debug, Parser)]
#[command(name = "incus-guard", version)]
#[command(after_help = "Examples:\n  incus-guard status\n  incus-guard install\n  incus-guard start")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Detect the host network, start Incus, remove conflicting bridges
    Start,
    /// systemd ExecStartPost hook: clean conflicting bridges (always exits 0)
    PostStart,
    /// Install the binary and the systemd drop-in
    Install,
    /// Remove the systemd drop-in and the installed binary
    Uninstall,
    /// Show the drop-in, the host network, the bridges and any conflict
    Status,
}
