//! The guarding subcommands: `start` (bring Incus up with the watcher
//! running), `post-start` (the systemd hook), and the hidden `watch`.

use std::time::{Duration, Instant};

use shared::cmd::{Cmd, CmdError};

use crate::backend::{remove_bridge, NetOps};
use crate::config::Config;
use crate::host::{detect, restore_default_route, Remember};
use crate::log::Logger;
use crate::net::HostNet;
use crate::watcher::{self, Background, Until};
use crate::{incusdb, reach};

/// What the script slept after `systemctl start incus`.
const INCUS_INIT_WAIT: Duration = Duration::from_secs(2);
/// What the script slept after removing bridges, before the database.
const AFTER_REMOVAL_WAIT: Duration = Duration::from_secs(1);

const NO_HOST_NETWORK: &str =
    "ERROR: Cannot determine host network. No default route and no saved state.";

fn gw_text(host: &HostNet) -> String {
    host.gateway
        .map_or_else(|| "unknown".to_owned(), |g| g.to_string())
}

/// `systemctl ARGS` with the terminal's output; Err is the exit code to use.
fn systemctl(args: &[&str]) -> Result<(), i32> {
    match Cmd::new("systemctl")
        .args(args.iter().copied())
        .status_inherit()
    {
        Ok(0) => Ok(()),
        Ok(code) => {
            shared::eoutln!("ERROR: `systemctl {}` exited {code}", args.join(" "));
            Err(code)
        }
        Err(e) => {
            shared::eoutln!("ERROR: {e}");
            // What the shell returns for a command it cannot find.
            Err(if matches!(e, CmdError::NotFound { .. }) {
                127
            } else {
                1
            })
        }
    }
}

fn incus_is_active() -> bool {
    Cmd::new("systemctl")
        .args(["is-active", "--quiet", "incus"])
        .timeout(Duration::from_secs(30))
        .output()
        .is_ok_and(|o| o.success())
}

pub fn start(cfg: &Config) -> i32 {
    let log = Logger::new(cfg.log.clone());
    let mut ops = match cfg.backend.open() {
        Ok(ops) => ops,
        Err(e) => {
            shared::outln!("ERROR: {e}");
            return 1;
        }
    };
    let Some(host) = detect(ops.as_mut(), &cfg.state, Remember::Yes) else {
        shared::outln!("ERROR: No default route found. Network may already be broken.");
        return 1;
    };
    shared::outln!(
        "Host network: {} via {} dev {}",
        host.describe(),
        gw_text(&host),
        host.dev
    );

    let running = incus_is_active();
    if running {
        shared::outln!("Incus is already running.");
    }

    // Watch for conflicting bridges while Incus creates its networks.
    let watcher = match Background::spawn(host.clone(), cfg.backend, log.clone()) {
        Ok(w) => w,
        Err(e) => {
            shared::outln!("ERROR: {e}");
            return 1;
        }
    };
    if !running {
        shared::outln!("Starting Incus...");
        let started =
            systemctl(&["start", "incus.socket"]).and_then(|()| systemctl(&["start", "incus"]));
        if let Err(code) = started {
            watcher.stop();
            return code;
        }
        shared::outln!("Incus started. Waiting for initialization...");
        std::thread::sleep(cfg.settle_or(INCUS_INIT_WAIT));
    }

    shared::outln!("Cleaning conflicting bridges from Incus database...");
    incusdb::clean(&host, &log);
    watcher.stop();

    restore_default_route(ops.as_mut(), &host, &log);

    let Some(gw) = host.gateway else {
        shared::outln!(
            "ERROR: Gateway unknown (no default route was ever recorded). Network may be broken."
        );
        return 1;
    };
    if reach::gateway_answers(gw) {
        shared::outln!("OK: Network connectivity verified (gateway {gw} reachable).");
    } else {
        shared::outln!("ERROR: Gateway {gw} unreachable. Network may be broken.");
        shared::outln!("Try: sudo ip route add default via {gw} dev {}", host.dev);
        return 1;
    }
    shared::outln!("Incus started safely.");
    0
}

/// The ExecStartPost hook. Never fails: a guard that blocked Incus from
/// starting would be worse than the conflict it guards against.
pub fn post_start(cfg: &Config) -> i32 {
    let log = Logger::new(cfg.log.clone());
    let mut ops = match cfg.backend.open() {
        Ok(ops) => ops,
        Err(e) => {
            log.log(&format!("ERROR: {e}"));
            return 0;
        }
    };
    let Some(host) = detect(ops.as_mut(), &cfg.state, Remember::Yes) else {
        log.log(NO_HOST_NETWORK);
        return 0;
    };
    log.log(&format!(
        "Host network: {} on {} (gw: {})",
        host.describe(),
        host.dev,
        gw_text(&host)
    ));

    let removed = remove_conflicts(ops.as_mut(), &host, &log);
    if removed > 0 {
        // Give Incus a moment to notice its bridge went away.
        std::thread::sleep(cfg.settle_or(AFTER_REMOVAL_WAIT));
    }
    incusdb::clean(&host, &log);
    restore_default_route(ops.as_mut(), &host, &log);

    if removed == 0 {
        log.log("OK: No conflicting bridges found.");
    } else {
        log.log(&format!(
            "OK: Removed {removed} conflicting bridge(s). Network restored."
        ));
    }
    0
}

/// Delete every bridge that conflicts now; returns how many went.
fn remove_conflicts(ops: &mut dyn NetOps, host: &HostNet, log: &Logger) -> usize {
    let (links, addrs) = match ops.snapshot() {
        Ok(state) => state,
        Err(e) => {
            log.log(&format!("WARNING: Cannot list bridges: {e}"));
            return 0;
        }
    };
    let mut removed = 0;
    for c in host.conflicts(&links, &addrs) {
        log.log(&format!(
            "CONFLICT: Bridge {} uses {} — overlaps host network {}. Removing.",
            c.name, c.bridge, c.host
        ));
        let Some(link) = links.iter().find(|l| l.index == c.index) else {
            continue;
        };
        match remove_bridge(ops, link, &c.bridge) {
            Ok(()) => removed += 1,
            Err(e) => log.log(&format!("WARNING: Could not remove bridge {}: {e}", c.name)),
        }
    }
    removed
}

/// The watcher alone, in the foreground.
pub fn watch(cfg: &Config) -> i32 {
    let log = Logger::new(cfg.log.clone());
    let host = match cfg.backend.open() {
        Ok(mut ops) => detect(ops.as_mut(), &cfg.state, Remember::Yes),
        Err(e) => {
            shared::eoutln!("ERROR: {e}");
            return 1;
        }
    };
    let Some(host) = host else {
        shared::eoutln!("{NO_HOST_NETWORK}");
        return 1;
    };
    shared::outln!(
        "Host network: {} on {} (gw: {})",
        host.describe(),
        host.dev,
        gw_text(&host)
    );
    let until = Until {
        stop: None,
        deadline: cfg.watch_for.map(|d| Instant::now() + d),
    };
    let deleted = watcher::run(&host, cfg.backend, &log, &until, |how| {
        shared::outln!("Watching for conflicting bridges ({how})...");
    });
    shared::outln!("Watcher stopped: {deleted} bridge(s) deleted.");
    0
}
