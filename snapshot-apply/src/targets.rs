//! From inventory hosts to Incus instances.
//!
//! An instance's Incus name is `instance_name` from its host_vars (it
//! carries the nesting prefix) or else the host name; its project and
//! snapshots are whatever the one `incus list --all-projects` says. The
//! script guessed the project from group_vars (always `default`, in fact)
//! and ran `incus info` plus `incus snapshot list` per instance.
//!
//! When the daemon refuses the all-projects listing, each instance is asked
//! for on its own, in the project its group_vars name.
//!
//! On a cluster, the listing still names the instances of a member that does
//! not answer, with status `Error` and no snapshots: such an instance is
//! [`Skip::MemberDown`], never "has no snapshot", so that rollback reports it
//! and cleanup does not forget snapshots it cannot see.

use crate::daemon;
use crate::inventory::{self, Host, Inventory};
use crate::{out, pool, vars};
use shared::incus::{Incus, Instance};
use shared::incus::{ListError, Lookup};

/// One inventory host and what Incus knows of it.
#[derive(Debug, Clone)]
pub struct Target {
    /// The Incus name (the inventory name unless host_vars says otherwise).
    pub name: String,
    pub found: Result<Instance, Skip>,
}

/// Why a host has no instance to work on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    NotFound,
    /// The same name in several projects and nothing to choose between them.
    Ambiguous(Vec<String>),
    BadName,
    Failed(String),
    /// Listed on this cluster member, which did not answer for it.
    MemberDown(String),
}

impl Target {
    /// The instance, when it holds snapshot `snap`.
    pub fn with_snapshot(&self, snap: &str) -> Option<&Instance> {
        self.found
            .as_ref()
            .ok()
            .filter(|i| i.snapshots.iter().any(|s| s.name == snap))
    }

    /// Why it is skipped, for a warning line; None when found.
    pub fn skip_reason(&self) -> Option<String> {
        let name = &self.name;
        match self.found.as_ref().err()? {
            Skip::NotFound => Some(format!("{name}: not found in any Incus project, skipping")),
            Skip::Ambiguous(projects) => Some(format!(
                "{name}: found in several Incus projects ({}), skipping",
                projects.join(", ")
            )),
            Skip::BadName => Some(format!(
                "{}: not a valid Incus instance name, skipping",
                name.escape_debug()
            )),
            Skip::Failed(why) => Some(format!("{name}: {why}, skipping")),
            Skip::MemberDown(member) => Some(format!(
                "{name}: cluster member {member} did not answer (instance status Error); \
                 is the member down? (incus cluster list)"
            )),
        }
    }

    /// The name for a failure line: on a cluster, with the member it is on.
    pub fn label(&self) -> String {
        match &self.found {
            Ok(inst) => label(inst),
            Err(_) => self.name.clone(),
        }
    }

    /// The cluster member that did not answer for this instance, if any.
    pub fn member_down(&self) -> Option<&str> {
        match &self.found {
            Err(Skip::MemberDown(member)) => Some(member),
            _ => None,
        }
    }
}

/// `name`, or on a cluster `name (member m)`: a failure says where it was.
pub fn label(inst: &Instance) -> String {
    match inst.member() {
        Some(member) => format!("{} (member {member})", inst.name),
        None => inst.name.clone(),
    }
}

/// The hosts a command covers, and the instance listing when it was
/// fetched alongside.
pub struct Scope {
    pub inventory: Inventory,
    pub hosts: Vec<Host>,
    listing: Option<Result<Vec<Instance>, ListError>>,
}

/// Load the inventory and select `limit`'s hosts (all when None). When that
/// means running ansible-inventory (most of a second of Python), the one
/// `incus list` runs meanwhile instead of after it.
pub fn gather(incus: &Incus, limit: Option<&str>) -> shared::Result<Scope> {
    let ansible = inventory::ansible_available();
    std::thread::scope(|s| {
        let early = ansible.then(|| s.spawn(|| incus.list_all(daemon::list_timeout())));
        let inventory = Inventory::load(ansible)?;
        let hosts = inventory.hosts(limit);
        let listing = early.map(|h| {
            h.join().unwrap_or_else(|_| {
                Err(ListError::Unreachable(shared::err!(
                    "the incus listing thread failed"
                )))
            })
        });
        Ok(Scope {
            inventory,
            hosts,
            listing,
        })
    })
}

/// A running instance: its snapshot or restore takes longest (freeze, or
/// stop and start), so the pool starts those first.
pub fn is_running(t: &Target) -> bool {
    t.found.as_ref().is_ok_and(|i| i.status == "Running")
}

/// The cluster member a target's work goes to ("" off a cluster), for
/// [`pool::run_spread`].
pub fn member_of(t: &Target) -> &str {
    t.found
        .as_ref()
        .ok()
        .and_then(Instance::member)
        .unwrap_or_default()
}

/// Resolve the scope's hosts (already in output order). Errors only when
/// Incus itself cannot be used.
pub fn resolve(incus: &Incus, scope: Scope, jobs: usize) -> shared::Result<Vec<Target>> {
    let hosts = &scope.hosts;
    let named: Vec<(&Host, String)> = hosts
        .iter()
        .map(|h| {
            let name = vars::instance_name(&h.name)
                .or_else(|| h.instance_name.clone())
                .unwrap_or_else(|| h.name.clone());
            (h, name)
        })
        .collect();
    let listing = match scope.listing {
        Some(listing) => listing,
        None => incus.list_all(daemon::list_timeout()),
    };
    match listing {
        Ok(all) => Ok(named
            .into_iter()
            .map(|(host, name)| {
                let found = pick(&all, &name, host);
                Target { name, found }
            })
            .collect()),
        Err(ListError::Unreachable(why)) => Err(why),
        Err(ListError::Refused(why)) => {
            out::note(format!(
                "incus could not list all projects ({why}); asking for each instance instead"
            ));
            let mut targets = Vec::with_capacity(named.len());
            pool::run_ordered(
                &named,
                jobs,
                "looking up instances",
                |(host, name)| one_by_one(incus, host, name),
                |(_, name), found| {
                    targets.push(Target {
                        name: name.clone(),
                        found,
                    })
                },
            );
            Ok(targets)
        }
    }
}

/// The listing entry named `name`; when several projects have one, the
/// project the host's group_vars name settles it.
fn pick(all: &[Instance], name: &str, host: &Host) -> Result<Instance, Skip> {
    let matches: Vec<&Instance> = all.iter().filter(|i| i.name == name).collect();
    let found = |i: &Instance| match i.member() {
        Some(member) if i.status == "Error" => Err(Skip::MemberDown(member.to_owned())),
        _ => Ok(i.clone()),
    };
    match matches.as_slice() {
        [] => Err(Skip::NotFound),
        [one] => found(one),
        several => {
            let wanted = declared_project(host);
            match several.iter().find(|i| Some(&i.project) == wanted.as_ref()) {
                Some(i) => found(i),
                None => Err(Skip::Ambiguous(
                    several.iter().map(|i| i.project.clone()).collect(),
                )),
            }
        }
    }
}

/// The `incus_project` of the first of the host's groups that sets one.
fn declared_project(host: &Host) -> Option<String> {
    host.groups.iter().find_map(|g| vars::group_project(g))
}

fn one_by_one(incus: &Incus, host: &Host, name: &str) -> Result<Instance, Skip> {
    if !valid_instance_name(name) {
        return Err(Skip::BadName);
    }
    let project = declared_project(host)
        .filter(|p| valid_project_name(p))
        .unwrap_or_else(|| "default".to_owned());
    match incus.snapshots_of(name, &project) {
        Lookup::Found(snapshots) => Ok(Instance {
            name: name.to_owned(),
            project,
            status: String::new(),
            kind: String::new(),
            location: String::new(),
            snapshots,
        }),
        Lookup::NotFound => Err(Skip::NotFound),
        Lookup::Failed(why) => Err(Skip::Failed(why)),
    }
}

/// Incus instance names: letters, digits and `-`, at most 63, no leading
/// `-` (which incus would read as an option).
pub fn valid_instance_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && !name.starts_with('-')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

fn valid_project_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '/' | ':' | '\''))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(name: &str, project: &str) -> Instance {
        Instance {
            name: name.into(),
            project: project.into(),
            status: "Running".into(),
            kind: "container".into(),
            location: "none".into(),
            snapshots: Vec::new(),
        }
    }

    fn host(name: &str) -> Host {
        Host {
            name: name.into(),
            groups: Vec::new(),
            instance_name: None,
        }
    }

    #[test]
    fn picks_by_name_across_projects() {
        let all = [inst("web", "pro"), inst("db", "perso"), inst("db", "pro")];
        assert_eq!(pick(&all, "web", &host("web")).unwrap().project, "pro");
        assert_eq!(pick(&all, "nope", &host("nope")), Err(Skip::NotFound));
        assert_eq!(
            pick(&all, "db", &host("db")),
            Err(Skip::Ambiguous(vec!["perso".into(), "pro".into()]))
        );
    }

    #[test]
    fn error_on_a_cluster_member_is_member_down() {
        let mut down = inst("web", "pro");
        (down.status, down.location) = ("Error".into(), "rig3".into());
        let mut up = inst("db", "pro");
        up.location = "rig1".into();
        let standalone = Instance {
            status: "Error".into(),
            ..inst("app", "pro")
        };
        let all = [down, up, standalone];
        assert_eq!(
            pick(&all, "web", &host("web")),
            Err(Skip::MemberDown("rig3".into()))
        );
        assert!(pick(&all, "db", &host("db")).is_ok());
        assert!(pick(&all, "app", &host("app")).is_ok());
    }

    #[test]
    fn names() {
        assert!(valid_instance_name("anklume-pro-dev1"));
        assert!(!valid_instance_name("--all"));
        assert!(!valid_instance_name("a b"));
        assert!(!valid_instance_name(&"a".repeat(64)));
        assert!(valid_project_name("pro"));
        assert!(!valid_project_name("-p"));
    }
}
