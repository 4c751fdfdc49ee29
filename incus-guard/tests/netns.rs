//! The guard against a real kernel, inside network namespaces the tests
//! create (see `common`): which bridges go, which stay, the default route,
//! the Incus database clean-up, `start` end to end, and the watcher.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use common::{netns_available, stdout, untimed, Netns, Rig, BIN};

/// Bridges that overlap the host's 192.168.77.0/24 / fd77::/64 in every way
/// the script missed or caught, plus ones that must survive.
fn populate(n: &Netns) {
    n.bridge("br-same", &["192.168.77.50/24"]);
    n.bridge("br-wide", &["192.168.0.1/16"]);
    n.bridge("br-narrow", &["192.168.77.130/25"]);
    n.bridge("br-23", &["192.168.76.1/23"]);
    n.bridge("br-v6", &["fd77::5/64"]);
    n.bridge("br-mixed", &["10.50.0.1/24", "fd77:0:0:0:8000::1/65"]);
    n.bridge("br-ok", &["10.99.0.1/24"]);
    n.bridge("br-ok6", &["fd99::1/64"]);
    n.bridge("br-adj", &["192.168.78.1/23"]);
    n.bridge("br-none", &[]);
    // Not a bridge, overlapping address: never touched.
    n.sh_host("link add ovl0 type veth peer name ovl1");
    n.sh_host("addr add 192.168.77.99/24 dev ovl0");
}

const REMOVED: [&str; 6] = [
    "br-same",
    "br-wide",
    "br-narrow",
    "br-23",
    "br-v6",
    "br-mixed",
];
const KEPT: [&str; 7] = [
    "veth0", "br-ok", "br-ok6", "br-adj", "br-none", "ovl0", "ovl1",
];

fn post_start_removes_exactly_the_overlapping(backend: &str) {
    if !netns_available() {
        return;
    }
    let n = Netns::new();
    populate(&n);
    let rig = Rig::new();
    let out = rig.run_in(
        &n.host,
        &["post-start"],
        &[("INCUS_GUARD_BACKEND", backend)],
    );
    assert_eq!(out.status.code(), Some(0));
    for gone in REMOVED {
        assert!(!n.has_link(gone), "{gone} survived: {:?}", n.links());
    }
    for kept in KEPT {
        assert!(n.has_link(kept), "{kept} was removed");
    }
    assert!(n.default_route().contains("via 192.168.77.1 dev veth0"));
    // Same lines on the terminal (with timestamps) and in the log file.
    assert_eq!(untimed(&stdout(&out)), untimed(&rig.log()));
    insta::assert_snapshot!(format!("post_start_{backend}"), untimed(&rig.log()));
    assert_eq!(
        std::fs::read_to_string(rig.path("state")).unwrap(),
        "veth0 192.168.77.1\n"
    );
}

#[test]
fn post_start_removes_exactly_the_overlapping_bridges_netlink() {
    post_start_removes_exactly_the_overlapping("netlink");
}

#[test]
fn post_start_removes_exactly_the_overlapping_bridges_ip_fallback() {
    post_start_removes_exactly_the_overlapping("ip");
}

#[test]
fn post_start_restores_a_lost_default_route_from_the_state_file() {
    if !netns_available() {
        return;
    }
    let n = Netns::new();
    let rig = Rig::new();
    assert!(rig.run_in(&n.host, &["post-start"], &[]).status.success());
    n.sh_host("route del default");
    assert_eq!(n.default_route(), "");

    let out = rig.run_in(&n.host, &["post-start"], &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(n
        .default_route()
        .contains("default via 192.168.77.1 dev veth0"));
    insta::assert_snapshot!(untimed(&stdout(&out)));
}

#[test]
fn post_start_without_route_or_state_still_exits_0() {
    if !netns_available() {
        return;
    }
    let n = Netns::bare();
    let rig = Rig::new();
    let out = rig.run_in(&n.host, &["post-start"], &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        untimed(&stdout(&out)),
        "ERROR: Cannot determine host network. No default route and no saved state.\n"
    );
}

#[test]
fn post_start_cleans_only_overlapping_networks_from_incus() {
    if !netns_available() {
        return;
    }
    let n = Netns::new();
    let rig = Rig::new();
    rig.write(
        "networks.csv",
        "incusbr0,bridge,YES,192.168.77.1/24,,,0,CREATED\n\
         safe0,bridge,YES,10.5.0.1/24,none,,0,CREATED\n\
         v6net,bridge,YES,none,fd77::1/64,,0,CREATED\n\
         eth0,physical,NO,,,,0,\n",
    );
    rig.incus_key("incusbr0", "ipv4.address", "192.168.77.1/24");
    rig.incus_key("safe0", "ipv4.address", "10.5.0.1/24");
    rig.incus_key("safe0", "ipv6.address", "none");
    rig.incus_key("v6net", "ipv4.address", "none");
    rig.incus_key("v6net", "ipv6.address", "fd77::1/64");
    let out = rig.run_in(&n.host, &["post-start"], &[]);
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(rig.calls());
    insta::assert_snapshot!("incus_db_log", untimed(&rig.log()));
}

#[test]
fn a_bridge_that_is_the_uplink_is_never_removed() {
    if !netns_available() {
        return;
    }
    let n = Netns::bare();
    // Host on a bridge (a common server layout): brhost carries the address,
    // the veth is enslaved to it.
    common::ip(&[
        "-n", &n.host, "link", "add", "veth0", "type", "veth", "peer", "name", "veth1", "netns",
        &n.gw,
    ]);
    n.bridge("brhost", &["192.168.77.2/24"]);
    n.sh_host("link set veth0 master brhost");
    n.sh_host("link set veth0 up");
    n.sh_host("route add default via 192.168.77.1");
    n.bridge("incusbr0", &["192.168.77.1/24"]);
    let rig = Rig::new();
    let out = rig.run_in(&n.host, &["post-start"], &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(n.has_link("brhost") && n.has_link("veth0"));
    assert!(!n.has_link("incusbr0"));
}

#[test]
fn start_brings_incus_up_while_the_watcher_removes_its_bridge() {
    if !netns_available() {
        return;
    }
    let n = Netns::new();
    let rig = Rig::new();
    // What a misconfigured Incus does: a bridge on the host's own subnet.
    rig.script(
        "on-start",
        "#!/bin/sh\nip link add incusbr0 type bridge\nip addr add 192.168.77.1/24 dev incusbr0\nip link set incusbr0 up\n",
    );
    rig.write("networks.csv", "incusbr0,bridge,YES,,,,0,CREATED\n");
    rig.incus_key("incusbr0", "ipv4.address", "192.168.77.1/24");
    let out = rig.run_in(&n.host, &["start"], &[]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(!n.has_link("incusbr0"));
    assert!(text.contains("WATCHER: Deleted conflicting bridge incusbr0 (192.168.77.1/24)\n"));
    // The watcher's line comes whenever the event does; the rest is fixed.
    let rest: String = text
        .lines()
        .filter(|l| !l.starts_with("WATCHER:"))
        .map(|l| format!("{l}\n"))
        .collect();
    insta::assert_snapshot!(untimed(&rest));
    assert_eq!(
        rig.calls(),
        "systemctl is-active --quiet incus\nsystemctl start incus.socket\nsystemctl start incus\n\
         incus network list --format csv\nincus network get incusbr0 ipv4.address\n\
         incus network delete incusbr0\n"
    );
}

#[test]
fn start_with_incus_running_skips_systemctl_start() {
    if !netns_available() {
        return;
    }
    let n = Netns::new();
    let rig = Rig::new();
    rig.write("active-rc", "0");
    let out = rig.run_in(&n.host, &["start"], &[]);
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(stdout(&out));
    assert!(!rig.calls().contains("systemctl start"));
}

#[test]
fn start_uses_ping_from_path() {
    if !netns_available() {
        return;
    }
    let n = Netns::new();
    let rig = Rig::new();
    rig.write("active-rc", "0");
    rig.script(
        "bin/ping",
        "#!/bin/sh\necho \"ping $*\" >> \"$RIG/calls.log\"\nexit 1\n",
    );
    let out = rig.run_in(&n.host, &["start"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(rig.calls().ends_with("ping -c1 -W2 192.168.77.1\n"));
    assert!(stdout(&out).ends_with(
        "ERROR: Gateway 192.168.77.1 unreachable. Network may be broken.\n\
         Try: sudo ip route add default via 192.168.77.1 dev veth0\n"
    ));
}

#[test]
fn start_notices_a_gateway_that_does_not_answer() {
    if !netns_available() {
        return;
    }
    // The route points at .1 but the other side is .3: nobody answers.
    let n = Netns::with_gateway("192.168.77.3/24");
    let rig = Rig::new();
    rig.write("active-rc", "0");
    let out = rig.run_in(&n.host, &["start"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("ERROR: Gateway 192.168.77.1 unreachable."));
}

#[test]
fn start_restores_the_route_through_the_remembered_gateway() {
    if !netns_available() {
        return;
    }
    let n = Netns::new();
    let rig = Rig::new();
    rig.write("active-rc", "0");
    // What an earlier run wrote; the script kept only "veth0" and could not
    // put a lost route back.
    rig.write("state", "veth0 192.168.77.1\n");
    n.sh_host("route del default");
    let out = rig.run_in(&n.host, &["start"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(n
        .default_route()
        .contains("default via 192.168.77.1 dev veth0"));
    insta::assert_snapshot!(untimed(&stdout(&out)));
}

#[test]
fn start_without_a_default_route_fails() {
    if !netns_available() {
        return;
    }
    let n = Netns::bare();
    let rig = Rig::new();
    let out = rig.run_in(&n.host, &["start"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        "ERROR: No default route found. Network may already be broken.\n"
    );
    assert_eq!(rig.calls(), "");
}

#[test]
fn status_shows_the_verdict_per_bridge() {
    if !netns_available() {
        return;
    }
    let n = Netns::new();
    populate(&n);
    let rig = Rig::new();
    let out = rig.run_in(&n.host, &["status"], &[]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(rig.redact(&stdout(&out)));
    // Read-only: nothing removed, nothing remembered.
    assert!(n.has_link("br-same"));
    assert!(!rig.path("state").exists());
}

fn watcher_removes_bridges_as_they_appear(backend: &str) {
    if !netns_available() {
        return;
    }
    let n = Netns::new();
    let rig = Rig::new();
    let mut child = rig
        .command("ip", &["netns", "exec", &n.host, BIN, "watch"])
        .env("INCUS_GUARD_BACKEND", backend)
        .env("INCUS_GUARD_WATCH_SECS", "20")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let banner = lines
        .by_ref()
        .take(2)
        .map(Result::unwrap)
        .collect::<Vec<_>>();
    let how = if backend == "ip" {
        "ip polling"
    } else {
        "netlink events"
    };
    assert_eq!(
        banner[1],
        format!("Watching for conflicting bridges ({how})...")
    );

    populate(&n);
    let limit = Duration::from_secs(30);
    for gone in REMOVED {
        assert!(n.wait_gone(gone, limit), "{gone} survived: {:?}", n.links());
    }
    std::thread::sleep(Duration::from_millis(300));
    for kept in KEPT {
        assert!(n.has_link(kept), "{kept} was removed");
    }
    let _ = child.kill();
    let _ = child.wait();
    let deleted: Vec<String> = lines
        .map_while(Result::ok)
        .filter(|l| l.starts_with("WATCHER: Deleted"))
        .collect();
    assert_eq!(deleted.len(), REMOVED.len(), "{deleted:?}");
}

#[test]
fn watcher_removes_bridges_as_they_appear_netlink() {
    watcher_removes_bridges_as_they_appear("netlink");
}

#[test]
fn watcher_removes_bridges_as_they_appear_ip_polling() {
    watcher_removes_bridges_as_they_appear("ip");
}
