//! `rollback [<timestamp>]`: restore `pre-apply-<timestamp>` (default: the
//! `latest` one) on every inventory instance that has it.

use crate::run::Ctx;
use crate::state::snapshot_name;
use crate::targets::{self, Skip};
use crate::{daemon, out, pool};

pub fn rollback(ctx: &Ctx, timestamp: Option<&str>) -> Result<i32, String> {
    let _lock = ctx.state.lock()?;
    let timestamp = match timestamp {
        Some(ts) => ts.to_owned(),
        None => match ctx.state.latest()? {
            Some(ts) => ts,
            None => {
                out::error("No pre-apply snapshots found. Nothing to rollback.");
                out::rollback_list_hint();
                return Ok(1);
            }
        },
    };
    let snap = snapshot_name(&timestamp);
    out::info(format!("Rolling back to: {snap}"));

    let scope = targets::gather(&ctx.incus, None)?;
    if scope.hosts.is_empty() {
        out::error("No instances found in inventory");
        return Ok(1);
    }
    let targets = targets::resolve(&ctx.incus, scope, ctx.jobs)?;

    let (mut restored, mut skipped, mut failed) = (0, 0, 0);
    pool::run_slow_first(
        &targets,
        ctx.jobs,
        "restoring snapshots",
        targets::is_running,
        |t| {
            t.with_snapshot(&snap).map(|inst| {
                ctx.incus
                    .snapshot("restore", inst, &snap, daemon::SNAPSHOT_TIMEOUT)
            })
        },
        |t, result| match result {
            Some(Ok(())) => {
                out::info(format!("Restoring {}...", t.name));
                out::ok(&t.name);
                restored += 1;
            }
            Some(Err(why)) => {
                out::info(format!("Restoring {}...", t.name));
                out::error(format!("{}: restore failed: {why}", t.label()));
                failed += 1;
            }
            None if t.member_down().is_some() => {
                // Its snapshots are unknown, not absent: a failure.
                if let Some(why) = t.skip_reason() {
                    out::error(why);
                }
                failed += 1;
            }
            None => {
                // A missing instance has no matching snapshot either; the
                // other reasons are problems worth a line.
                if !matches!(t.found, Ok(_) | Err(Skip::NotFound)) {
                    if let Some(why) = t.skip_reason() {
                        out::warn(why);
                    }
                }
                skipped += 1;
            }
        },
    );

    out::info(format!(
        "{restored} instance(s) restored, {skipped} skipped (no matching snapshot)"
    ));
    if restored == 0 {
        out::error(format!(
            "No instances were restored. Snapshot '{snap}' may not exist."
        ));
        out::rollback_list_hint();
        return Ok(1);
    }
    if failed > 0 {
        // The script exited 0 here; a half-done rollback must not look done.
        out::error(format!("{failed} instance(s) could not be restored"));
        return Ok(1);
    }
    Ok(0)
}
