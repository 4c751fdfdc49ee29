//! Where the guard keeps its files, and the environment variables that move
//! them (so tests and the benchmark never need root-owned paths).
//!
//! | Variable                  | Default                                             |
//! |---------------------------|-----------------------------------------------------|
//! | `INCUS_GUARD_LOG`         | `/var/log/incus-network-guard.log`                  |
//! | `INCUS_GUARD_STATE`       | `/run/incus-guard-host-dev`                         |
//! | `INCUS_GUARD_INSTALL`     | `/opt/anklume/incus-guard`                          |
//! | `INCUS_GUARD_DROPIN_DIR`  | `/etc/systemd/system/incus.service.d`               |
//! | `INCUS_GUARD_DROPIN`      | `$INCUS_GUARD_DROPIN_DIR/network-guard.conf`        |
//! | `INCUS_GUARD_SETTLE_MS`   | 2000 after starting Incus, 1000 after a post-start removal |
//! | `INCUS_GUARD_BACKEND`     | `auto` (netlink, else `ip -json`); `netlink`, `ip`  |
//! | `INCUS_GUARD_WATCH_SECS`  | unset: `watch` runs until killed                    |
//!
//! Empty values count as unset.

use std::path::PathBuf;
use std::time::Duration;

use crate::backend::Backend;

#[derive(Debug, Clone)]
pub struct Config {
    pub log: PathBuf,
    pub state: PathBuf,
    pub install: PathBuf,
    pub dropin_dir: PathBuf,
    pub dropin: PathBuf,
    /// Overrides both waits (after `systemctl start incus`, after removals).
    pub settle: Option<Duration>,
    pub backend: Backend,
    pub watch_for: Option<Duration>,
}

impl Config {
    /// Read from the process environment.
    pub fn from_env() -> shared::Result<Config> {
        Config::from_lookup(|k| std::env::var(k).ok())
    }

    /// Read through `get` (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> shared::Result<Config> {
        let var = |k: &str| get(k).filter(|v| !v.is_empty());
        let path = |k: &str, default: &str| PathBuf::from(var(k).unwrap_or_else(|| default.into()));
        let dropin_dir = path(
            "INCUS_GUARD_DROPIN_DIR",
            "/etc/systemd/system/incus.service.d",
        );
        let dropin = var("INCUS_GUARD_DROPIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| dropin_dir.join("network-guard.conf"));
        let number = |k: &str| -> Result<Option<u64>, String> {
            var(k)
                .map(|v| {
                    v.trim()
                        .parse::<u64>()
                        .map_err(|_| format!("{k}={v} is not a whole number"))
                })
                .transpose()
        };
        Ok(Config {
            log: path("INCUS_GUARD_LOG", "/var/log/incus-network-guard.log"),
            state: path("INCUS_GUARD_STATE", "/run/incus-guard-host-dev"),
            install: path("INCUS_GUARD_INSTALL", "/opt/anklume/incus-guard"),
            dropin_dir,
            dropin,
            settle: number("INCUS_GUARD_SETTLE_MS")?.map(Duration::from_millis),
            backend: Backend::from_env(var("INCUS_GUARD_BACKEND").as_deref())?,
            watch_for: number("INCUS_GUARD_WATCH_SECS")?.map(Duration::from_secs),
        })
    }

    /// The wait to use where the script slept `default`.
    pub fn settle_or(&self, default: Duration) -> Duration {
        self.settle.unwrap_or(default)
    }

    /// The drop-in's text: run the installed binary after Incus starts.
    pub fn dropin_text(&self) -> String {
        format!(
            "[Service]\nExecStartPost={} post-start\n",
            self.install.display()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> shared::Result<Config> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_the_scripts_paths() {
        let c = cfg(&[("INCUS_GUARD_LOG", "")]).unwrap();
        assert_eq!(c.log, PathBuf::from("/var/log/incus-network-guard.log"));
        assert_eq!(c.state, PathBuf::from("/run/incus-guard-host-dev"));
        assert_eq!(c.install, PathBuf::from("/opt/anklume/incus-guard"));
        assert_eq!(
            c.dropin,
            PathBuf::from("/etc/systemd/system/incus.service.d/network-guard.conf")
        );
        assert_eq!(c.settle_or(Duration::from_secs(2)), Duration::from_secs(2));
        assert_eq!(c.backend, Backend::Auto);
        assert_eq!(
            c.dropin_text(),
            "[Service]\nExecStartPost=/opt/anklume/incus-guard post-start\n"
        );
    }

    #[test]
    fn overrides() {
        let c = cfg(&[
            ("INCUS_GUARD_DROPIN_DIR", "/tmp/d"),
            ("INCUS_GUARD_INSTALL", "/tmp/bin/g"),
            ("INCUS_GUARD_SETTLE_MS", "0"),
            ("INCUS_GUARD_BACKEND", "ip"),
            ("INCUS_GUARD_WATCH_SECS", "3"),
        ])
        .unwrap();
        assert_eq!(c.dropin, PathBuf::from("/tmp/d/network-guard.conf"));
        assert_eq!(c.settle_or(Duration::from_secs(2)), Duration::ZERO);
        assert_eq!(c.backend, Backend::Ip);
        assert_eq!(c.watch_for, Some(Duration::from_secs(3)));
        assert!(c
            .dropin_text()
            .contains("ExecStartPost=/tmp/bin/g post-start"));
        let c = cfg(&[("INCUS_GUARD_DROPIN", "/x/y.conf")]).unwrap();
        assert_eq!(c.dropin, PathBuf::from("/x/y.conf"));
    }

    #[test]
    fn bad_values_are_reported() {
        let e = cfg(&[("INCUS_GUARD_SETTLE_MS", "soon")]).unwrap_err();
        assert_eq!(
            e.message(),
            "INCUS_GUARD_SETTLE_MS=soon is not a whole number"
        );
        let e = cfg(&[("INCUS_GUARD_BACKEND", "tokio")]).unwrap_err();
        assert_eq!(
            e.message(),
            "INCUS_GUARD_BACKEND=tokio is not one of auto, netlink, ip"
        );
    }
}
