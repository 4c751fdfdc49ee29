//! IPv4 parsing, networks and `ip -json addr` output.

use super::*;

#[test]
fn ipv4_rules() {
    assert_eq!(parse_ipv4("10.100.1.10"), Some(0x0a64_010a));
    assert_eq!(parse_ipv4("0.0.0.0"), Some(0));
    assert_eq!(parse_ipv4("255.255.255.255"), Some(u32::MAX));
    for bad in [
        "",
        "10.100.1",
        "10.100.1.256",
        "10.100.1.010",
        "10.100.1.1.1",
        "10.100.1.-1",
        "10.100.1.+1",
        "10.100.1. 1",
        "1e1.0.0.0",
        "10.100.1.0001",
    ] {
        assert_eq!(parse_ipv4(bad), None, "{bad:?}");
    }
}

#[test]
fn networks() {
    let net = |s: &str, strict: bool| Net::parse(s, strict).map(|n| n.to_string());
    assert_eq!(net("10.100.1.0/24", true), Some("10.100.1.0/24".into()));
    assert_eq!(net("10.100.1.5/24", true), None);
    assert_eq!(net("10.100.1.5/24", false), Some("10.100.1.0/24".into()));
    assert_eq!(net("192.168.1.7/16", false), Some("192.168.0.0/16".into()));
    assert_eq!(net("10.0.0.1", true), Some("10.0.0.1/32".into()));
    assert_eq!(net("10.0.0.0/255.0.0.0", true), Some("10.0.0.0/8".into()));
    assert_eq!(net("10.0.0.0/0.0.0.255", true), Some("10.0.0.0/24".into()));
    assert_eq!(net("10.0.0.0/024", true), Some("10.0.0.0/24".into()));
    assert_eq!(net("0.0.0.0/0", true), Some("0.0.0.0/0".into()));
    for bad in [
        "10.0.0.0/33",
        "10.0.0.0/",
        "10.0.0.0/8/8",
        "10.0.0.0/255.0.255.0",
        "10.1.True.0/24",
        "10.0.1.0.0/24",
    ] {
        assert_eq!(net(bad, false), None, "{bad:?}");
    }
}

#[test]
fn overlaps() {
    let n = |s: &str| {
        Net::parse(s, false).unwrap_or(Net {
            addr: 0,
            prefix: 32,
        })
    };
    assert!(n("10.100.1.0/24").overlaps(&n("10.0.0.0/8")));
    assert!(n("10.0.0.0/8").overlaps(&n("10.100.1.0/24")));
    assert!(n("10.100.1.0/24").overlaps(&n("10.100.1.0/24")));
    assert!(!n("10.100.1.0/24").overlaps(&n("10.100.2.0/24")));
    assert!(n("0.0.0.0/0").overlaps(&n("255.255.255.255/32")));
}

#[test]
fn ip_json_output() {
    let out = r#"[
      {"ifname": "lo", "addr_info": [{"family": "inet", "local": "127.0.0.1", "prefixlen": 8}]},
      {"ifname": "eth0", "addr_info": [
        {"family": "inet", "local": "192.168.1.20", "prefixlen": 24},
        {"family": "inet6", "local": "fe80::1", "prefixlen": 64},
        {"family": "inet", "local": "10.0.0.5"},
        {"family": "inet", "local": "bad", "prefixlen": 24}
      ]},
      {"ifname": "net-work", "addr_info": [{"family": "inet", "local": "10.100.1.254", "prefixlen": 24}]},
      {"addr_info": [{"family": "inet", "local": "172.16.0.1", "prefixlen": "12"}]},
      {"ifname": "wg0"}
    ]"#;
    let got: Vec<String> = parse_ip_json(out)
        .iter()
        .map(|(i, n)| format!("{i} {n}"))
        .collect();
    assert_eq!(got, ["eth0 192.168.1.0/24", " 172.16.0.0/12"]);
    assert!(parse_ip_json("not json").is_empty());
    assert!(parse_ip_json("{}").is_empty());
}
