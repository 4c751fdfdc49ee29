//! Test rig: a pair of network namespaces joined by a veth (the "host" and
//! its gateway), fake `systemctl`/`incus`/`ping` on PATH that record their
//! calls, and a runner for the binary inside the host namespace.
//!
//! Nothing here touches the machine's own interfaces: every link is created
//! with `ip -n NS`, directly inside a namespace the test owns, and both
//! namespaces are deleted on drop, also when the test panics.

#![allow(dead_code)] // each test file uses its own subset

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_incus-guard");

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique(tag: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    format!("igt{}-{n}-{tag}", std::process::id())
}

/// Run `ip ARGS`, panicking with its stderr on failure.
pub fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("run ip");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Output of `ip ARGS` (stdout), whatever the status.
pub fn ip_out(args: &[&str]) -> String {
    Command::new("ip")
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

/// True when this machine lets us create network namespaces. Otherwise a
/// loud skip on a developer machine, and a failure in CI (`$CI` non-empty).
pub fn netns_available() -> bool {
    let probe = unique("probe");
    let ok = Command::new("ip")
        .args(["netns", "add", &probe])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        let _ = Command::new("ip").args(["netns", "del", &probe]).status();
        return true;
    }
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!("network namespaces are required in CI: run the incus-guard tests as root on Linux");
    }
    // Straight to the stderr handle: libtest captures eprintln! of passing tests.
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED: incus-guard namespace test — `ip netns add` failed (needs root and netns support) ***\n"
    );
    false
}

/// "host" namespace with veth0 = 192.168.77.2/24 + fd77::2/64 and a default
/// route via 192.168.77.1, which lives on veth1 in the "gw" namespace.
pub struct Netns {
    pub host: String,
    pub gw: String,
}

impl Netns {
    pub fn new() -> Netns {
        Netns::with_gateway("192.168.77.1/24")
    }

    /// `gw_addr` is what the gateway side really has (another address makes
    /// the gateway unreachable).
    pub fn with_gateway(gw_addr: &str) -> Netns {
        let n = Netns::bare();
        ip(&[
            "-n", &n.host, "link", "add", "veth0", "type", "veth", "peer", "name", "veth1",
            "netns", &n.gw,
        ]);
        for (ns, dev, addr) in [
            (&n.host, "veth0", "192.168.77.2/24"),
            (&n.host, "veth0", "fd77::2/64"),
            (&n.gw, "veth1", gw_addr),
            (&n.gw, "veth1", "fd77::1/64"),
        ] {
            ip(&["-n", ns, "addr", "add", addr, "dev", dev]);
        }
        for (ns, dev) in [
            (&n.host, "veth0"),
            (&n.gw, "veth1"),
            (&n.host, "lo"),
            (&n.gw, "lo"),
        ] {
            ip(&["-n", ns, "link", "set", dev, "up"]);
        }
        ip(&[
            "-n",
            &n.host,
            "route",
            "add",
            "default",
            "via",
            "192.168.77.1",
        ]);
        n
    }

    /// Two empty namespaces.
    pub fn bare() -> Netns {
        let n = Netns {
            host: unique("h"),
            gw: unique("g"),
        };
        ip(&["netns", "add", &n.host]);
        ip(&["netns", "add", &n.gw]);
        n
    }

    /// `ip -n HOST` + the words of `cmd`.
    pub fn sh_host(&self, cmd: &str) {
        let mut args = vec!["-n", self.host.as_str()];
        args.extend(cmd.split_whitespace());
        ip(&args);
    }

    /// A bridge in the host namespace, up, with these addresses. They come
    /// last and in order, so a watcher may delete the bridge right after
    /// an overlapping one without failing the set-up.
    pub fn bridge(&self, name: &str, addrs: &[&str]) {
        self.sh_host(&format!("link add {name} type bridge"));
        self.sh_host(&format!("link set {name} up"));
        for a in addrs {
            self.sh_host(&format!("addr add {a} dev {name}"));
        }
    }

    /// Interface names in the host namespace.
    pub fn links(&self) -> Vec<String> {
        let out = ip_out(&["-n", &self.host, "-o", "link", "show"]);
        out.lines()
            .filter_map(|l| l.split(": ").nth(1))
            .map(|n| n.split('@').next().unwrap_or(n).to_owned())
            .collect()
    }

    pub fn has_link(&self, name: &str) -> bool {
        self.links().iter().any(|l| l == name)
    }

    pub fn default_route(&self) -> String {
        ip_out(&["-n", &self.host, "route", "show", "default"])
    }

    /// Wait until `name` is gone from the host namespace.
    pub fn wait_gone(&self, name: &str, limit: Duration) -> bool {
        let t = Instant::now();
        while t.elapsed() < limit {
            if !self.has_link(name) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        for ns in [&self.host, &self.gw] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

/// Temp dir with fakes on PATH and the guard's files.
pub struct Rig {
    pub dir: tempfile::TempDir,
}

const FAKE_SYSTEMCTL: &str = r#"#!/bin/sh
echo "systemctl $*" >> "$RIG/calls.log"
case "$*" in
  "is-active --quiet incus") exit "$(cat "$RIG/active-rc" 2>/dev/null || echo 1)" ;;
  "start incus") [ -x "$RIG/on-start" ] && "$RIG/on-start" ;;
esac
exit "$(cat "$RIG/systemctl-rc" 2>/dev/null || echo 0)"
"#;

const FAKE_INCUS: &str = r#"#!/bin/sh
echo "incus $*" >> "$RIG/calls.log"
case "$1 $2" in
  "network list") cat "$RIG/networks.csv" 2>/dev/null ;;
  "network get") cat "$RIG/net/$3.$4" 2>/dev/null || echo "" ;;
esac
exit 0
"#;

impl Rig {
    pub fn new() -> Rig {
        let rig = Rig {
            dir: tempfile::tempdir().expect("tempdir"),
        };
        std::fs::create_dir_all(rig.path("bin")).expect("bin dir");
        std::fs::create_dir_all(rig.path("net")).expect("net dir");
        rig.script("bin/systemctl", FAKE_SYSTEMCTL);
        rig.script("bin/incus", FAKE_INCUS);
        rig
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.path(rel), text).expect("write rig file");
    }

    pub fn script(&self, rel: &str, text: &str) {
        self.write(rel, text);
        std::fs::set_permissions(self.path(rel), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
    }

    /// The fake incus answers `network get NET KEY` with `value`.
    pub fn incus_key(&self, net: &str, key: &str, value: &str) {
        self.write(&format!("net/{net}.{key}"), &format!("{value}\n"));
    }

    pub fn calls(&self) -> String {
        std::fs::read_to_string(self.path("calls.log")).unwrap_or_default()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.path("guard.log")).unwrap_or_default()
    }

    /// A command for the binary with this rig's environment.
    pub fn command(&self, program: &str, args: &[&str]) -> Command {
        let mut c = Command::new(program);
        c.args(args);
        let path = format!(
            "{}:{}",
            self.path("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        c.env("PATH", path)
            .env("RIG", self.dir.path())
            .env("INCUS_GUARD_LOG", self.path("guard.log"))
            .env("INCUS_GUARD_STATE", self.path("state"))
            .env("INCUS_GUARD_INSTALL", self.path("opt/incus-guard"))
            .env("INCUS_GUARD_DROPIN_DIR", self.path("dropin"))
            .env_remove("INCUS_GUARD_DROPIN")
            .env_remove("INCUS_GUARD_BACKEND")
            .env_remove("INCUS_GUARD_WATCH_SECS")
            .env("INCUS_GUARD_SETTLE_MS", "0");
        c
    }

    /// Run the binary directly (no namespace).
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(BIN, args).output().expect("run incus-guard")
    }

    /// Run the binary inside `ns`, with extra environment.
    pub fn run_in(&self, ns: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut full = vec!["netns", "exec", ns, BIN];
        full.extend_from_slice(args);
        let mut c = self.command("ip", &full);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().expect("run incus-guard in netns")
    }

    /// Replace the rig's temp path by `[RIG]` for snapshots.
    pub fn redact(&self, text: &str) -> String {
        text.replace(&self.dir.path().display().to_string(), "[RIG]")
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Log lines without their timestamps (`2026-01-01T00:00:00+00:00 `).
pub fn untimed(text: &str) -> String {
    text.lines()
        .map(|l| match l.split_once(' ') {
            Some((ts, rest)) if ts.len() == 25 && ts.as_bytes().get(10) == Some(&b'T') => rest,
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

pub fn path_of(p: &Path) -> String {
    p.display().to_string()
}
