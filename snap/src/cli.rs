//! Command line of `snap`: the subcommands of upstream's snap.sh.

use clap::{Parser, Subcommand};

/// Snapshot management for anklume instances, with instance-to-project resolution.
///
/// Use "self" as instance name to mean this host. Default snapshot name:
/// snap-YYYYMMDD-HHMMSS.
#[derive(Debug, Parser)]
#[command(name = "snap", version)]
#[command(after_help = "Examples:\n  snap create anklume-instance\n  snap create self my-checkpoint\n  snap restore anklume-instance snap-20250210-143000\n  snap list\n  snap list --json")]
pub struct Cli {
    /// Address an Incus remote or cluster instead of the local daemon
    #[arg(long, global = true, env = "ANKLUME_INCUS_REMOTE", value_name = "NAME")]
    pub remote: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a snapshot
    Create {
        /// Instance name, or "self"
        instance: String,
        /// Snapshot name (default snap-YYYYMMDD-HHMMSS)
        name: Option<String>,
    },
    /// Restore a snapshot
    Restore {
        /// Skip the confirmation when restoring the instance you run in
        #[arg(long)]
        force: bool,
        instance: String,
        name: String,
    },
    /// List snapshots of one instance, or of every instance
    List {
        instance: Option<String>,
        /// Machine-readable output: instance, project, snapshot, created_at
        #[arg(long)]
        json: bool,
    },
    /// Delete a snapshot
    Delete { instance: String, name: String },
}
