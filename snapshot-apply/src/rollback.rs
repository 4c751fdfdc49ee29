//! `rollback [<timestamp>] [--allow-partial]`: restore `pre-apply-<timestamp>`
//! (default: the `latest` one) on every instance of its scope that has it.
//!
//! The scope is the inventory, or the `--limit` group of the last create
//! when rolling back to that create. Every instance of the scope that is
//! not restored is named with the reason, and a rollback that restored
//! fewer instances than its scope holds exits 1 unless `--allow-partial`
//! (upstream said "1 skipped" and exited 0).

use crate::run::Ctx;
use crate::state::snapshot_name;
use crate::targets::{self, Skip, Target};
use crate::{daemon, out, pool};

pub fn rollback(ctx: &Ctx, timestamp: Option<&str>, partial: bool) -> shared::Result<i32> {
    let _lock = ctx.state.lock()?;
    let latest = ctx.state.latest()?;
    let timestamp = match (timestamp, &latest) {
        (Some(ts), _) => ts.to_owned(),
        (None, Some(ts)) => ts.clone(),
        (None, None) => {
            out::error("No pre-apply snapshots found. Nothing to rollback.");
            out::rollback_list_hint();
            return Ok(1);
        }
    };
    let snap = snapshot_name(&timestamp);
    out::info(format!("Rolling back to: {snap}"));

    // The last create's group, when rolling back to that create.
    let limit = ctx
        .state
        .latest_scope()
        .filter(|_| latest.as_deref() == Some(timestamp.as_str()));
    let scope = targets::gather(&ctx.incus, limit.as_deref())?;
    if scope.hosts.is_empty() {
        out::error("No instances found in inventory");
        return Ok(1);
    }
    let targets = targets::resolve(&ctx.incus, scope, ctx.jobs)?;

    let (mut restored, mut skipped, mut failed) = (0, 0, 0);
    let mut not_restored = Vec::new();
    pool::run_spread(
        &targets,
        ctx.jobs,
        "restoring snapshots",
        targets::is_running,
        targets::member_of,
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
                not_restored.push(format!(
                    "{}: not restored: {}",
                    t.name,
                    why_skipped(t, &snap)
                ));
                skipped += 1;
            }
        },
    );
    // When nobody had the snapshot, upstream's one error says it all.
    if restored > 0 {
        not_restored.iter().for_each(out::warn);
    }

    out::info(format!(
        "{restored} instance(s) restored, {skipped} skipped (no matching snapshot)"
    ));
    if shared::interrupt::interrupted() {
        out::error("interrupted: the rollback did not finish");
        return Ok(shared::interrupt::exit_code());
    }
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
    if skipped > 0 && !partial {
        out::error(format!(
            "only {restored} of {} instance(s) were rolled back ({skipped} not restored, named above); \
             if that is what you want, pass --allow-partial",
            targets.len()
        ));
        return Ok(1);
    }
    Ok(0)
}

/// Why a target of the rollback was not restored.
fn why_skipped(t: &Target, snap: &str) -> String {
    match &t.found {
        Ok(_) => format!("it has no snapshot {snap}"),
        Err(Skip::NotFound) => "not found in any Incus project".to_owned(),
        Err(Skip::Ambiguous(projects)) => {
            format!("found in several Incus projects ({})", projects.join(", "))
        }
        Err(Skip::BadName) => "not a valid Incus instance name".to_owned(),
        Err(Skip::Failed(why)) => why.clone(),
        Err(Skip::MemberDown(member)) => format!("cluster member {member} did not answer"),
    }
}
