//! What each `snap` command does, with snap.sh's messages.

use crate::cli::{usage, Cli, Command};
use shared::incus::{Incus, Instance};
use shared::{eout, eoutln, outln, Error, Result};
use std::io::{BufRead, IsTerminal};

/// Run the command; `host` is the instance `self` names (this host's
/// name, found by `main`).
pub fn run(cli: Cli, host: String) -> Result<()> {
    let incus = Incus::new(cli.remote).on_host(host);
    match cli.command {
        Command::Help => {
            shared::out::text(&usage());
            Ok(())
        }
        Command::Create { instance, name } => create(&incus, &instance, name),
        Command::Restore {
            force,
            instance,
            name,
        } => restore(&incus, force, &instance, &name),
        Command::List { instance, json } => list(&incus, instance.as_deref(), json),
        Command::Delete { instance, name } => delete(&incus, &instance, &name),
    }
}

/// The script's pre-flight: can we talk to the daemon at all?
fn check_incus(incus: &Incus) -> Result<()> {
    if incus.preflight() {
        Ok(())
    } else {
        Err(Error::new(
            "Cannot connect to the Incus daemon. Check that incus is installed and you have socket access.",
        ))
    }
}

/// Run an `incus snapshot …` subcommand in the user's terminal; a failure
/// ends the tool with incus's own exit code (incus said why), as `set -e`
/// did.
fn incus_snapshot(
    incus: &Incus,
    verb: &str,
    inst: &Instance,
    snap: Option<&str>,
    extra: &[&str],
) -> Result<()> {
    match incus.snapshot_interactive(verb, inst, snap, extra)? {
        0 => Ok(()),
        code => Err(Error::exit(code)),
    }
}

fn create(incus: &Incus, instance: &str, name: Option<String>) -> Result<()> {
    let snap = name.unwrap_or_else(default_name);
    shared::names::check_snapshot_name(&snap)?;
    check_incus(incus)?;
    let inst = incus.find(instance)?;
    outln!(
        "Creating snapshot '{snap}' for {} (project: {})...",
        inst.name,
        inst.project
    );
    incus_snapshot(incus, "create", inst, Some(&snap), &[])?;
    outln!("Done: {}/{snap}", inst.name);
    Ok(())
}

fn restore(incus: &Incus, force: bool, instance: &str, snap: &str) -> Result<()> {
    shared::names::check_snapshot_name(snap)?;
    check_incus(incus)?;
    let inst = incus.find(instance)?;
    if incus.host() == Some(inst.name.as_str()) && !force && !confirm_self_restore() {
        eoutln!("Aborted.");
        return Err(Error::exit(1));
    }
    outln!(
        "Restoring {} to snapshot '{snap}' (project: {})...",
        inst.name,
        inst.project
    );
    incus_snapshot(incus, "restore", inst, Some(snap), &[])?;
    outln!("Done.");
    Ok(())
}

/// Ask before restoring the instance we run in. The prompt is shown only on
/// a terminal (like `read -p`); otherwise the answer is read from stdin.
fn confirm_self_restore() -> bool {
    shared::out::text(
        "WARNING: You are about to restore the instance you are currently\n\
         running in. This will terminate your session immediately.\n\
         You will need to reconnect after the restore completes.\n\n",
    );
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eout!("Type 'yes' to confirm: ");
    }
    let mut answer = String::new();
    let _ = stdin.lock().read_line(&mut answer);
    answer.trim_end_matches(['\n', '\r']) == "yes"
}

fn list(incus: &Incus, instance: Option<&str>, json: bool) -> Result<()> {
    check_incus(incus)?;
    let all = incus.instances()?;
    let chosen: Vec<&Instance> = match instance {
        Some(name) => vec![incus.find(name)?],
        None => all.iter().collect(),
    };
    if json {
        outln!("{}", json_listing(&chosen));
        return Ok(());
    }
    if let Some(name) = instance {
        let inst = incus.find(name)?;
        outln!("Snapshots for {} (project: {}):", inst.name, inst.project);
        return incus_snapshot(incus, "list", inst, None, &["--format", "table"]);
    }
    for inst in chosen {
        // The reader went away (`| head`): asking incus for more is useless.
        if shared::out::closed() {
            break;
        }
        outln!("=== {} (project: {}) ===", inst.name, inst.project);
        let shown = shared::cmd::Cmd::new("incus")
            .args([
                "snapshot",
                "list",
                &incus.target(&inst.name),
                "--project",
                &inst.project,
            ])
            .args(["--format", "table"])
            .output();
        match shown {
            Ok(out) if out.success() => shared::out::text(&format!("{}\n", out.stdout)),
            _ => shared::out::text("  (no snapshots)\n\n"),
        }
    }
    Ok(())
}

/// One JSON object per snapshot, for pipelines.
fn json_listing(instances: &[&Instance]) -> String {
    let rows: Vec<serde_json::Value> = instances
        .iter()
        .flat_map(|inst| {
            inst.snapshots.iter().map(move |s| {
                serde_json::json!({
                    "instance": inst.name,
                    "project": inst.project,
                    "location": inst.location,
                    "snapshot": s.name,
                    "created_at": s.created_at,
                })
            })
        })
        .collect();
    serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".to_owned())
}

fn delete(incus: &Incus, instance: &str, snap: &str) -> Result<()> {
    shared::names::check_snapshot_name(snap)?;
    check_incus(incus)?;
    let inst = incus.find(instance)?;
    outln!(
        "Deleting snapshot '{snap}' from {} (project: {})...",
        inst.name,
        inst.project
    );
    incus_snapshot(incus, "delete", inst, Some(snap), &[])?;
    outln!("Done.");
    Ok(())
}

fn default_name() -> String {
    chrono::Local::now()
        .format("snap-%Y%m%d-%H%M%S")
        .to_string()
}
