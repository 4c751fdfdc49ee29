//! Top-level keys, global settings, domains and zone addressing.

use super::*;

#[test]
fn missing_required_keys_stop_validation() {
    check(
        "project_name: x\n",
        &[
            "Missing required key: global",
            "Missing required key: domains",
        ],
    );
    check(
        "global: {}\ndomains: {}\n",
        &["Missing required key: project_name"],
    );
}

#[test]
fn empty_domains_are_valid() {
    check("project_name: x\nglobal: {}\ndomains: {}\n", &[]);
    check("project_name: x\nglobal: {}\ndomains:\n", &[]);
}

#[test]
fn duplicate_subnet_id() {
    let yaml = BASE.replace("subnet_id: 1", "subnet_id: 0");
    check(
        &yaml,
        &[
            "Domain 'work': subnet_id 0 already used by 'admin'",
            "Machine 'work-dev': IP 10.100.1.10 not in subnet 10.100.0.0/24",
        ],
    );
}

#[test]
fn subnet_id_range_and_type() {
    let cases = [
        ("255", "Domain 'work': subnet_id must be 0-254, got 255"),
        ("-1", "Domain 'work': subnet_id must be 0-254, got -1"),
        ("'1'", "Domain 'work': subnet_id must be 0-254, got 1"),
        ("1.0", "Domain 'work': subnet_id must be 0-254, got 1.0"),
        // 17 significant digits: Python prints the closest of the shortest.
        (
            "194484458228096.62",
            "Domain 'work': subnet_id must be 0-254, got 194484458228096.62",
        ),
    ];
    for (sid, msg) in cases {
        let yaml = BASE.replace("subnet_id: 1", &format!("subnet_id: {sid}"));
        // An invalid subnet_id still prefixes the IP check, like upstream.
        let ip = format!(
            "Machine 'work-dev': IP 10.100.1.10 not in subnet 10.100.{}.0/24",
            sid.trim_matches('\'')
        );
        let expected: Vec<&str> = if sid == "'1'" {
            vec![msg]
        } else {
            vec![msg, &ip]
        };
        check(&yaml, &expected);
    }
}

#[test]
fn boolean_subnet_id_counts_as_int() {
    // isinstance(True, int): accepted, and equal to 1.
    let yaml = BASE.replace("subnet_id: 1", "subnet_id: true") + "  third:\n    subnet_id: 1\n";
    check(
        &yaml,
        &[
            "Machine 'work-dev': IP 10.100.1.10 not in subnet 10.100.True.0/24",
            "Domain 'third': subnet_id 1 already used by 'work'",
        ],
    );
}

#[test]
fn missing_subnet_id_in_legacy_mode() {
    let yaml = BASE.replace("    subnet_id: 1\n", "");
    check(&yaml, &["Domain 'work': missing subnet_id"]);
}

#[test]
fn domain_names() {
    let yaml = BASE.replace("  work:", "  Work_1:");
    check(
        &yaml,
        &["Domain 'Work_1': invalid name (lowercase alphanumeric + hyphen, no trailing hyphen)"],
    );
    let yaml = BASE.replace("  work:", "  work-:");
    check(
        &yaml,
        &["Domain 'work-': invalid name (lowercase alphanumeric + hyphen, no trailing hyphen)"],
    );
    // Python's `$` also matches before one final newline; upstream then
    // writes `host_vars/m1⏎.yml`. Ours: an error.
    let yaml = BASE.replace("  work:", "  \"work\\n\":");
    check(
        &yaml,
        &["Domain 'work\\n': invalid name (it ends with a newline)"],
    );
    // Incus's 63-character limit on names.
    let long = "d".repeat(64);
    let yaml = BASE.replace("  work:", &format!("  {long}:"));
    check(
        &yaml,
        &[&format!(
            "Domain '{long}': name is 64 characters long; Incus allows at most 63"
        )],
    );
    let yaml = BASE.replace("  work:", &format!("  {}:", &long[..63]));
    check(&yaml, &[]);
    // `all` would be group_vars/all.yml, Ansible's every-host group.
    let yaml = BASE.replace("  work:", "  all:");
    check(
        &yaml,
        &[
            "Domain 'all': 'all' is reserved (Ansible's group of every host, \
           group_vars/all.yml); rename the domain",
        ],
    );
}

#[test]
fn non_string_domain_name_is_invalid() {
    // Upstream crashes (re.match on an int).
    let yaml = BASE.replace("  work:", "  7:");
    check(
        &yaml,
        &["Domain '7': invalid name (lowercase alphanumeric + hyphen, no trailing hyphen)"],
    );
}

#[test]
fn domain_booleans() {
    for field in ["enabled", "ephemeral", "openclaw"] {
        let yaml = with_domain(&format!("{field}: 'yes'"));
        check(
            &yaml,
            &[&format!(
                "Domain 'work': {field} must be a boolean, got str"
            )],
        );
        let yaml = with_domain(&format!("{field}: 1"));
        check(
            &yaml,
            &[&format!(
                "Domain 'work': {field} must be a boolean, got int"
            )],
        );
        check(&with_domain(&format!("{field}: false")), &[]);
        check(&with_domain(&format!("{field}:")), &[]);
    }
}

#[test]
fn trust_level() {
    for t in [
        "admin",
        "trusted",
        "semi-trusted",
        "untrusted",
        "disposable",
    ] {
        check(&with_domain(&format!("trust_level: {t}")), &[]);
    }
    check(
        &with_domain("trust_level: bogus"),
        &[
            "Domain 'work': trust_level must be one of ('admin', 'trusted', 'semi-trusted', \
           'untrusted', 'disposable'), got 'bogus'",
        ],
    );
}

#[test]
fn ai_provider_and_sanitize() {
    check(&with_domain("ai_provider: cloud\nai_sanitize: always"), &[]);
    check(
        &with_domain("ai_provider: remote"),
        &["Domain 'work': ai_provider must be one of ('local', 'cloud', 'local-first'), got 'remote'"],
    );
    check(
        &with_domain("ai_sanitize: sometimes"),
        &["Domain 'work': ai_sanitize must be true, false, or 'always', got 'sometimes'"],
    );
    // 1 == True and 0.0 == False in Python.
    check(&with_domain("ai_sanitize: 1"), &[]);
    check(&with_domain("ai_sanitize: 0.0"), &[]);
    check(
        &with_domain("ai_sanitize: 2"),
        &["Domain 'work': ai_sanitize must be true, false, or 'always', got '2'"],
    );
}

#[test]
fn global_enumerations() {
    check(
        &with_global("gpu_policy: fair"),
        &["global.gpu_policy must be 'exclusive' or 'shared', got 'fair'"],
    );
    check(
        &with_global("firewall_mode: none"),
        &["global.firewall_mode must be 'host' or 'vm', got 'none'"],
    );
    check(
        &with_global("ai_access_policy:"),
        &["global.ai_access_policy must be 'exclusive' or 'open', got 'None'"],
    );
    check(
        &with_global("nesting_prefix: 'no'"),
        &["global.nesting_prefix must be a boolean, got str"],
    );
    check(
        &with_global("nesting_prefix: false\nfirewall_mode: vm"),
        &[],
    );
}

/// An addressing-mode infra: zones from trust levels, IPs auto-assigned.
const ADDR: &str = "\
project_name: t
global:
  addressing:
    zone_base: 100
domains:
  admin:
    trust_level: admin
    machines:
      admin-ctl:
        ip: 10.100.0.10
  beta:
    trust_level: trusted
    machines:
      beta-1: {}
  alpha:
    trust_level: trusted
    machines:
      alpha-1:
        ip: 10.110.0.5
  lab:
    machines:
      lab-1:
        ip: 10.120.0.5
";

#[test]
fn addressing_mode_is_valid() {
    check(ADDR, &[]);
}

#[test]
fn addressing_parameters() {
    let yaml = ADDR.replace(
        "    zone_base: 100\n",
        "    base_octet: 192\n    zone_base: 250\n    zone_step: 0\n",
    );
    check(
        &yaml,
        &[
            "global.addressing.base_octet must be 10 (only RFC 1918 /8), got 192",
            "global.addressing.zone_base must be 0-245, got 250",
            "global.addressing.zone_step must be a positive integer, got 0",
            "Machine 'admin-ctl': IP 10.100.0.10 not in subnet 192.250.0.0/24",
            "Machine 'alpha-1': IP 10.110.0.5 not in subnet 192.260.0.0/24",
            "Machine 'lab-1': IP 10.120.0.5 not in subnet 192.270.0.0/24",
        ],
    );
    let yaml = ADDR.replace("  addressing:\n    zone_base: 100\n", "  addressing: 10\n");
    check(&yaml, &["global.addressing must be a mapping"]);
}

#[test]
fn addressing_ip_must_match_zone_and_sequence() {
    // alpha sorts before beta, so alpha is 10.110.0 and beta 10.110.1.
    let yaml = ADDR.replace("ip: 10.110.0.5", "ip: 10.110.1.5");
    check(
        &yaml,
        &["Machine 'alpha-1': IP 10.110.1.5 not in subnet 10.110.0.0/24"],
    );
}

#[test]
fn addressing_explicit_subnet_id_unique_per_zone() {
    let yaml = ADDR
        .replace("    trust_level: trusted\n    machines:\n      beta-1", "    trust_level: trusted\n    subnet_id: 3\n    machines:\n      beta-1")
        .replace("    trust_level: trusted\n    machines:\n      alpha-1:\n        ip: 10.110.0.5", "    trust_level: trusted\n    subnet_id: 3\n    machines:\n      alpha-1:\n        ip: 10.110.3.5");
    // The later name takes the sequence number; the earlier domain is then
    // left out of the addressing, so its IP is not checked (as upstream).
    check(
        &yaml,
        &["Domain 'alpha': subnet_id 3 already used by 'beta' in zone 'trusted'"],
    );
    // The same subnet_id in two zones is fine.
    let yaml = ADDR.replace("  lab:\n", "  lab:\n    subnet_id: 0\n");
    check(&yaml, &[]);
}

#[test]
fn addressing_zone_base_not_a_number() {
    // Upstream crashes adding a string to an int; the zone_base error says it.
    let yaml = ADDR.replace("zone_base: 100", "zone_base: high");
    check(
        &yaml,
        &["global.addressing.zone_base must be 0-245, got high"],
    );
}

#[test]
fn compute_addressing_orders_zones_and_sequences() {
    let infra = load(ADDR);
    let Some(map) = infra.as_map() else {
        panic!("mapping")
    };
    let got: Vec<(String, String)> = compute_addressing(map)
        .unwrap_or_default()
        .iter()
        .map(|(d, a)| {
            (
                py::py_str(d),
                format!(
                    "{}.{}",
                    py::py_str(&a.second_octet),
                    py::py_str(&a.domain_seq)
                ),
            )
        })
        .collect();
    let want = [
        ("admin", "100.0"),
        ("alpha", "110.0"),
        ("beta", "110.1"),
        ("lab", "120.0"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(got, want);
}
