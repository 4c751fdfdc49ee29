//! Bringing `history` in line with what Incus holds, so that no snapshot
//! this tool made is ever left untracked (and so never cleaned up).
//!
//! A create writes `<name> in-progress` before its first snapshot and
//! makes it a plain line when done. A run killed in between (or a snapshot
//! the daemon finished after its client was gone, or one made by an older
//! version that recorded nothing) leaves `pre-apply-*` snapshots on our
//! instances that history does not list as done. The next create, cleanup
//! or list settles them here: an in-progress name some instance holds
//! becomes a plain line, one no instance holds is forgotten (only when
//! every instance of the inventory was seen), and a name held but not
//! listed at all is adopted in time order. Each change is one NOTE line.

use crate::out;
use crate::state::{is_snapshot_name, Entry};
use crate::targets::{Skip, Target};
use std::collections::{BTreeMap, HashSet};

/// The `pre-apply-*` snapshots Incus has on our instances.
#[derive(Debug, Default)]
pub struct Seen {
    /// Name → how many instances hold it.
    names: BTreeMap<String, usize>,
    /// Every instance of the whole inventory was listed: a name none of
    /// them holds is confirmed absent.
    complete: bool,
}

impl Seen {
    /// From the targets of a run; `whole_inventory` when they are every
    /// host (no `--limit`).
    pub fn of(targets: &[Target], whole_inventory: bool) -> Seen {
        let mut names: BTreeMap<String, usize> = BTreeMap::new();
        let mut complete = whole_inventory;
        for t in targets {
            match &t.found {
                Ok(inst) => {
                    let mine: HashSet<&str> = inst
                        .snapshots
                        .iter()
                        .map(|s| s.name.as_str())
                        .filter(|n| is_snapshot_name(n))
                        .collect();
                    for n in mine {
                        *names.entry(n.to_owned()).or_default() += 1;
                    }
                }
                Err(Skip::NotFound) => {}
                Err(_) => complete = false,
            }
        }
        Seen { names, complete }
    }

    /// Is it confirmed that no instance holds `name`?
    pub fn absent(&self, name: &str) -> bool {
        self.complete && !self.names.contains_key(name)
    }

    /// Could every instance be checked?
    pub fn complete(&self) -> bool {
        self.complete
    }
}

/// `entries` settled against `seen`; true when anything changed.
pub fn settle(entries: Vec<Entry>, seen: &Seen) -> (Vec<Entry>, bool) {
    let tracked: HashSet<&str> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Done(n) => Some(n.as_str()),
            _ => None,
        })
        .collect();
    let pending: HashSet<&str> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Pending(n) => Some(n.as_str()),
            _ => None,
        })
        .collect();
    // Sorted (BTreeMap): timestamps sort in time order.
    let adopted: Vec<(String, usize)> = seen
        .names
        .iter()
        .filter(|(n, _)| !tracked.contains(n.as_str()) && !pending.contains(n.as_str()))
        .map(|(n, c)| (n.clone(), *c))
        .collect();
    let mut changed = !adopted.is_empty();
    let mut adopt = adopted.into_iter().peekable();
    let mut out_entries = Vec::with_capacity(entries.len());
    for e in entries {
        // An adopted name goes in before the first newer name.
        if let Some(name) = e.name() {
            while let Some((a, count)) = adopt.next_if(|(a, _)| a.as_str() < name) {
                out::note(adopted_note(&a, count));
                out_entries.push(Entry::Done(a));
            }
        }
        match e {
            Entry::Pending(name) => match seen.names.get(&name) {
                Some(&count) => {
                    out::note(format!(
                        "{name}: an interrupted create made it on {count} instance(s); now tracked in history"
                    ));
                    out_entries.push(Entry::Done(name));
                    changed = true;
                }
                None if seen.absent(&name) => {
                    out::note(format!(
                        "{name}: an interrupted create left no snapshot; its in-progress line is removed"
                    ));
                    changed = true;
                }
                None => out_entries.push(Entry::Pending(name)),
            },
            other => out_entries.push(other),
        }
    }
    for (a, count) in adopt {
        out::note(adopted_note(&a, count));
        out_entries.push(Entry::Done(a));
    }
    (out_entries, changed)
}

fn adopted_note(name: &str, count: usize) -> String {
    format!("{name}: on {count} instance(s) but not in history (an interrupted run); now tracked")
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::incus::{Instance, Snapshot};

    fn target(name: &str, snaps: &[&str]) -> Target {
        Target {
            name: name.into(),
            found: Ok(Instance {
                name: name.into(),
                project: "default".into(),
                status: String::new(),
                kind: String::new(),
                location: String::new(),
                snapshots: snaps
                    .iter()
                    .map(|s| Snapshot {
                        name: s.to_string(),
                        created_at: String::new(),
                    })
                    .collect(),
            }),
        }
    }

    const A: &str = "pre-apply-20250101-000001";
    const B: &str = "pre-apply-20250101-000002";
    const C: &str = "pre-apply-20250101-000003";
    const D: &str = "pre-apply-20250101-000004";

    #[test]
    fn pending_completed_or_forgotten_untracked_adopted_in_order() {
        let targets = [
            target("web", &[A, B, "mine", "pre-apply-x"]),
            target("db", &[B, D]),
        ];
        let seen = Seen::of(&targets, true);
        let entries = vec![
            Entry::Other("junk".into()),
            Entry::Pending(B.into()),
            Entry::Done(C.into()),
            Entry::Pending(D.into()),
            Entry::Pending("pre-apply-20250101-000009".into()),
        ];
        let (settled, changed) = settle(entries, &seen);
        assert!(changed);
        assert_eq!(
            settled,
            [
                Entry::Other("junk".into()),
                Entry::Done(A.into()),
                Entry::Done(B.into()),
                Entry::Done(C.into()),
                Entry::Done(D.into()),
            ]
        );
        let (again, changed) = settle(settled.clone(), &seen);
        assert!(!changed);
        assert_eq!(again, settled);
    }

    #[test]
    fn nothing_is_forgotten_without_seeing_every_instance() {
        let mut unsure = target("db", &[]);
        unsure.found = Err(Skip::Failed("boom".into()));
        let entries = vec![Entry::Pending(A.into())];
        for seen in [
            Seen::of(&[target("web", &[]), unsure], true),
            Seen::of(&[target("web", &[])], false),
        ] {
            let (settled, changed) = settle(entries.clone(), &seen);
            assert!(!changed);
            assert_eq!(settled, entries);
        }
    }
}
