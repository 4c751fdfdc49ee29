//! Harness for the fake-tool tests: a project folder, a HOME, and fake
//! `incus` / `ansible-inventory` programs on PATH that log their argv and
//! answer from files the test writes.

#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Reads a file with shell builtins only: the no-Ansible tests drop PATH
/// folders that hold ansible-inventory, which may be /usr/bin.
const SHOW: &str =
    "show() { while IFS= read -r l || [ -n \"$l\" ]; do printf '%s\\n' \"$l\"; done < \"$1\"; }";

pub struct Fake {
    pub dir: tempfile::TempDir,
}

impl Fake {
    /// A fake incus always; a fake ansible-inventory when `ansible`.
    pub fn new(ansible: bool) -> Fake {
        let f = Fake {
            dir: tempfile::tempdir().unwrap(),
        };
        for sub in [
            "bin",
            "home",
            "project/inventory",
            "project/host_vars",
            "project/group_vars",
        ] {
            std::fs::create_dir_all(f.path().join(sub)).unwrap();
        }
        let d = f.path().display().to_string();
        f.script(
            "incus",
            &format!(
                r#"D="{d}"
if [ "$1" = info ]; then
  echo "$*" >> "$D/pings.log"
  if [ -f "$D/down" ]; then echo "Error: daemon down" >&2; exit 1; fi
  echo '{{}}'; exit 0
fi
echo "$*" >> "$D/calls.log"
case "$1" in
list)
  if [ -f "$D/down" ]; then echo "Error: daemon down" >&2; exit 1; fi
  if [ -f "$D/list.fail" ]; then show "$D/list.fail" >&2; exit 1; fi
  show "$D/list.json"; exit 0;;
snapshot)
  verb="$2"; inst="${{3#*:}}"
  if [ -f "$D/slow" ]; then /bin/sleep 1; fi
  if [ -f "$D/fail-$verb-$inst" ]; then echo "Error: $verb of $inst failed" >&2; exit 1; fi
  if [ "$verb" = list ]; then
    if [ -f "$D/snaps-$inst.json" ]; then show "$D/snaps-$inst.json"; exit 0; fi
    echo "Error: Instance not found" >&2; exit 1
  fi
  exit 0;;
esac
echo "fake incus: unhandled $*" >&2; exit 1
"#
            ),
        );
        if ansible {
            f.script(
                "ansible-inventory",
                &format!("echo \"$*\" >> \"{d}/ansible.log\"\nshow \"{d}/inv.json\"\n"),
            );
        }
        f
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    fn script(&self, name: &str, body: &str) {
        let p = self.path().join("bin").join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{SHOW}\n{body}")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// Write a file relative to the fake's folder.
    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).unwrap_or_default()
    }

    pub fn state(&self) -> PathBuf {
        self.path().join("home/.anklume/pre-apply-snapshots")
    }

    pub fn state_file(&self, name: &str) -> String {
        std::fs::read_to_string(self.state().join(name)).unwrap_or_default()
    }

    /// incus calls, in order.
    pub fn calls(&self) -> Vec<String> {
        self.read("calls.log").lines().map(str::to_owned).collect()
    }

    /// incus calls, sorted (calls from the pool come in any order).
    pub fn calls_sorted(&self) -> Vec<String> {
        let mut c = self.calls();
        c.sort();
        c
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_snapshot-apply"));
        c.args(args)
            .current_dir(self.path().join("project"))
            .env("PATH", self.search_path())
            .env("HOME", self.path().join("home"));
        for var in [
            "ANKLUME_INCUS_REMOTE",
            "ANKLUME_SNAPSHOT_JOBS",
            "ANKLUME_PRE_APPLY_STATE_DIR",
            "ANKLUME_SNAPSHOT_LOCK_TIMEOUT",
        ] {
            c.env_remove(var);
        }
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    /// Our bin folder, then the system PATH without any folder that holds a
    /// real ansible-inventory (CI puts one on PATH).
    fn search_path(&self) -> String {
        let system = std::env::var_os("PATH").unwrap_or_default();
        let dirs = std::iter::once(self.path().join("bin")).chain(
            std::env::split_paths(&system).filter(|d| !d.join("ansible-inventory").exists()),
        );
        std::env::join_paths(dirs).unwrap().into_string().unwrap()
    }
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// One `incus list --format json` entry.
pub fn inst(name: &str, project: &str, location: &str, snaps: &[&str]) -> String {
    let snaps: Vec<String> = snaps
        .iter()
        .map(|s| format!(r#"{{"name":"{s}","created_at":"2025-01-01T00:00:00Z"}}"#))
        .collect();
    format!(
        r#"{{"name":"{name}","project":"{project}","status":"Running","type":"container","location":"{location}","snapshots":[{}]}}"#,
        snaps.join(",")
    )
}

/// ansible-inventory --list output for `groups` (name, hosts); like the
/// real one, hosts without variables are absent from `_meta.hostvars`.
pub fn inventory_json(groups: &[(&str, &[&str])]) -> String {
    let body: Vec<String> = groups
        .iter()
        .map(|(g, hosts)| {
            let hosts: Vec<String> = hosts.iter().map(|h| format!("\"{h}\"")).collect();
            format!(r#""{g}":{{"hosts":[{}]}}"#, hosts.join(","))
        })
        .collect();
    let names: Vec<String> = groups.iter().map(|(g, _)| format!("\"{g}\"")).collect();
    format!(
        r#"{{"_meta":{{"hostvars":{{}}}},"all":{{"children":["ungrouped",{}]}},{}}}"#,
        names.join(","),
        body.join(",")
    )
}
