//! Inputs upstream crashes on (a Python traceback): we report what is wrong
//! instead, and only that, so one mistake does not cascade.

use super::*;

#[test]
fn whole_file_not_a_mapping() {
    let msg = |kind: &str| {
        format!("infra.yml must be a mapping with project_name, global and domains, got {kind}")
    };
    check("", &[&msg("null")]);
    check("5", &[&msg("int")]);
    check("[project_name, global, domains]", &[&msg("list")]);
    // Upstream's `key in infra` on a list or string: its own messages.
    check(
        "[project_name]",
        &[
            "Missing required key: global",
            "Missing required key: domains",
        ],
    );
    check(
        "hello",
        &[
            "Missing required key: project_name",
            "Missing required key: global",
            "Missing required key: domains",
        ],
    );
}

#[test]
fn global_not_a_mapping() {
    check(
        "project_name: x\nglobal:\ndomains: {}\n",
        &["global must be a mapping, got null"],
    );
    check(
        "project_name: x\nglobal: [a]\ndomains: {}\n",
        &["global must be a mapping, got list"],
    );
}

#[test]
fn domains_not_a_mapping() {
    check(
        "project_name: x\nglobal: {}\ndomains: [a, b]\n",
        &["domains must be a mapping of domain names, got list"],
    );
    // Falsy values are "no domains", as upstream.
    check("project_name: x\nglobal: {}\ndomains: []\n", &[]);
}

#[test]
fn domain_not_a_mapping() {
    check(
        &format!("{BASE}  extra:\n"),
        &["Domain 'extra': must be a mapping of domain settings, got null"],
    );
    check(
        &format!("{BASE}  extra: text\n"),
        &["Domain 'extra': must be a mapping of domain settings, got str"],
    );
}

#[test]
fn machines_not_a_mapping() {
    let yaml = format!("{BASE}  extra:\n    subnet_id: 5\n    machines: [a, b]\n");
    check(
        &yaml,
        &["Domain 'extra': machines must be a mapping of machine names, got list"],
    );
    check(
        &format!("{BASE}  extra:\n    subnet_id: 5\n    machines: []\n"),
        &[],
    );
}

#[test]
fn machine_not_a_mapping() {
    check(
        &format!("{BASE}      other:\n"),
        &["Machine 'other': must be a mapping of machine settings, got null"],
    );
}

#[test]
fn profiles_shapes() {
    check(
        &with_domain("profiles: [gpu]").replace(
            "    profiles:\n      gpu:\n        devices:\n          gpu0: {type: gpu}\n",
            "",
        ),
        &["Domain 'work': profiles must be a mapping of profile names, got list"],
    );
    // An empty profile is an empty Incus profile.
    let yaml = BASE.replace(
        "      gpu:\n        devices:\n          gpu0: {type: gpu}\n",
        "      gpu:\n",
    );
    check(&yaml, &[]);
    let yaml = BASE.replace(
        "      gpu:\n        devices:\n          gpu0: {type: gpu}\n",
        "      gpu: nesting\n",
    );
    check(
        &yaml,
        &["Domain 'work': profile 'gpu' must be a mapping (config, devices), got str"],
    );
    let yaml = BASE.replace("          gpu0: {type: gpu}\n", "          gpu0: gpu\n");
    check(
        &yaml,
        &["Domain 'work': profile 'gpu': device 'gpu0' must be a mapping, got str"],
    );
    let yaml = BASE.replace(
        "        devices:\n          gpu0: {type: gpu}\n",
        "        devices: [gpu0]\n",
    );
    check(
        &yaml,
        &["Domain 'work': profile 'gpu': devices must be a mapping of device names, got list"],
    );
}

#[test]
fn machine_field_shapes() {
    check(
        &with_machine("config: [a]"),
        &["Machine 'work-dev': config must be a mapping, got list"],
    );
    check(
        &with_machine("devices: [a]"),
        &["Machine 'work-dev': devices must be a mapping of device names, got list"],
    );
    let yaml = BASE.replace("profiles: [default]", "profiles: gpu");
    check(
        &yaml,
        &["Machine 'work-dev': profiles must be a list of profile names, got str"],
    );
}

#[test]
fn network_policies_not_a_list() {
    check(
        &format!("{BASE}network_policies: {{from: a}}\n"),
        &["network_policies must be a list, got dict"],
    );
    check(
        &format!("{BASE}network_policies: 5\n"),
        &["network_policies must be a list, got int"],
    );
}

#[test]
fn shape_errors_are_reported_alone() {
    // The list of machines would otherwise also make every policy naming
    // one of them "unknown".
    let yaml = format!("{BASE}  extra:\n    subnet_id: 1\n    machines: [a]\nnetwork_policies:\n- {{from: nowhere, to: work}}\n");
    check(
        &yaml,
        &["Domain 'extra': machines must be a mapping of machine names, got list"],
    );
}
