//! Without Ansible, the inventory is read from `inventory/*.yml`; the hosts
//! must be the ones the real `ansible-inventory` finds, also for hand-written
//! files with unquoted YAML 1.1 non-strings (`no:`, `on:`, `true:`, `01:`),
//! which Ansible refuses file by file. Against the pinned ansible-core
//! (`py::oracle`); skipped loudly without it, required under CI.

mod common;

use common::{text, Fake};
use std::collections::BTreeSet;

const FILES: &[(&str, &str)] = &[
    ("good.yml", "all:\n  children:\n    g1:\n      hosts:\n        a1:\n        a2:\n"),
    ("hand.yml", "all:\n  children:\n    g2:\n      hosts:\n        no:\n        on:\n        b1:\n"),
    ("group.yml", "all:\n  children:\n    true:\n      hosts:\n        c1:\n"),
    ("number.yml", "all:\n  children:\n    g3:\n      hosts:\n        01:\n        d1:\n"),
    ("date.yml", "all:\n  children:\n    g4:\n      hosts:\n        2024-01-01:\n        e1:\n"),
    (
        "quoted.yml",
        "all:\n  children:\n    g5:\n      hosts:\n        'no':\n        \"on\":\n        'true':\n        '01':\n",
    ),
];

fn ansible_hosts(ansible: &std::path::Path, dir: &std::path::Path) -> BTreeSet<String> {
    let out = std::process::Command::new(ansible)
        .args(["-i", "inventory/", "--list"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut hosts = BTreeSet::new();
    for (name, group) in json.as_object().unwrap() {
        if name == "_meta" {
            continue;
        }
        for h in group["hosts"].as_array().into_iter().flatten() {
            hosts.insert(h.as_str().unwrap().to_owned());
        }
    }
    hosts
}

#[test]
fn same_hosts_as_ansible_inventory() {
    let Some(ansible) = py::oracle::or_skip(py::oracle::ansible_inventory()) else {
        return;
    };
    let f = Fake::new(false);
    for (name, body) in FILES {
        f.write(&format!("project/inventory/{name}"), body);
    }
    f.write("list.json", "[]");
    let theirs = ansible_hosts(&ansible, &f.path().join("project"));

    // Every host of ours is reported "not found" by the empty fake Incus.
    let out = f.run(&["create"]);
    let err = text(&out.stderr);
    let ours: BTreeSet<String> = err
        .lines()
        .filter_map(|l| l.strip_prefix("  WARNING: "))
        .filter_map(|l| l.strip_suffix(": not found in any Incus project, skipping"))
        .map(str::to_owned)
        .collect();
    assert_eq!(ours, theirs, "{err}");
    for file in ["hand.yml", "group.yml", "number.yml", "date.yml"] {
        assert!(
            err.contains(&format!("{file}: a "))
                && err.contains("ansible-inventory skips this whole file"),
            "{file}: {err}"
        );
    }
}
