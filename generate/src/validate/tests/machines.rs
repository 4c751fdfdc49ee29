//! Machine checks: names, type, IPs, profiles, boot and snapshot settings,
//! weight, persistent_data, and the privileged LXC policy.

use super::*;

#[test]
fn duplicate_machine_name_across_domains() {
    let yaml = BASE.replace(
        "      work-dev:\n        ip: 10.100.1.10",
        "      admin-ctl:\n        ip: 10.100.1.10",
    );
    check(
        &yaml,
        &["Machine 'admin-ctl': duplicate (already in 'admin')"],
    );
}

#[test]
fn machine_names() {
    let yaml = BASE.replace("work-dev:", "dev_box:");
    check(
        &yaml,
        &["Machine 'dev_box': invalid name (lowercase alphanumeric + hyphen, no trailing hyphen)"],
    );
    let yaml = BASE.replace("work-dev:", "8:");
    check(
        &yaml,
        &["Machine '8': invalid name (lowercase alphanumeric + hyphen, no trailing hyphen)"],
    );
    // Upstream lets both through (the 300-character one then fails
    // half-way through writing).
    let yaml = BASE.replace("work-dev:", "\"work-dev\\n\":");
    check(
        &yaml,
        &["Machine 'work-dev\\n': invalid name (it ends with a newline)"],
    );
    let long = "m".repeat(300);
    let yaml = BASE.replace("work-dev:", &format!("{long}:"));
    check(
        &yaml,
        &[&format!(
            "Machine '{long}': name is 300 characters long; Incus allows at most 63"
        )],
    );
}

#[test]
fn machine_type() {
    check(&with_machine("type: vm"), &[]);
    check(&with_machine("type: lxc"), &[]);
    check(
        &with_machine("type: docker"),
        &["Machine 'work-dev': type must be 'lxc' or 'vm', got 'docker'"],
    );
}

#[test]
fn duplicate_ip() {
    let yaml = BASE.replace("10.100.1.10", "10.100.0.10");
    check(
        &yaml,
        &[
            "Machine 'work-dev': IP 10.100.0.10 already used by 'admin-ctl'",
            "Machine 'work-dev': IP 10.100.0.10 not in subnet 10.100.1.0/24",
        ],
    );
}

#[test]
fn ip_outside_domain_subnet() {
    let yaml = BASE.replace("10.100.1.10", "10.100.2.10");
    check(
        &yaml,
        &["Machine 'work-dev': IP 10.100.2.10 not in subnet 10.100.1.0/24"],
    );
    // A float base_subnet prints as Python prints it.
    let yaml = BASE.replace("base_subnet: '10.100'", "base_subnet: 10.100");
    check(
        &yaml,
        &[
            "Machine 'admin-ctl': IP 10.100.0.10 not in subnet 10.1.0.0/24",
            "Machine 'work-dev': IP 10.100.1.10 not in subnet 10.1.1.0/24",
        ],
    );
}

#[test]
fn ip_must_be_a_valid_ipv4_address() {
    // Upstream only compares the text prefix, so these passed.
    for ip in [
        "10.100.1.999",
        "10.100.1.010",
        "10.100.1.10/24",
        "10.100.1.",
        "10.100.1.1.1",
    ] {
        let yaml = BASE.replace("10.100.1.10", ip);
        check(
            &yaml,
            &[&format!(
                "Machine 'work-dev': IP {ip} is not a valid IPv4 address"
            )],
        );
    }
    // Outside the subnet: upstream's message only.
    let yaml = BASE.replace("10.100.1.10", "10.100.2.999");
    check(
        &yaml,
        &["Machine 'work-dev': IP 10.100.2.999 not in subnet 10.100.1.0/24"],
    );
}

#[test]
fn ip_must_be_a_string() {
    // Upstream crashes calling .startswith on an int.
    let yaml = BASE.replace("ip: 10.100.1.10", "ip: 5");
    check(
        &yaml,
        &["Machine 'work-dev': ip must be a string (an IPv4 address), got int"],
    );
    let yaml = BASE.replace("ip: 10.100.1.10", "ip: [10.100.1.10]");
    check(
        &yaml,
        &["Machine 'work-dev': ip must be a string (an IPv4 address), got list"],
    );
    // Falsy values mean "no IP", as upstream.
    check(&BASE.replace("ip: 10.100.1.10", "ip: ''"), &[]);
    check(&BASE.replace("ip: 10.100.1.10", "ip: 0"), &[]);
}

#[test]
fn machine_ephemeral() {
    check(
        &with_machine("ephemeral: 'yes'"),
        &["Machine 'work-dev': ephemeral must be a boolean, got str"],
    );
    check(&with_machine("ephemeral: true"), &[]);
}

#[test]
fn profiles_must_exist_in_domain() {
    let yaml = BASE.replace("profiles: [default]", "profiles: [default, gpu, missing]");
    check(
        &yaml,
        &["Machine 'work-dev': profile 'missing' not defined in domain 'work'"],
    );
    let yaml = BASE.replace(
        "      admin-ctl:\n",
        "      admin-ctl:\n        profiles: [gpu]\n",
    );
    check(
        &yaml,
        &["Machine 'admin-ctl': profile 'gpu' not defined in domain 'admin'"],
    );
}

#[test]
fn boot_settings() {
    check(&with_machine("boot_autostart: true\nboot_priority: 0"), &[]);
    check(&with_machine("boot_priority: 100"), &[]);
    check(
        &with_machine("boot_autostart: 'yes'"),
        &["Machine 'work-dev': boot_autostart must be a boolean, got str"],
    );
    for (v, shown) in [
        ("101", "101"),
        ("-1", "-1"),
        ("'5'", "5"),
        ("true", "True"),
        ("1.5", "1.5"),
    ] {
        check(
            &with_machine(&format!("boot_priority: {v}")),
            &[&format!(
                "Machine 'work-dev': boot_priority must be an integer 0-100, got {shown}"
            )],
        );
    }
}

#[test]
fn snapshot_settings() {
    check(
        &with_machine("snapshots_schedule: '0 2 * * *'\nsnapshots_expiry: 30d"),
        &[],
    );
    check(
        &with_machine("snapshots_schedule: \"0 2 * * *\\n\"\nsnapshots_expiry: \"24h\\n\""),
        &[],
    );
    check(
        &with_machine("snapshots_schedule: '0 2 * *'"),
        &["Machine 'work-dev': snapshots_schedule must be a cron expression (5 fields), got '0 2 * *'"],
    );
    check(
        &with_machine("snapshots_schedule: ' 0 2 * * *'"),
        &["Machine 'work-dev': snapshots_schedule must be a cron expression (5 fields), got ' 0 2 * * *'"],
    );
    check(
        &with_machine("snapshots_schedule: 5"),
        &["Machine 'work-dev': snapshots_schedule must be a cron expression (5 fields), got '5'"],
    );
    check(
        &with_machine("snapshots_expiry: 30 days"),
        &["Machine 'work-dev': snapshots_expiry must be a duration (e.g., '30d', '24h', '60m'), got '30 days'"],
    );
    check(
        &with_machine("snapshots_expiry: 30"),
        &["Machine 'work-dev': snapshots_expiry must be a duration (e.g., '30d', '24h', '60m'), got '30'"],
    );
}

#[test]
fn weight() {
    check(&with_machine("weight: 3"), &[]);
    for (v, shown) in [("0", "0"), ("'2'", "2"), ("true", "True"), ("2.0", "2.0")] {
        check(
            &with_machine(&format!("weight: {v}")),
            &[&format!(
                "Machine 'work-dev': weight must be a positive integer, got {shown}"
            )],
        );
    }
}

#[test]
fn persistent_data() {
    check(
        &with_machine("persistent_data:\n  data: {path: /var/lib/data, readonly: true}"),
        &[],
    );
    check(
        &with_machine("persistent_data: [a]"),
        &["Machine 'work-dev': persistent_data must be a mapping"],
    );
    check(
        &with_machine("persistent_data:\n  data: /var/lib/data"),
        &["Machine 'work-dev': persistent_data.data must be a mapping"],
    );
    check(
        &with_machine("persistent_data:\n  Data_1: {readonly: 'no'}\n  logs: {path: var/log}"),
        &[
            "Machine 'work-dev': persistent_data.Data_1: invalid name (lowercase alphanumeric + hyphen)",
            "Machine 'work-dev': persistent_data.Data_1: path is required",
            "Machine 'work-dev': persistent_data.Data_1: readonly must be a boolean, got str",
            "Machine 'work-dev': persistent_data.logs: path must be an absolute path",
        ],
    );
    check(
        &with_machine("devices: {pd-data: {type: disk}}\npersistent_data:\n  data: {path: /data}"),
        &["Machine 'work-dev': persistent_data.data: device name 'pd-data' collision with existing device"],
    );
}

fn nested(vm_nested: Option<bool>, yolo: bool) -> Nesting {
    Nesting {
        vm_nested,
        yolo,
        ..Nesting::default()
    }
}

const PRIVILEGED: &str = "config: {security.privileged: 'true'}";

#[test]
fn privileged_lxc_forbidden_without_vm_in_chain() {
    let msg =
        "Machine 'work-dev': security.privileged=true on LXC is forbidden when vm_nested=false \
               (no VM in parent chain). Use a VM or enable --YOLO to bypass.";
    check_in(
        &with_machine(PRIVILEGED),
        nested(Some(false), false),
        &[msg],
    );
    // str(True).lower() == "true": a YAML boolean and any case count.
    check_in(
        &with_machine("config: {security.privileged: true}"),
        nested(Some(false), false),
        &[msg],
    );
    check_in(
        &with_machine("config: {security.privileged: 'TRUE'}"),
        nested(Some(false), false),
        &[msg],
    );
}

#[test]
fn privileged_allowed_cases() {
    check_in(&with_machine(PRIVILEGED), nested(Some(true), false), &[]);
    check_in(&with_machine(PRIVILEGED), nested(None, false), &[]);
    check_in(
        &with_machine(&format!("type: vm\n{PRIVILEGED}")),
        nested(Some(false), false),
        &[],
    );
    check_in(&with_machine(PRIVILEGED), nested(Some(false), true), &[]);
    check_in(
        &with_machine("config: {security.privileged: 'false'}"),
        nested(Some(false), false),
        &[],
    );
}
