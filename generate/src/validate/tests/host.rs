//! Host subnet conflicts.

use super::*;

fn host(nets: &[(&str, &str)]) -> Vec<(String, Net)> {
    nets.iter()
        .filter_map(|(i, n)| Some(((*i).to_owned(), Net::parse(n, false)?)))
        .collect()
}

fn conflicts(yaml: &str, nets: &[(&str, &str)]) -> Vec<String> {
    let nets = host(nets);
    validate_with(&load(yaml), Nesting::default(), || nets)
}

const TAIL: &str =
    "Incus would create a bridge on the same subnet, causing a routing loop and total \
                    loss of network connectivity.";

#[test]
fn legacy_mode_conflict_suggests_other_base_subnet() {
    let got = conflicts(
        BASE,
        &[("eth0", "10.100.1.5/24"), ("wlan0", "192.168.1.7/24")],
    );
    assert_eq!(
        got,
        [format!(
            "SUBNET CONFLICT: Domain 'work' uses 10.100.1.0/24 which overlaps with host interface \
             'eth0' (10.100.1.0/24). {TAIL} Change global.base_subnet to '10.200' or use a \
             different subnet_id for this domain."
        )]
    );
    let yaml = BASE
        .replace("'10.100'", "'10.200'")
        .replace("10.100.", "10.200.");
    let got = conflicts(&yaml, &[("br0", "10.0.0.0/8")]);
    assert_eq!(got.len(), 2);
    assert!(got[0].starts_with("SUBNET CONFLICT: Domain 'admin' uses 10.200.0.0/24 which overlaps with host interface 'br0' (10.0.0.0/8)."));
    assert!(got[1].ends_with(
        "Change global.base_subnet to '10.100' or use a different subnet_id for this domain."
    ));
}

#[test]
fn addressing_mode_conflict() {
    let yaml = "project_name: t\nglobal:\n  addressing: {}\ndomains:\n  lab:\n    machines: {}\n";
    let got = conflicts(yaml, &[("eth0", "10.120.0.9/16")]);
    assert_eq!(
        got,
        [format!(
            "SUBNET CONFLICT: Domain 'lab' uses 10.120.0.0/24 which overlaps with host interface \
             'eth0' (10.120.0.0/16). {TAIL} Adjust global.addressing.zone_base or use a different \
             subnet_id."
        )]
    );
}

#[test]
fn no_conflict_no_error() {
    assert!(conflicts(BASE, &[("eth0", "192.168.1.7/24")]).is_empty());
    assert!(conflicts(BASE, &[]).is_empty());
}
