//! `create [--limit <group>]`: one `pre-apply-<timestamp>` snapshot of every
//! inventory instance (or of the group's), recorded in `history` as in
//! progress before the first snapshot and completed after the last.

use crate::reconcile::{self, Seen};
use crate::run::Ctx;
use crate::state::{self, snapshot_name, Entry};
use crate::targets::{self, Target};
use crate::{daemon, out, pool};
use shared::interrupt;
use std::time::Duration;

pub fn create(ctx: &Ctx, limit: Option<&str>) -> shared::Result<i32> {
    let _lock = ctx.state.lock()?;
    let scope = targets::gather(&ctx.incus, limit)?;
    if scope.hosts.is_empty() {
        let name = snapshot_name(&state::now_timestamp());
        out::info(format!("Creating pre-apply snapshots: {name}"));
        out::warn("No instances found in inventory");
        if let Some(group) = limit.filter(|g| !scope.inventory.has_group(g)) {
            out::warn(format!("group '{group}' is not in the inventory"));
        }
        return Ok(0);
    }
    let targets = targets::resolve(&ctx.incus, scope, ctx.jobs)?;
    let history = ctx.state.history()?.unwrap_or_default();
    let (mut entries, _) = reconcile::settle(history, &Seen::of(&targets, limit.is_none()));
    let timestamp = fresh_timestamp(&entries, &targets);
    let snap = snapshot_name(&timestamp);
    // Recorded before Incus is touched: a state folder we cannot write
    // stops the run here, and a run killed from now on leaves a mark.
    ctx.state.begin(&mut entries, &timestamp)?;
    out::info(format!("Creating pre-apply snapshots: {snap}"));

    let (mut created, mut failed, mut down) = (0, 0, 0);
    pool::run_spread(
        &targets,
        ctx.jobs,
        "creating snapshots",
        targets::is_running,
        targets::member_of,
        |t| {
            t.found.as_ref().ok().map(|inst| {
                ctx.incus
                    .snapshot("create", inst, &snap, daemon::SNAPSHOT_TIMEOUT)
            })
        },
        |t, result| match (result, &t.found) {
            (Some(Ok(())), Ok(inst)) => {
                out::ok(format!("{} (project={})", t.name, inst.project));
                created += 1;
            }
            (Some(Err(_)), _) if interrupt::interrupted() => {}
            (Some(Err(why)), _) => {
                out::warn(format!("{}: snapshot failed: {why}", t.label()));
                failed += 1;
            }
            _ => match (t.member_down(), t.skip_reason()) {
                (Some(_), Some(why)) => {
                    out::error(why);
                    (failed, down) = (failed + 1, down + 1);
                }
                (None, Some(why)) => out::warn(why),
                _ => {}
            },
        },
    );

    if interrupt::interrupted() {
        // The daemon may still finish a snapshot whose client was stopped:
        // only the next run can tell, so the mark stays.
        out::error(format!(
            "interrupted after {created} snapshot(s); {snap} stays marked in progress in history \
             and the next create, cleanup or list settles it"
        ));
        return Ok(interrupt::exit_code());
    }
    // `latest` moves even when nothing was created, as the script did:
    // `rollback` then says plainly that no instance has this snapshot
    // (instead of restoring an older one). History lists only what exists.
    ctx.state
        .finish(entries, &timestamp, limit.unwrap_or("all"), created > 0)?;
    out::info(format!("{created} snapshot(s) created, {failed} failed"));
    if failed > 0 {
        out::warn("Some snapshots failed. Apply will proceed but rollback may be incomplete.");
    }
    if down > 0 {
        // The script knew no clusters: an unreachable member fails the run,
        // so that `make apply` stops before changing what has no snapshot.
        out::error(format!(
            "{down} instance(s) on cluster members that did not answer have no snapshot; \
             bring the members back (incus cluster list) and create again"
        ));
        return Ok(1);
    }
    Ok(0)
}

/// Now, unless a snapshot of that name already exists (two creates within
/// one second): then wait for the clock's next second, so that `history`
/// never names one snapshot twice and incus never refuses a duplicate.
fn fresh_timestamp(entries: &[Entry], targets: &[Target]) -> String {
    let mut timestamp = state::now_timestamp();
    for _ in 0..3 {
        let name = snapshot_name(&timestamp);
        let taken = entries.iter().any(|e| e.name() == Some(name.as_str()))
            || targets.iter().any(|t| t.with_snapshot(&name).is_some());
        if !taken {
            break;
        }
        let into_second = chrono::Local::now().timestamp_subsec_millis().min(999);
        std::thread::sleep(Duration::from_millis(u64::from(1000 - into_second) + 5));
        timestamp = state::now_timestamp();
    }
    timestamp
}
