//! Which hosts a run covers: `ansible-inventory -i inventory/ --list` when
//! Ansible is installed (as the script did), else the generated
//! `inventory/*.yml` files read directly, so the tool also works on a node
//! without Ansible.
//!
//! Unlike the script, "all hosts" is every host of every group, not only the
//! keys of `_meta.hostvars`: ansible-inventory leaves hosts without variables
//! (machines without an `ip`) out of `hostvars`, and the script therefore
//! never snapshotted them. `--limit G` takes G's hosts and those of its
//! child groups, like `ansible-playbook --limit G` does.

use crate::out;
use serde_json::Value as Json;
use shared::cmd::{self, Cmd, CmdError};
use shared::yaml::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

/// ansible-inventory parses every file and plugin; give it room but not forever.
const ANSIBLE_TIMEOUT: Duration = Duration::from_secs(120);

/// The groups of an inventory: each with its own hosts and child groups.
#[derive(Debug, Default)]
pub struct Inventory {
    groups: BTreeMap<String, Group>,
    /// Hosts ansible-inventory listed in `_meta.hostvars`.
    hostvars: BTreeMap<String, Json>,
}

#[derive(Debug, Default)]
struct Group {
    hosts: BTreeSet<String>,
    children: BTreeSet<String>,
}

/// One inventory host and the groups that list it directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    pub name: String,
    pub groups: Vec<String>,
    /// `instance_name` from ansible-inventory's hostvars, when it had one.
    pub instance_name: Option<String>,
}

impl Inventory {
    /// Load the inventory of the current folder (`inventory/`), with
    /// ansible-inventory when `ansible` (see [`ansible_available`]).
    pub fn load(ansible: bool) -> Result<Inventory, String> {
        if !ansible {
            out::note("ansible-inventory not found; reading inventory/*.yml directly");
            return from_files(Path::new("inventory"));
        }
        let listed = Cmd::new("ansible-inventory")
            .args(["-i", "inventory/", "--list"])
            .timeout(ANSIBLE_TIMEOUT)
            .read();
        let why = match listed {
            Ok(json) => match from_ansible_json(&json) {
                Ok(inv) => return Ok(inv),
                Err(e) => e,
            },
            Err(CmdError::Failed { stderr, .. }) => format!(
                "ansible-inventory failed ({})",
                first_line(&stderr).unwrap_or("no message")
            ),
            Err(e) => e.to_string(),
        };
        out::warn(format!("{why}; reading inventory/*.yml directly"));
        from_files(Path::new("inventory"))
    }

    pub fn has_group(&self, group: &str) -> bool {
        self.groups.contains_key(group)
    }

    /// Every host (no limit) or the hosts of `limit` and its descendants,
    /// sorted by name as the script's `sorted()` did.
    pub fn hosts(&self, limit: Option<&str>) -> Vec<Host> {
        let mut names: BTreeSet<&str> = BTreeSet::new();
        match limit {
            None => {
                names.extend(self.hostvars.keys().map(String::as_str));
                for g in self.groups.values() {
                    names.extend(g.hosts.iter().map(String::as_str));
                }
            }
            Some(root) => {
                // The children graph of a hand-written YAML file may loop.
                let mut seen = BTreeSet::new();
                let mut todo = vec![root];
                while let Some(name) = todo.pop() {
                    if !seen.insert(name) {
                        continue;
                    }
                    if let Some(g) = self.groups.get(name) {
                        names.extend(g.hosts.iter().map(String::as_str));
                        todo.extend(g.children.iter().map(String::as_str));
                    }
                }
            }
        }
        names.into_iter().map(|n| self.host(n)).collect()
    }

    fn host(&self, name: &str) -> Host {
        let groups = self
            .groups
            .iter()
            .filter(|(_, g)| g.hosts.contains(name))
            .map(|(n, _)| n.clone())
            .collect();
        let instance_name = self
            .hostvars
            .get(name)
            .and_then(|v| v.get("instance_name"))
            .and_then(Json::as_str)
            .map(str::to_owned);
        Host {
            name: name.to_owned(),
            groups,
            instance_name,
        }
    }
}

/// Is ansible-inventory installed (on PATH)?
pub fn ansible_available() -> bool {
    cmd::available("ansible-inventory")
}

fn first_line(text: &str) -> Option<&str> {
    text.lines().map(str::trim).find(|l| !l.is_empty())
}

/// `ansible-inventory --list` output: `{"_meta": {"hostvars": …}, "<group>":
/// {"hosts": […], "children": […]}, …}`.
pub fn from_ansible_json(text: &str) -> Result<Inventory, String> {
    let data: Json = serde_json::from_str(text)
        .map_err(|e| format!("ansible-inventory printed something that is not JSON ({e})"))?;
    let Some(top) = data.as_object() else {
        return Err("ansible-inventory printed JSON that is not an object".into());
    };
    let mut inv = Inventory::default();
    for (name, entry) in top {
        if name == "_meta" {
            if let Some(hv) = entry.get("hostvars").and_then(Json::as_object) {
                inv.hostvars = hv.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            }
            continue;
        }
        let list = |key: &str| -> BTreeSet<String> {
            entry
                .get(key)
                .and_then(Json::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Json::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let group = inv.groups.entry(name.clone()).or_default();
        group.hosts.extend(list("hosts"));
        group.children.extend(list("children"));
    }
    Ok(inv)
}

/// Every `*.yml` / `*.yaml` file of `dir` (none when it does not exist),
/// read as Ansible's YAML inventory: groups with `hosts` and `children`.
pub fn from_files(dir: &Path) -> Result<Inventory, String> {
    let mut inv = Inventory::default();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(inv),
        Err(e) => return Err(format!("cannot read {}: {e}", dir.display())),
    };
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let doc = shared::yaml::load_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        match &doc {
            Value::Null => {}
            Value::Map(groups) => {
                for (name, body) in groups.iter() {
                    if let Some(name) = key_str(name) {
                        add_group(&mut inv, name, body);
                    }
                }
            }
            other => {
                return Err(format!(
                    "{}: an inventory file must be a mapping of groups, not a {}",
                    file.display(),
                    other.type_name()
                ))
            }
        }
    }
    Ok(inv)
}

fn add_group(inv: &mut Inventory, name: String, body: &Value) {
    let hosts: Vec<String> = match body.get("hosts") {
        Some(Value::Map(m)) => m.keys().filter_map(key_str).collect(),
        Some(Value::Seq(s)) => s.iter().filter_map(key_str).collect(),
        _ => Vec::new(),
    };
    let children: Vec<(String, &Value)> = match body.get("children") {
        Some(Value::Map(m)) => m
            .iter()
            .filter_map(|(k, v)| key_str(k).map(|k| (k, v)))
            .collect(),
        _ => Vec::new(),
    };
    let group = inv.groups.entry(name).or_default();
    group.hosts.extend(hosts);
    group
        .children
        .extend(children.iter().map(|(k, _)| k.clone()));
    for (child, body) in children {
        add_group(inv, child, body);
    }
}

/// A host or group name as Ansible reads it (YAML may type `01` as an int).
fn key_str(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(hosts: Vec<Host>) -> Vec<String> {
        hosts.into_iter().map(|h| h.name).collect()
    }

    const JSON: &str = r#"{
      "_meta": {"hostvars": {"pro-dev": {"ansible_host": "10.1.1.1", "instance_name": "x-pro-dev"}}},
      "all": {"children": ["ungrouped", "pro", "parent"]},
      "parent": {"children": ["sub"]},
      "pro": {"hosts": ["pro-dev", "pro-db"]},
      "sub": {"hosts": ["sub-a"]}
    }"#;

    #[test]
    fn ansible_json_all_and_limit() {
        let inv = from_ansible_json(JSON).unwrap();
        assert_eq!(names(inv.hosts(None)), ["pro-db", "pro-dev", "sub-a"]);
        assert_eq!(names(inv.hosts(Some("parent"))), ["sub-a"]);
        assert_eq!(
            names(inv.hosts(Some("all"))),
            ["pro-db", "pro-dev", "sub-a"]
        );
        assert!(inv.hosts(Some("nope")).is_empty());
        let dev = &inv.hosts(Some("pro"))[1];
        assert_eq!(dev.groups, ["pro"]);
        assert_eq!(dev.instance_name.as_deref(), Some("x-pro-dev"));
        assert!(from_ansible_json("").is_err());
        assert!(from_ansible_json("[1]").is_err());
    }

    #[test]
    fn yaml_files_like_the_generator_writes() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("pro.yml"),
            "all:\n  children:\n    pro:\n      hosts:\n        pro-dev:\n          ansible_host: 10.1.1.1\n        pro-db:\n",
        )
        .unwrap();
        std::fs::write(
            d.path().join("loop.yaml"),
            "all:\n  children:\n    a:\n      children:\n        b:\n          hosts: {b1: null}\n          children:\n            a: {}\n",
        )
        .unwrap();
        std::fs::write(d.path().join("empty.yml"), "").unwrap();
        std::fs::write(d.path().join("notes.txt"), "not: [inventory").unwrap();
        let inv = from_files(d.path()).unwrap();
        assert_eq!(names(inv.hosts(None)), ["b1", "pro-db", "pro-dev"]);
        assert_eq!(names(inv.hosts(Some("a"))), ["b1"]);
        assert_eq!(names(inv.hosts(Some("pro"))), ["pro-db", "pro-dev"]);
        assert!(inv.has_group("b"));
        std::fs::write(d.path().join("bad.yml"), "all: [").unwrap();
        assert!(from_files(d.path()).unwrap_err().contains("bad.yml"));
        assert!(from_files(&d.path().join("missing"))
            .unwrap()
            .hosts(None)
            .is_empty());
    }
}
