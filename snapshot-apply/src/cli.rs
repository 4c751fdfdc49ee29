//! Command line of `snapshot-apply`: upstream snapshot-apply.sh's subcommands.

use clap::{Parser, Subcommand};

/// Pre-apply snapshots: take one before `make apply`, roll back to it after.
#[derive(Debug, Parser)]
#[command(name = "snapshot-apply", version)]
#[command(after_help = "Examples:\n  snapshot-apply create --limit pro\n  snapshot-apply rollback\n  snapshot-apply cleanup --keep 3")]
pub struct Cli {
    /// Address an Incus remote or cluster instead of the local daemon
    #[arg(long, global = true, env = "ANKLUME_INCUS_REMOTE", value_name = "NAME")]
    pub remote: Option<String>,
    /// How many snapshot operations run at once
    #[arg(long, global = true, default_value_t = 4, value_name = "N")]
    pub jobs: usize,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create pre-apply snapshots
    Create {
        /// Only the hosts of this inventory group
        #[arg(long, value_name = "GROUP")]
        limit: Option<String>,
    },
    /// Restore pre-apply snapshot (the latest by default)
    Rollback {
        /// Timestamp YYYYMMDD-HHMMSS of the snapshot to restore
        timestamp: Option<String>,
    },
    /// List pre-apply snapshots
    List,
    /// Remove old snapshots
    Cleanup {
        /// How many to keep
        #[arg(long, default_value_t = 3, value_name = "N")]
        keep: usize,
    },
}
