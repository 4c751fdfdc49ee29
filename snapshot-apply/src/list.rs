//! `list`: the `history` file, the latest entry marked. It needs no Incus
//! (state only); when Incus answers and no other run holds the lock, it
//! first settles `history` with what Incus holds (see `reconcile`). On a
//! cluster it also shows which instances hold each snapshot and on which
//! member.

use crate::reconcile::{self, Seen};
use crate::run::Ctx;
use crate::state::{snapshot_name, Entry, PREFIX};
use crate::{out, targets};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// `list` is for a quick look: a daemon that does not answer in this time
/// only costs the cluster detail.
const LIST_TIMEOUT: Duration = Duration::from_secs(10);

pub fn list(ctx: &Ctx) -> shared::Result<i32> {
    let history = settled(ctx, ctx.state.history()?);
    out::info("Pre-apply snapshots:");
    let Some(history) = history else {
        out::info("(none)");
        return Ok(0);
    };
    let latest = ctx.state.latest_raw().map(|ts| snapshot_name(&ts));
    let (holders, down) = if history.is_empty() {
        (BTreeMap::new(), BTreeSet::new())
    } else {
        cluster_holders(ctx)
    };
    for entry in &history {
        match entry {
            Entry::Done(name) if latest.as_ref() == Some(name) => {
                out::info(format!("{name}  <-- latest"))
            }
            Entry::Done(name) | Entry::Other(name) => out::info(name),
            Entry::Pending(name) => out::info(format!("{name}  (in progress or interrupted)")),
        }
        for holder in entry
            .name()
            .and_then(|n| holders.get(n))
            .into_iter()
            .flatten()
        {
            out::info(format!("    {holder}"));
        }
    }
    for member in &down {
        out::warn(format!(
            "cluster member {member} did not answer: its instances' snapshots are not shown"
        ));
    }
    Ok(0)
}

/// `history` settled against Incus when that can be done now: the lock is
/// free, the inventory names instances and Incus answers. Otherwise as is.
fn settled(ctx: &Ctx, history: Option<Vec<Entry>>) -> Option<Vec<Entry>> {
    let Some(_lock) = ctx.state.try_lock() else {
        return history;
    };
    let Ok(scope) = targets::gather(&ctx.incus, None) else {
        return history;
    };
    if scope.hosts.is_empty() {
        return history;
    }
    let Ok(targets) = targets::resolve(&ctx.incus, scope, ctx.jobs) else {
        return history;
    };
    let had = history.is_some();
    let (entries, changed) =
        reconcile::settle(history.unwrap_or_default(), &Seen::of(&targets, true));
    if changed {
        if let Err(e) = ctx.state.write_history(&entries) {
            out::warn(format!("{e}; history not updated"));
        }
    }
    (had || changed).then_some(entries)
}

/// Snapshot name → "instance (project=…, member=…)" lines, on a cluster
/// only; empty on a standalone daemon or when Incus does not answer. Also
/// the members that did not answer (their instances listed in `Error`).
fn cluster_holders(ctx: &Ctx) -> (BTreeMap<String, Vec<String>>, BTreeSet<String>) {
    let mut holders: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut down = BTreeSet::new();
    let Ok(all) = ctx.incus.list_all(LIST_TIMEOUT) else {
        return (holders, down);
    };
    for inst in &all {
        let Some(member) = inst.member() else {
            continue;
        };
        if inst.status == "Error" {
            down.insert(member.to_owned());
        }
        for snap in inst.snapshots.iter().filter(|s| s.name.starts_with(PREFIX)) {
            holders.entry(snap.name.clone()).or_default().push(format!(
                "{} (project={}, member={member})",
                inst.name, inst.project
            ));
        }
    }
    (holders, down)
}
