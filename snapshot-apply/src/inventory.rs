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
use py::yaml::Value;
use serde_json::Value as Json;
use shared::cmd::{self, Cmd};
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
    pub fn load(ansible: bool) -> shared::Result<Inventory> {
        if !ansible {
            out::note("ansible-inventory not found; reading inventory/*.yml directly");
            return from_files(Path::new("inventory"));
        }
        let listed = Cmd::new("ansible-inventory")
            .args(["-i", "inventory/", "--list"])
            .timeout(ANSIBLE_TIMEOUT)
            .output();
        let why = match listed {
            Ok(out) if out.success() => {
                // A file it could not parse only shows in its warnings;
                // swallowed, its hosts would vanish without a word.
                ansible_warnings(&out.stderr).iter().for_each(out::warn);
                match from_ansible_json(&out.stdout) {
                    Ok(inv) => return Ok(inv),
                    Err(e) => e.to_string(),
                }
            }
            Ok(out) => format!(
                "ansible-inventory failed ({})",
                first_line(&out.stderr).unwrap_or("no message")
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

/// ansible-inventory's `[WARNING]: …` messages, each on one line (it
/// wraps them at the terminal width).
fn ansible_warnings(stderr: &str) -> Vec<String> {
    let mut warnings: Vec<String> = Vec::new();
    for line in stderr.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match line.strip_prefix("[WARNING]:") {
            Some(start) => warnings.push(format!("ansible-inventory: {}", start.trim())),
            None => match warnings.last_mut() {
                Some(last) if !line.starts_with('[') => {
                    last.push(' ');
                    last.push_str(line);
                }
                _ => {}
            },
        }
    }
    warnings
}

/// `ansible-inventory --list` output: `{"_meta": {"hostvars": …}, "<group>":
/// {"hosts": […], "children": […]}, …}`.
pub fn from_ansible_json(text: &str) -> shared::Result<Inventory> {
    let data: Json = serde_json::from_str(text)
        .map_err(|e| shared::err!("ansible-inventory printed something that is not JSON ({e})"))?;
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
pub fn from_files(dir: &Path) -> shared::Result<Inventory> {
    let mut inv = Inventory::default();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(inv),
        Err(e) => return Err(shared::err!("cannot read {}: {e}", dir.display())),
    };
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .map_err(|e| shared::err!("cannot read {}: {e}", file.display()))?;
        let doc = py::yaml::load_str(&text).map_err(|e| shared::err!("{}: {e}", file.display()))?;
        let groups = match &doc {
            Value::Null => continue,
            Value::Map(groups) => groups,
            other => {
                return Err(shared::err!(
                    "{}: an inventory file must be a mapping of groups, not a {}",
                    file.display(),
                    other.type_name()
                ))
            }
        };
        // All or nothing per file, as Ansible's YAML inventory plugin:
        // one key it refuses and none of the file's hosts exist for it
        // (nor for the playbook), so none exist for us either, and we say so.
        let mut found = Vec::new();
        let read = groups
            .iter()
            .try_for_each(|(name, body)| read_group(name, body, &mut found, 0));
        match read {
            Ok(()) => {
                for (name, hosts, children) in found {
                    let group = inv.groups.entry(name).or_default();
                    group.hosts.extend(hosts);
                    group.children.extend(children);
                }
            }
            Err(why) => out::warn(format!(
                "{}: {why}; ansible-inventory skips this whole file, so its hosts are left out",
                file.display()
            )),
        }
    }
    Ok(inv)
}

/// Deepest `children` nesting read.
const MAX_DEPTH: usize = 64;

/// One group found in a file: name, its hosts, its child groups.
type Found = (String, Vec<String>, Vec<String>);

/// Read group `name` (and its children) into `found`; Err when Ansible
/// would refuse the file because of it.
fn read_group(
    name: &Value,
    body: &Value,
    found: &mut Vec<Found>,
    depth: usize,
) -> shared::Result<()> {
    let name = key_name(name, "group")?;
    // Bounded recursion whatever the file holds; no inventory nests deep.
    if depth > MAX_DEPTH {
        return Err(shared::err!(
            "groups nested more than {MAX_DEPTH} deep under {name}"
        ));
    }
    let hosts = match body.get("hosts") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Map(m)) => m
            .keys()
            .map(|k| key_name(k, "host"))
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(shared::err!(
                "\"hosts\" of group {name} must be a mapping of host names, not a {}",
                other.type_name()
            ))
        }
    };
    let mut children = Vec::new();
    if let Some(Value::Map(m)) = body.get("children") {
        for (child, child_body) in m.iter() {
            read_group(child, child_body, found, depth + 1)?;
            children.push(key_name(child, "group")?);
        }
    }
    found.push((name, hosts, children));
    Ok(())
}

/// A host or group name: Ansible takes only strings, and YAML 1.1 makes
/// an unquoted `no`, `on`, `true`, `~`, `01` or `2024-01-01` something
/// else.
fn key_name(key: &Value, what: &str) -> shared::Result<String> {
    let read_as = match key {
        Value::Str(s) => return Ok(s.clone()),
        Value::Bool(true) => "the boolean true (an unquoted yes, on or true)".to_owned(),
        Value::Bool(false) => "the boolean false (an unquoted no, off or false)".to_owned(),
        Value::Null => "null (an unquoted ~ or null, or nothing)".to_owned(),
        Value::Int(i) => format!("the number {i}"),
        Value::Float(f) => format!("the number {f}"),
        Value::Timestamp(t) => format!("the date {t}"),
        other => format!("a {}", other.type_name()),
    };
    Err(shared::err!(
        "a {what} name is read by YAML as {read_as}, not a name; quote it"
    ))
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
    fn ansible_warnings_one_per_line() {
        let stderr = "[WARNING]:  * Failed to parse /x/h.yml with yaml plugin:\nHost pattern False must be a string.\n[WARNING]: Unable to parse /x/h.yml as an\ninventory source\n";
        assert_eq!(
            ansible_warnings(stderr),
            [
                "ansible-inventory: * Failed to parse /x/h.yml with yaml plugin: Host pattern False must be a string.",
                "ansible-inventory: Unable to parse /x/h.yml as an inventory source",
            ]
        );
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
        // Unquoted YAML 1.1 non-strings: Ansible skips the whole file.
        for key in ["no", "on", "true", "~", "01", "1.5", "2001-01-01"] {
            let f = d.path().join("hand.yml");
            std::fs::write(
                &f,
                format!("all:\n  children:\n    h:\n      hosts:\n        ok1:\n        {key}:\n"),
            )
            .unwrap();
            let inv = from_files(d.path()).unwrap();
            assert_eq!(names(inv.hosts(None)), ["b1", "pro-db", "pro-dev"], "{key}");
            std::fs::write(
                &f,
                format!("all:\n  children:\n    {key}:\n      hosts:\n        ok1:\n"),
            )
            .unwrap();
            let inv = from_files(d.path()).unwrap();
            assert_eq!(
                names(inv.hosts(None)),
                ["b1", "pro-db", "pro-dev"],
                "group {key}"
            );
            std::fs::write(
                &f,
                format!(
                    "all:\n  children:\n    h:\n      hosts:\n        ok1:\n        '{key}':\n"
                ),
            )
            .unwrap();
            let inv = from_files(d.path()).unwrap();
            assert!(
                inv.hosts(Some("h")).iter().any(|h| h.name == key),
                "quoted {key}"
            );
            std::fs::remove_file(&f).unwrap();
        }
        std::fs::write(d.path().join("bad.yml"), "all: [").unwrap();
        assert!(from_files(d.path())
            .unwrap_err()
            .message()
            .contains("bad.yml"));
        assert!(from_files(&d.path().join("missing"))
            .unwrap()
            .hosts(None)
            .is_empty());
    }
}
