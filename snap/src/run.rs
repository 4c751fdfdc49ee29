//! What each `snap` command does, with snap.sh's messages.

use crate::cli::{usage, Cli, Command};
use shared::error::die;
use shared::incus::{Incus, Instance};
use std::io::{BufRead, IsTerminal, Write};

/// Run the command; `host` is the instance `self` names (this host's
/// name, found by `main`). Returns the process exit code.
pub fn run(cli: Cli, host: String) -> i32 {
    let incus = Incus::new(cli.remote).on_host(host);
    match cli.command {
        Command::Help => {
            print!("{}", usage());
            0
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
fn check_incus(incus: &Incus) {
    if !incus.preflight() {
        die(
            "Cannot connect to the Incus daemon. Check that incus is installed and you have socket access.",
            1,
        );
    }
}

fn find<'a>(incus: &'a Incus, name: &str) -> &'a Instance {
    incus.find(name).unwrap_or_else(|e| die(e, 1))
}

/// Run an `incus snapshot …` subcommand in the user's terminal; a failure
/// ends the process with incus's own exit code, as `set -e` did.
fn incus_snapshot(incus: &Incus, verb: &str, inst: &Instance, snap: Option<&str>, extra: &[&str]) {
    match incus.snapshot_interactive(verb, inst, snap, extra) {
        Ok(0) => {}
        Ok(code) => std::process::exit(code),
        Err(e) => die(e, 1),
    }
}

fn create(incus: &Incus, instance: &str, name: Option<String>) -> i32 {
    let snap = name.unwrap_or_else(default_name);
    validate_name(&snap);
    check_incus(incus);
    let inst = find(incus, instance);
    println!(
        "Creating snapshot '{snap}' for {} (project: {})...",
        inst.name, inst.project
    );
    incus_snapshot(incus, "create", inst, Some(&snap), &[]);
    println!("Done: {}/{snap}", inst.name);
    0
}

fn restore(incus: &Incus, force: bool, instance: &str, snap: &str) -> i32 {
    validate_name(snap);
    check_incus(incus);
    let inst = find(incus, instance);
    if incus.host() == Some(inst.name.as_str()) && !force && !confirm_self_restore() {
        eprintln!("Aborted.");
        return 1;
    }
    println!(
        "Restoring {} to snapshot '{snap}' (project: {})...",
        inst.name, inst.project
    );
    incus_snapshot(incus, "restore", inst, Some(snap), &[]);
    println!("Done.");
    0
}

/// Ask before restoring the instance we run in. The prompt is shown only on
/// a terminal (like `read -p`); otherwise the answer is read from stdin.
fn confirm_self_restore() -> bool {
    println!("WARNING: You are about to restore the instance you are currently");
    println!("running in. This will terminate your session immediately.");
    println!("You will need to reconnect after the restore completes.");
    println!();
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Type 'yes' to confirm: ");
        let _ = std::io::stderr().flush();
    }
    let mut answer = String::new();
    let _ = stdin.lock().read_line(&mut answer);
    answer.trim_end_matches(['\n', '\r']) == "yes"
}

fn list(incus: &Incus, instance: Option<&str>, json: bool) -> i32 {
    check_incus(incus);
    let all = incus.instances().unwrap_or_else(|e| die(e, 1));
    let chosen: Vec<&Instance> = match instance {
        Some(name) => vec![find(incus, name)],
        None => all.iter().collect(),
    };
    if json {
        println!("{}", json_listing(&chosen));
        return 0;
    }
    if let Some(name) = instance {
        let inst = find(incus, name);
        println!("Snapshots for {} (project: {}):", inst.name, inst.project);
        incus_snapshot(incus, "list", inst, None, &["--format", "table"]);
        return 0;
    }
    for inst in chosen {
        println!("=== {} (project: {}) ===", inst.name, inst.project);
        let _ = std::io::stdout().flush();
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
            Ok(out) if out.success() => print!("{}", out.stdout),
            _ => println!("  (no snapshots)"),
        }
        println!();
    }
    0
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

fn delete(incus: &Incus, instance: &str, snap: &str) -> i32 {
    validate_name(snap);
    check_incus(incus);
    let inst = find(incus, instance);
    println!(
        "Deleting snapshot '{snap}' from {} (project: {})...",
        inst.name, inst.project
    );
    incus_snapshot(incus, "delete", inst, Some(snap), &[]);
    println!("Done.");
    0
}

fn default_name() -> String {
    chrono::Local::now()
        .format("snap-%Y%m%d-%H%M%S")
        .to_string()
}

/// Every name is checked before the first incus call: Incus 6.0 takes
/// `..` as a folder and wipes every container's snapshots on the pool.
fn validate_name(name: &str) {
    if let Err(why) = shared::names::check_snapshot_name(name) {
        die(why, 1);
    }
}
