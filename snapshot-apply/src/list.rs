//! `list`: the `history` file, the latest entry marked. It reads state only
//! (no lock, works without Incus); on a cluster it also shows which
//! instances hold each snapshot and on which member.

use crate::out;
use crate::run::Ctx;
use crate::state::{snapshot_name, PREFIX};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// `list` is for a quick look: a daemon that does not answer in this time
/// only costs the cluster detail.
const LIST_TIMEOUT: Duration = Duration::from_secs(10);

pub fn list(ctx: &Ctx) -> Result<i32, String> {
    out::info("Pre-apply snapshots:");
    let Some(history) = ctx.state.history()? else {
        out::info("(none)");
        return Ok(0);
    };
    let latest = ctx.state.latest_raw().map(|ts| snapshot_name(&ts));
    let (holders, down) = if history.is_empty() {
        (BTreeMap::new(), BTreeSet::new())
    } else {
        cluster_holders(ctx)
    };
    for name in &history {
        if latest.as_ref() == Some(name) {
            out::info(format!("{name}  <-- latest"));
        } else {
            out::info(name);
        }
        for holder in holders.get(name).into_iter().flatten() {
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
