//! `cleanup [--keep N]`: keep the newest N pre-apply snapshots (the last N
//! lines of `history`), delete the older ones from every inventory instance
//! that has them, and trim `history` to match.

use crate::run::Ctx;
use crate::state::is_snapshot_name;
use crate::targets::{self, Skip};
use crate::{daemon, out, pool};
use shared::incus::Instance;
use std::collections::BTreeMap;

pub fn cleanup(ctx: &Ctx, keep: usize) -> Result<i32, String> {
    let _lock = ctx.state.lock()?;
    let Some(history) = ctx.state.history()? else {
        out::info("No pre-apply snapshots to clean up");
        return Ok(0);
    };
    let total = history.len();
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
    let (old, kept) = history.split_at(to_delete);
    let doomed = doomed(old, kept);

    let scope = targets::gather(&ctx.incus, None)?;
    if scope.hosts.is_empty() {
        // Trimming now would forget snapshots that still exist somewhere.
        out::warn("No instances found in inventory; nothing deleted, history left as is");
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
    // doomed snapshots: none of them can be called gone.
    let down = targets.iter().filter(|t| t.member_down().is_some()).count();

    // One job per instance, deleting its doomed snapshots one after the
    // other: instances run in parallel, but two operations never hit one
    // instance at once (concurrent deletes on one instance can fail).
    let work: Vec<(&Instance, Vec<&str>)> = targets
        .iter()
        .filter_map(|t| {
            let inst = t.found.as_ref().ok()?;
            let snaps: Vec<&str> = doomed
                .iter()
                .filter(|snap| t.with_snapshot(snap).is_some())
                .map(String::as_str)
                .collect();
            (!snaps.is_empty()).then_some((inst, snaps))
        })
        .collect();
    let mut failures: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    pool::run_ordered(
        &work,
        ctx.jobs,
        "deleting snapshots",
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

    // A snapshot that could not be deleted everywhere stays listed, so the
    // next cleanup tries again instead of losing track of it.
    let mut remaining: Vec<String> = doomed
        .iter()
        .filter(|s| down > 0 || failures.contains_key(s.as_str()))
        .cloned()
        .collect();
    remaining.extend(kept.iter().cloned());
    ctx.state.write_history(&remaining)?;
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
    out::info("Cleanup complete");
    Ok(0)
}

/// The old names to delete, once each: never one that is also among the
/// kept (a name written twice), never a line that is not a snapshot name.
fn doomed(old: &[String], kept: &[String]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for line in old {
        if !is_snapshot_name(line) {
            out::warn(format!(
                "dropping history line '{}': not a pre-apply snapshot name",
                line.escape_debug()
            ));
        } else if !kept.contains(line) && !names.contains(line) {
            names.push(line.clone());
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn doomed_skips_kept_duplicates_and_garbage() {
        let old = v(&[
            "pre-apply-20250101-000000",
            "pre-apply-20250101-000000",
            "; rm -rf /",
            "pre-apply-20250102-000000",
        ]);
        let kept = v(&["pre-apply-20250102-000000", "pre-apply-20250103-000000"]);
        assert_eq!(doomed(&old, &kept), v(&["pre-apply-20250101-000000"]));
    }
}
