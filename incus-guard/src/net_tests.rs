//! Overlap math on every prefix length, parsing, and the conflict rule.

use super::*;

fn s(text: &str) -> Subnet {
    text.parse().unwrap()
}

#[test]
fn parses_v4_v6_and_bare_addresses() {
    assert_eq!(s("192.168.1.10/24").prefix, 24);
    assert_eq!(s(" fd42::1/64 \n").to_string(), "fd42::1/64");
    assert_eq!(s("10.0.0.1"), Subnet::host("10.0.0.1".parse().unwrap()));
    assert_eq!(s("::1").prefix, 128);
    assert_eq!(s("0.0.0.0/0").prefix, 0);
}

#[test]
fn rejects_what_incus_answers_for_no_address() {
    for bad in [
        "",
        "none",
        "auto",
        "1.2.3.4/33",
        "::/129",
        "1.2.3/24",
        "1.2.3.4/",
        "/24",
        "x/8",
        "1.2.3.4/-1",
        "1.2.3.4/24/1",
    ] {
        assert!(bad.parse::<Subnet>().is_err(), "{bad:?} parsed");
    }
}

#[test]
fn network_clears_host_bits() {
    assert_eq!(
        s("192.168.77.130/25").network().to_string(),
        "192.168.77.128/25"
    );
    assert_eq!(s("192.168.77.2/16").network().to_string(), "192.168.0.0/16");
    assert_eq!(s("10.1.2.3/0").network().to_string(), "0.0.0.0/0");
    assert_eq!(s("10.1.2.3/32").network().to_string(), "10.1.2.3/32");
    assert_eq!(s("fd42:1:2:3::9/48").network().to_string(), "fd42:1:2::/48");
    assert_eq!(s("fd42::9/0").network().to_string(), "::/0");
}

/// For every prefix length, a range overlaps its own last address (at any
/// prefix), misses the first address after it and the same-sized range that
/// follows, and lies inside its one-bit-shorter parent.
#[test]
fn v4_every_prefix_length() {
    let any = IpAddr::V4(Ipv4Addr::new(172, 16, 200, 9));
    for p in 0..=32u8 {
        let net = Subnet::new(any, p).unwrap().network();
        let start = match net.addr {
            IpAddr::V4(a) => u64::from(u32::from(a)),
            IpAddr::V6(_) => unreachable!(),
        };
        let size = 1u64 << (32 - u32::from(p));
        let v4 = |n: u64| IpAddr::V4(Ipv4Addr::from(u32::try_from(n).unwrap()));
        for q in 0..=32u8 {
            let last = Subnet::new(v4(start + size - 1), q).unwrap();
            assert!(
                net.overlaps(&last) && last.overlaps(&net),
                "{net} vs {last}"
            );
        }
        if start + size <= u64::from(u32::MAX) {
            let next = Subnet::host(v4(start + size));
            assert!(
                !net.overlaps(&next) && !next.overlaps(&net),
                "{net} vs {next}"
            );
            let twin = Subnet::new(next.addr, p).unwrap();
            assert!(!net.overlaps(&twin), "{net} vs {twin}");
        }
        if p > 0 {
            assert!(Subnet::new(any, p - 1).unwrap().overlaps(&net));
        }
    }
}

#[test]
fn v6_every_prefix_length() {
    let any: IpAddr = "fd42:1234:5678:9abc:def0:1234:5678:9abc".parse().unwrap();
    for p in 0..=128u8 {
        let net = Subnet::new(any, p).unwrap().network();
        let start = match net.addr {
            IpAddr::V6(a) => u128::from(a),
            IpAddr::V4(_) => unreachable!(),
        };
        let span = u128::MAX.checked_shr(u32::from(p)).unwrap_or(0); // size - 1
        let v6 = |n: u128| IpAddr::V6(Ipv6Addr::from(n));
        for q in [0, 1, 7, 8, 47, 48, 63, 64, 65, 127, 128] {
            let last = Subnet::new(v6(start + span), q).unwrap();
            assert!(
                net.overlaps(&last) && last.overlaps(&net),
                "{net} vs {last}"
            );
        }
        if let Some(after) = (start + span).checked_add(1) {
            let next = Subnet::host(v6(after));
            assert!(
                !net.overlaps(&next) && !next.overlaps(&net),
                "{net} vs {next}"
            );
            let twin = Subnet::new(next.addr, p).unwrap();
            assert!(!net.overlaps(&twin), "{net} vs {twin}");
        }
        if p > 0 {
            assert!(Subnet::new(any, p - 1).unwrap().overlaps(&net));
        }
    }
    assert!(s("::/0").overlaps(&s("2001:db8::1/128")));
}

#[test]
fn the_cases_the_script_got_wrong() {
    let host = s("192.168.77.2/24");
    // Wider and narrower ranges differ in the first three octets' view.
    assert!(s("192.168.0.1/16").overlaps(&host));
    assert!(s("192.168.76.1/23").overlaps(&host));
    assert!(s("192.168.77.130/25").overlaps(&host));
    assert!(s("10.0.0.1/8").overlaps(&s("10.200.3.4/24")));
    // Same first three octets is not enough when the host net is narrow.
    assert!(!s("10.1.2.1/25").overlaps(&s("10.1.2.200/25")));
    assert!(!s("192.168.78.1/23").overlaps(&host));
    assert!(!s("192.168.78.1/24").overlaps(&host));
}

#[test]
fn families_never_overlap() {
    assert!(!s("0.0.0.0/0").overlaps(&s("::/0")));
    assert!(!s("::ffff:192.168.1.1/128").overlaps(&s("192.168.1.0/24")));
}

#[test]
fn link_local_ranges() {
    assert!(s("fe80::1/64").is_link_local());
    assert!(s("febf::1/64").is_link_local());
    assert!(!s("fec0::1/64").is_link_local());
    assert!(s("169.254.3.4/16").is_link_local());
    assert!(!s("192.168.1.1/24").is_link_local());
}

fn link(index: u32, name: &str, kind: Option<&str>) -> Link {
    Link {
        index,
        name: name.into(),
        kind: kind.map(Into::into),
        master: None,
        lower: None,
    }
}

fn addr(index: u32, text: &str) -> Addr {
    Addr {
        index,
        subnet: s(text),
        global: true,
    }
}

fn host() -> HostNet {
    HostNet {
        dev: "eth0".into(),
        index: 2,
        gateway: Some("192.168.77.1".parse().unwrap()),
        subnets: vec![s("192.168.77.2/24"), s("fd77::2/64")],
        protected: vec![2, 9],
    }
}

#[test]
fn only_overlapping_bridges_conflict() {
    let links = vec![
        link(2, "eth0", None),
        link(3, "br-same", Some("bridge")),
        link(4, "br-ok", Some("bridge")),
        link(5, "veth-x", Some("veth")),
        link(6, "br-v6", Some("bridge")),
        link(7, "br-ll", Some("bridge")),
        link(8, "br-wide", Some("bridge")),
        link(9, "br-master", Some("bridge")),
    ];
    let mut local = addr(7, "fd77::9/64");
    local.global = false;
    let addrs = vec![
        addr(2, "192.168.77.2/24"),
        addr(3, "192.168.77.50/24"),
        addr(4, "10.9.0.1/24"),
        addr(5, "192.168.77.9/24"),
        addr(6, "fe80::1/64"),
        addr(6, "fd77::5/64"),
        local,
        addr(7, "fe80::2/64"),
        addr(8, "10.9.0.1/24"),
        addr(8, "192.168.0.1/16"),
        addr(9, "192.168.77.3/24"),
    ];
    let got: Vec<String> = host()
        .conflicts(&links, &addrs)
        .iter()
        .map(|c| format!("{} {} {}", c.name, c.bridge, c.host))
        .collect();
    assert_eq!(
        got,
        [
            "br-same 192.168.77.50/24 192.168.77.0/24",
            "br-v6 fd77::5/64 fd77::/64",
            "br-wide 192.168.0.1/16 192.168.77.0/24",
        ]
    );
}

#[test]
fn uplink_named_like_a_bridge_is_never_deletable() {
    let mut h = host();
    h.protected.clear();
    assert!(!h.deletable(&link(42, "eth0", Some("bridge"))));
    assert!(h.deletable(&link(43, "incusbr0", Some("bridge"))));
    assert!(!h.deletable(&link(44, "eth1", None)));
}

#[test]
fn describe_lists_networks() {
    assert_eq!(host().describe(), "192.168.77.0/24, fd77::/64");
}
