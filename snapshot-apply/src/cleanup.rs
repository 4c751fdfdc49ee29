//! `cleanup [--keep N]`: keep the newest N pre-apply snapshots (the last N
//! names of `history`), delete the older ones from every inventory
//! instance that has them, and drop a name from `history` only once Incus
//! has confirmed it is on none of them.
//!
//! Lines that are not snapshot names are kept where they are and never
//! counted; everything is looked up in hash sets, so the run is linear in
//! the length of `history` (upstream's was quadratic).

use crate::reconcile::{self, Seen};
use crate::run::Ctx;
use crate::state::Entry;
use crate::targets::{self, Skip};
use crate::{daemon, out, pool};
use shared::incus::Instance;
use std::collections::{HashMap, HashSet};

pub fn cleanup(ctx: &Ctx, keep: usize) -> shared::Result<i32> {
    let _lock = ctx.state.lock()?;
    let history = ctx.state.history()?;
    let scope = targets::gather(&ctx.incus, None)?;
    if scope.hosts.is_empty() {
        match history {
            None => out::info("No pre-apply snapshots to clean up"),
            // Trimming now would forget snapshots that still exist somewhere.
            Some(_) => {
                out::warn("No instances found in inventory; nothing deleted, history left as is")
            }
        }
        return Ok(0);
    }
    let targets = targets::resolve(&ctx.incus, scope, ctx.jobs)?;
    for t in &targets {
        if !matches!(t.found, Ok(_) | Err(Skip::NotFound)) {
            if let Some(why) = t.skip_reason() {
                out::warn(why);
            }
        }
    }
    // An instance on a member that did not answer may hold any of the
    // doomed snapshots: none of them can be called gone (`Seen` is then
    // incomplete).
    let down = targets.iter().filter(|t| t.member_down().is_some()).count();
    let seen = Seen::of(&targets, true);
    let had_history = history.is_some();
    let (entries, changed) = reconcile::settle(history.unwrap_or_default(), &seen);
    if !had_history && !changed {
        out::info("No pre-apply snapshots to clean up");
        return Ok(0);
    }
    // Written before anything is deleted, changed or not: a state folder
    // we cannot write stops the run before Incus is touched.
    ctx.state.write_history(&entries)?;

    // Every snapshot name once, newest occurrence deciding its place.
    let mut last_at: HashMap<&str, usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        if let Entry::Done(n) = e {
            last_at.insert(n, i);
        }
    }
    let mut names: Vec<(&str, usize)> = last_at.into_iter().collect();
    names.sort_unstable_by_key(|&(_, i)| i);
    let total = names.len();
    if total <= keep {
        out::info(format!(
            "Only {total} snapshot(s), keeping all (retention: {keep})"
        ));
        return Ok(0);
    }
    let to_delete = total - keep;
    out::info(format!(
        "Cleaning up: removing {to_delete} old snapshot(s), keeping {keep}"
    ));
    let doomed: Vec<String> = names
        .get(..to_delete)
        .unwrap_or_default()
        .iter()
        .map(|&(n, _)| n.to_owned())
        .collect();
    let doomed_set: HashSet<&str> = doomed.iter().map(String::as_str).collect();

    // One job per instance, deleting its doomed snapshots one after the
    // other: instances run in parallel, but two operations never hit one
    // instance at once (concurrent deletes on one instance can fail).
    let work: Vec<(&Instance, Vec<&str>)> = targets
        .iter()
        .filter_map(|t| {
            let inst = t.found.as_ref().ok()?;
            let mut snaps: Vec<&str> = inst
                .snapshots
                .iter()
                .map(|s| s.name.as_str())
                .filter(|s| doomed_set.contains(s))
                .collect();
            snaps.sort_unstable();
            snaps.dedup();
            (!snaps.is_empty()).then_some((inst, snaps))
        })
        .collect();
    let mut failures: HashMap<&str, Vec<String>> = HashMap::new();
    pool::run_spread(
        &work,
        ctx.jobs,
        "deleting snapshots",
        |_| false,
        |(inst, _)| inst.member().unwrap_or_default(),
        |(inst, snaps)| {
            snaps
                .iter()
                .map(|snap| {
                    ctx.incus
                        .snapshot("delete", inst, snap, daemon::SNAPSHOT_TIMEOUT)
                })
                .collect::<Vec<_>>()
        },
        |(inst, snaps), results| {
            for (snap, result) in snaps.iter().zip(results) {
                if let Err(why) = result {
                    failures.entry(snap).or_default().push(format!(
                        "{}: could not delete {snap}: {why}",
                        targets::label(inst)
                    ));
                }
            }
        },
    );
    for snap in &doomed {
        match failures.get(snap.as_str()) {
            None if down > 0 => {}
            None => out::ok(format!("Deleted {snap}")),
            Some(lines) => lines.iter().for_each(out::warn),
        }
    }

    // A name leaves history only when Incus confirmed it is gone from
    // every instance: deleted without error, or never there, and no
    // instance left unchecked. Otherwise the next cleanup tries again.
    let gone: HashSet<&str> = if seen.complete() && !shared::interrupt::interrupted() {
        doomed_set
            .iter()
            .filter(|s| !failures.contains_key(*s))
            .copied()
            .collect()
    } else {
        HashSet::new()
    };
    let remaining: Vec<Entry> = entries
        .iter()
        .filter(|e| !matches!(e, Entry::Done(n) if gone.contains(n.as_str())))
        .cloned()
        .collect();
    ctx.state.write_history(&remaining)?;
    if shared::interrupt::interrupted() {
        out::error("interrupted: history left as it was; run cleanup again");
        return Ok(shared::interrupt::exit_code());
    }
    if !failures.is_empty() {
        out::warn(format!(
            "{} snapshot(s) could not be deleted everywhere; kept in history for the next cleanup",
            failures.len()
        ));
    }
    if down > 0 {
        out::error(format!(
            "{down} instance(s) on cluster members that did not answer; {} old snapshot(s) \
             kept in history: run cleanup again once the members are back (incus cluster list)",
            doomed.len()
        ));
        return Ok(1);
    }
    if !seen.complete() {
        out::warn(
            "some instances could not be checked (see above): old names kept in history for the next cleanup",
        );
    }
    out::info("Cleanup complete");
    Ok(0)
}
