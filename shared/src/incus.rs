//! Talking to Incus: which project an instance lives in, and its snapshots.
//!
//! One `incus list --all-projects --format json` answers both questions for
//! every instance at once, so a tool makes that call once per process
//! ([`Incus::instances`] caches it) instead of one `incus info` per instance.

use crate::cmd::{Cmd, CmdError};
use crate::names::check_snapshot_name;
use crate::{err, Error, Result};
use serde::Deserialize;
use std::sync::OnceLock;
use std::time::Duration;

/// How long one `incus` call may take before we give up on the daemon.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
/// The ping ([`Incus::ping`]) answers at once from any live daemon.
const PING_TIMEOUT: Duration = Duration::from_secs(15);

/// One instance as `incus list --format json` reports it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Instance {
    pub name: String,
    #[serde(default = "default_project")]
    pub project: String,
    #[serde(default)]
    pub status: String,
    #[serde(default, rename = "type")]
    pub kind: String,
    /// Cluster member ("none" on a standalone daemon).
    #[serde(default)]
    pub location: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub snapshots: Vec<Snapshot>,
}

/// One snapshot of an instance.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Snapshot {
    /// The bare snapshot name (`pre-apply-20250101-120000`).
    pub name: String,
    #[serde(default)]
    pub created_at: String,
}

fn default_project() -> String {
    "default".to_owned()
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Snapshot>, D::Error> {
    Ok(Option::<Vec<Snapshot>>::deserialize(d)?.unwrap_or_default())
}

/// A handle on one Incus daemon (local, or a remote / cluster by name).
#[derive(Debug, Default)]
pub struct Incus {
    remote: Option<String>,
    cache: OnceLock<Vec<Instance>>,
    /// The instance `self` names (see [`Incus::on_host`]).
    host: Option<String>,
}

impl Incus {
    /// The local daemon, or `remote` (`incus remote list` name) when given.
    pub fn new(remote: Option<String>) -> Self {
        Incus {
            remote: remote.filter(|r| !r.is_empty()),
            cache: OnceLock::new(),
            host: None,
        }
    }

    /// The name `self` stands for: this host's, from [`hostname`] (a tool
    /// that takes `self` sets it; elsewhere `self` is an ordinary name).
    pub fn on_host(self, host: String) -> Self {
        Incus {
            host: Some(host),
            ..self
        }
    }

    /// The name `self` stands for, when set.
    pub fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }

    pub fn remote(&self) -> Option<&str> {
        self.remote.as_deref()
    }

    /// `instance` as the incus CLI wants it: `remote:instance` on a remote.
    pub fn target(&self, instance: &str) -> String {
        match &self.remote {
            Some(r) => format!("{r}:{instance}"),
            None => instance.to_owned(),
        }
    }

    /// An `incus` command with the default timeout.
    pub fn cmd(&self) -> Cmd {
        Cmd::new("incus").timeout(DEFAULT_TIMEOUT)
    }

    /// Run `incus ARGS…`, turning daemon trouble into one clear sentence.
    pub fn run<I, S>(&self, args: I) -> Result<String>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.cmd().args(args).read().map_err(explain)
    }

    /// Every instance of every project (one call, cached for the process).
    pub fn instances(&self) -> Result<&[Instance]> {
        if let Some(list) = self.cache.get() {
            return Ok(list);
        }
        let list = self.list_all(DEFAULT_TIMEOUT).map_err(|e| match e {
            ListError::Unreachable(e) => e,
            ListError::Refused(why) => err!("`incus list --all-projects` failed: {why}"),
        })?;
        Ok(self.cache.get_or_init(|| list))
    }

    /// `incus list [remote:] --all-projects --format json`, uncached, telling
    /// a daemon that cannot be reached from one that refused the listing.
    pub fn list_all(&self, timeout: Duration) -> Result<Vec<Instance>, ListError> {
        let mut args = vec!["list".to_owned()];
        args.extend(self.remote.as_ref().map(|r| format!("{r}:")));
        args.extend(["--all-projects", "--format", "json"].map(String::from));
        match Cmd::new("incus").args(args).timeout(timeout).read() {
            Ok(json) => parse_list(&json).map_err(|e| ListError::Refused(one_line(e.message()))),
            Err(e) => Err(self.classify(e)),
        }
    }

    /// Why a call failed: the daemon answered and said no, or it (or the
    /// remote) cannot be reached at all. Decided by how the call failed and,
    /// when incus ran and exited non-zero, by a cheap second request
    /// ([`Incus::ping`]), never by the wording of the message: incus words a
    /// missing socket, an unresolvable remote or a TLS failure differently
    /// from one version to the next.
    pub fn classify(&self, e: CmdError) -> ListError {
        match e {
            CmdError::Failed { .. } if self.ping() => ListError::Refused(reason(e)),
            CmdError::Failed { .. } => ListError::Unreachable(err!(
                "cannot reach {}: {}. Check that incusd is running and that you may use its \
                 socket (group incus-admin){}",
                self.daemon(),
                reason(e),
                if self.remote.is_some() {
                    ", and that the remote is up (incus remote list)"
                } else {
                    ""
                }
            )),
            other => ListError::Unreachable(explain(other)),
        }
    }

    /// "the Incus daemon", or "Incus remote 'NAME'".
    fn daemon(&self) -> String {
        match &self.remote {
            Some(r) => format!("Incus remote '{r}'"),
            None => "the Incus daemon".to_owned(),
        }
    }

    /// `incus snapshot list <instance> --project <p> --format json`: does the
    /// instance exist in that project, and which snapshots does it have.
    pub fn snapshots_of(&self, name: &str, project: &str) -> Lookup {
        let listed = self
            .cmd()
            .args(["snapshot", "list", &self.target(name), "--project", project])
            .args(["--format", "json"])
            .read();
        match listed {
            Ok(json) => match serde_json::from_str::<Option<Vec<Snapshot>>>(&json) {
                Ok(snaps) => Lookup::Found(snaps.unwrap_or_default()),
                Err(e) => Lookup::Failed(format!("unreadable snapshot list ({e})")),
            },
            Err(e) if said(&e) == Said::NotFound => Lookup::NotFound,
            Err(e) => Lookup::Failed(reason(e)),
        }
    }

    /// `incus snapshot <verb> <instance> <snapshot> --project <p>`, output
    /// captured; a failure is incus's own reason on one line. The name is
    /// checked first ([`check_snapshot_name`]): incus would take `..` as a
    /// folder of the pool.
    pub fn snapshot(
        &self,
        verb: &str,
        inst: &Instance,
        snap: &str,
        timeout: Duration,
    ) -> Result<()> {
        check_snapshot_name(snap)?;
        Cmd::new("incus")
            .args(["snapshot", verb, &self.target(&inst.name), snap])
            .args(["--project", &inst.project])
            .timeout(timeout)
            .read()
            .map(drop)
            .map_err(|e| Error::new(reason(e)))
    }

    /// `incus snapshot <verb> <instance> [<snapshot>] ARGS… --project <p>`
    /// with the user's terminal for output (not for input: incus would read
    /// our stdin as YAML config), so incus's own output and errors show as
    /// they come. Returns incus's exit code.
    pub fn snapshot_interactive(
        &self,
        verb: &str,
        inst: &Instance,
        snap: Option<&str>,
        args: &[&str],
    ) -> Result<i32> {
        if let Some(snap) = snap {
            check_snapshot_name(snap)?;
        }
        Cmd::new("incus")
            .args(["snapshot", verb, &self.target(&inst.name)])
            .args(snap)
            .args(args.iter().copied())
            .args(["--project", &inst.project])
            .status_inherit()
            .map_err(explain)
    }

    /// Does the daemon (or the remote) answer at all? `incus info`, i.e.
    /// `GET /1.0`, which every client may ask, restricted or not (and which
    /// test doubles written for snapshot-apply.sh answer).
    pub fn ping(&self) -> bool {
        let remote = self.remote.as_ref().map(|r| format!("{r}:"));
        answers(Cmd::new("incus").arg("info").args(remote))
    }

    /// snap.sh's pre-flight, kept as it was: `incus project list --format
    /// csv` answers (test doubles written for snap.sh answer this one).
    pub fn preflight(&self) -> bool {
        let remote = self.remote.as_ref().map(|r| format!("{r}:"));
        answers(
            Cmd::new("incus")
                .args(["project", "list"])
                .args(remote)
                .args(["--format", "csv"]),
        )
    }

    /// Forget the cached list (after creating or deleting snapshots).
    pub fn refresh(&mut self) {
        self.cache = OnceLock::new();
    }

    /// Find an instance by name; `self` means [`Incus::host`] when set.
    pub fn find(&self, name: &str) -> Result<&Instance> {
        let name = match (name, &self.host) {
            ("self", Some(host)) => host.as_str(),
            _ => name,
        };
        self.instances()?
            .iter()
            .find(|i| i.name == name)
            .ok_or_else(|| err!("Instance '{name}' not found in any Incus project"))
    }

    /// The project an instance lives in.
    pub fn project_of(&self, name: &str) -> Result<&str> {
        self.find(name).map(|i| i.project.as_str())
    }
}

/// `cmd` succeeds within the ping timeout.
fn answers(cmd: Cmd) -> bool {
    cmd.timeout(PING_TIMEOUT).read().is_ok()
}

/// Why the instance listing gave nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListError {
    /// No daemon, no `incus`, or it hung: nothing else will work either.
    Unreachable(Error),
    /// The daemon answered but refused or garbled the listing (a client
    /// restricted to some projects, say): asking instance by instance may work.
    Refused(String),
}

/// What a per-instance snapshot lookup found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Found(Vec<Snapshot>),
    NotFound,
    Failed(String),
}

impl Instance {
    /// The cluster member the instance lives on, when the daemon is a cluster.
    pub fn member(&self) -> Option<&str> {
        Some(self.location.as_str()).filter(|l| !l.is_empty() && *l != "none")
    }
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

/// Parse `incus list --format json` output.
pub fn parse_list(json: &str) -> Result<Vec<Instance>> {
    serde_json::from_str(json)
        .map_err(|e| err!("could not read the instance list from `incus list`: {e}"))
}

/// This host's name, as the scripts saw it (`${HOSTNAME:-$(hostname)}`):
/// `var`, the value of `$HOSTNAME` that `main` read, else the kernel's.
pub fn hostname(var: Option<String>) -> String {
    if let Some(h) = var.filter(|h| !h.is_empty()) {
        return h;
    }
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

/// What a failed incus call said, as far as its words tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Said {
    /// The daemon's socket or address did not answer.
    Unreachable,
    /// The daemon answered: no such instance (or project).
    NotFound,
    /// Anything else, or incus did not run.
    Other,
}

/// The one place an incus failure is classified by its message. incus
/// exits 1 for every failure and its CLI prints no structured error, so
/// the words are all there is; where a second request can decide instead
/// ([`Incus::classify`]: does the daemon answer `incus info`?), the tools
/// use that.
pub fn said(e: &CmdError) -> Said {
    let CmdError::Failed { stderr, .. } = e else {
        return Said::Other;
    };
    let stderr = stderr.to_lowercase();
    if ["unix.socket", "connection refused", "failed to connect"]
        .iter()
        .any(|s| stderr.contains(s))
    {
        Said::Unreachable
    } else if stderr.contains("not found") {
        Said::NotFound
    } else {
        Said::Other
    }
}

/// Turn an incus failure into a sentence a user can act on.
pub fn explain(e: CmdError) -> Error {
    let unreachable = said(&e) == Said::Unreachable;
    match e {
        CmdError::NotFound { .. } => {
            err!("`incus` is not installed or not on PATH: install Incus, or run this on the Incus host")
        }
        CmdError::Failed { ref stderr, .. } if unreachable => err!(
            "cannot reach the Incus daemon: {}. Check that incusd is running and that you may use its socket (group incus-admin).",
            stderr.trim()
        ),
        CmdError::TimedOut { .. } => err!("{e}: is the Incus daemon hung?"),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = r#"[
      {"name":"web","project":"pro","status":"Running","type":"container","location":"none",
       "snapshots":[{"name":"pre-apply-20250101-120000","created_at":"2025-01-01T12:00:00Z","stateful":false}]},
      {"name":"db","project":"default","status":"Stopped","type":"container","location":"none","snapshots":null}
    ]"#;

    #[test]
    fn parses_projects_and_snapshots() {
        let list = parse_list(LIST).unwrap();
        assert_eq!(list[0].project, "pro");
        assert_eq!(list[0].snapshots[0].name, "pre-apply-20250101-120000");
        assert!(list[1].snapshots.is_empty());
    }

    #[test]
    fn bad_json_is_a_clear_error() {
        let e = parse_list("not json").unwrap_err();
        assert!(e
            .to_string()
            .starts_with("could not read the instance list"));
    }

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
    }

    #[test]
    fn member_only_on_clusters() {
        let mut list = parse_list(LIST).unwrap();
        assert_eq!(list[0].member(), None);
        list[0].location = "node2".into();
        assert_eq!(list[0].member(), Some("node2"));
    }

    #[test]
    fn self_names_the_host_when_set() {
        assert_eq!(hostname(Some("box".into())), "box");
        assert_eq!(Incus::new(None).host(), None);
        let i = Incus::new(None).on_host("box".into());
        assert_eq!(i.host(), Some("box"));
    }

    #[test]
    fn remote_target() {
        let i = Incus::new(Some("lab".into()));
        assert_eq!(i.target("web"), "lab:web");
        assert_eq!(Incus::new(None).target("web"), "web");
    }

    #[test]
    fn daemon_unreachable_is_explained() {
        let e = CmdError::Failed {
            line: "incus list".into(),
            code: Some(1),
            stderr: "Error: Get \"http://unix.socket/1.0\": dial unix /var/lib/incus/unix.socket: connect: no such file or directory\n".into(),
        };
        assert!(explain(e)
            .to_string()
            .starts_with("cannot reach the Incus daemon: "));
    }

    #[test]
    fn failures_are_classified_in_one_place() {
        let refused = failed("Error: Get \"http://unix.socket/1.0\": connection refused\n");
        assert_eq!(said(&refused), Said::Unreachable);
        assert_eq!(said(&failed("Error: Instance not found\n")), Said::NotFound);
        assert_eq!(said(&failed("Error: Failed creating\n")), Said::Other);
        let timed_out = CmdError::TimedOut {
            line: "incus list".into(),
            after: Duration::from_secs(1),
        };
        assert_eq!(said(&timed_out), Said::Other);
    }
}
