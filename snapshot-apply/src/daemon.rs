//! The `incus` calls this tool makes: the one instance listing, a
//! per-instance snapshot listing for when that is refused, and the snapshot
//! verbs themselves. Failures become one short line each.

use shared::cmd::{Cmd, CmdError};
use shared::incus::{explain, parse_list, Incus, Instance, Snapshot, DEFAULT_TIMEOUT};
use std::time::Duration;

/// A snapshot of a big instance on a `dir` pool is a full copy; the
/// listing's two minutes would kill the client while the daemon goes on.
const SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(1800);

/// Why the instance listing gave nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListError {
    /// No daemon, no `incus`, or it hung: nothing else will work either.
    Fatal(String),
    /// The daemon answered but refused or garbled the listing (a client
    /// restricted to some projects, say): asking instance by instance may work.
    Refused(String),
}

/// Every instance of every project, with its snapshots, in one call:
/// `incus list [remote:] --all-projects --format json`.
pub fn list_all(incus: &Incus, timeout: Duration) -> Result<Vec<Instance>, ListError> {
    let mut args = vec!["list".to_owned()];
    args.extend(incus.remote().map(|r| format!("{r}:")));
    args.extend(["--all-projects", "--format", "json"].map(String::from));
    match Cmd::new("incus").args(args).timeout(timeout).read() {
        Ok(json) => parse_list(&json).map_err(|e| ListError::Refused(one_line(&e.to_string()))),
        Err(e) if is_refusal(&e) => Err(ListError::Refused(reason(e))),
        Err(e) => Err(ListError::Fatal(one_line(&explain(e).to_string()))),
    }
}

/// The listing timeout of the commands that change things.
pub fn list_timeout() -> Duration {
    DEFAULT_TIMEOUT
}

/// Did incus run and say no (as opposed to: could not reach the daemon)?
fn is_refusal(e: &CmdError) -> bool {
    matches!(e, CmdError::Failed { .. })
        && !explain(e.clone())
            .to_string()
            .starts_with("cannot reach the Incus daemon")
}

/// What one instance lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Found(Vec<Snapshot>),
    NotFound,
    Failed(String),
}

/// `incus snapshot list <instance> --project <p> --format json`: whether
/// the instance exists there, and its snapshots.
pub fn snapshots_of(incus: &Incus, name: &str, project: &str) -> Lookup {
    let listed = incus
        .cmd()
        .args([
            "snapshot",
            "list",
            &incus.target(name),
            "--project",
            project,
        ])
        .args(["--format", "json"])
        .read();
    match listed {
        Ok(json) => match serde_json::from_str::<Option<Vec<Snapshot>>>(&json) {
            Ok(snaps) => Lookup::Found(snaps.unwrap_or_default()),
            Err(e) => Lookup::Failed(format!("unreadable snapshot list ({e})")),
        },
        Err(e) if e.stderr().to_lowercase().contains("not found") => Lookup::NotFound,
        Err(e) => Lookup::Failed(reason(e)),
    }
}

/// `incus snapshot <verb> <instance> <snapshot> --project <p>`.
pub fn snapshot(incus: &Incus, verb: &str, inst: &Instance, snap: &str) -> Result<(), String> {
    Cmd::new("incus")
        .args(["snapshot", verb, &incus.target(&inst.name), snap])
        .args(["--project", &inst.project])
        .timeout(SNAPSHOT_TIMEOUT)
        .read()
        .map(drop)
        .map_err(reason)
}

/// The part of a failure worth one line: what incus said (without its
/// `Error: ` prefix), or our explanation when it did not run.
pub fn reason(e: CmdError) -> String {
    if let CmdError::Failed { stderr, .. } = &e {
        if let Some(line) = stderr.lines().map(str::trim).rfind(|l| !l.is_empty()) {
            return line.strip_prefix("Error: ").unwrap_or(line).to_owned();
        }
    }
    one_line(&explain(e).to_string())
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The cluster member an instance lives on, when the daemon is a cluster.
pub fn member(inst: &Instance) -> Option<&str> {
    Some(inst.location.as_str()).filter(|l| !l.is_empty() && *l != "none")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(stderr: &str) -> CmdError {
        CmdError::Failed {
            line: "incus x".into(),
            code: Some(1),
            stderr: stderr.into(),
        }
    }

    #[test]
    fn reasons_are_one_line() {
        assert_eq!(
            reason(failed("Error: Failed creating instance snapshot\n")),
            "Failed creating instance snapshot"
        );
        assert_eq!(reason(failed("")), "`incus x` exited 1");
        let down = failed("Error: Get \"http://unix.socket/1.0\": dial unix: connection refused\n");
        assert!(!is_refusal(&down));
        assert!(is_refusal(&failed("Error: not authorized\n")));
    }
}
