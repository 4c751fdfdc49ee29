//! GPU policy, network policies, AI access policy, and warnings.

use super::*;
use crate::warnings::warnings_with;

/// BASE with a second GPU machine: one by flag, one through a profile.
fn two_gpus(policy: &str) -> String {
    with_global(policy).replace("profiles: [default]", "gpu: true")
        + "      work-2:\n        ip: 10.100.1.11\n        profiles: [gpu]\n"
}

fn warns(yaml: &str, nesting: &Nesting) -> Vec<String> {
    warnings_with(&load(yaml), nesting)
}

#[test]
fn gpu_exclusive_allows_one() {
    check(&with_machine("gpu: true"), &[]);
    check(
        &two_gpus(""),
        &[
            "GPU policy is 'exclusive' but 2 instances have GPU access: work-dev, work-2. \
           Set global.gpu_policy: shared to allow this.",
        ],
    );
}

#[test]
fn gpu_shared_warns() {
    let yaml = two_gpus("gpu_policy: shared");
    check(&yaml, &[]);
    assert_eq!(
        warns(&yaml, &Nesting::default()),
        [
            "GPU policy is 'shared': 2 instances share GPU access (work-dev, work-2). \
          No VRAM isolation on consumer GPUs."
        ]
    );
    assert!(warns(&with_machine("gpu: true"), &Nesting::default()).is_empty());
}

#[test]
fn gpu_profile_needs_a_gpu_device() {
    let yaml = two_gpus("").replace("gpu0: {type: gpu}", "gpu0: {type: disk}");
    check(&yaml, &[]);
}

fn with_policies(policies: &str) -> String {
    format!("{BASE}network_policies:\n{policies}")
}

#[test]
fn network_policies_valid() {
    let yaml = with_policies(
        "- {from: admin, to: work, ports: [22, 443], protocol: tcp}\n\
         - {from: work-dev, to: host, ports: all, bidirectional: true}\n\
         - {from: host, to: admin-ctl}\n",
    );
    check(&yaml, &[]);
    check(&format!("{BASE}network_policies: []\n"), &[]);
}

#[test]
fn network_policies_errors() {
    let yaml = with_policies(
        "- {from: nowhere, to: work}\n\
         - {from: admin}\n\
         - just-text\n\
         - {from: admin, to: work, ports: [0, 22, 70000, '80', true]}\n\
         - {from: admin, to: work, ports: 22, protocol: icmp, bidirectional: 'yes'}\n",
    );
    check(
        &yaml,
        &[
            "network_policies[0]: 'from: nowhere' is not a known domain, machine, or 'host'",
            "network_policies[1]: missing 'to'",
            "network_policies[2]: must be a mapping",
            "network_policies[3]: invalid port 0 (must be 1-65535)",
            "network_policies[3]: invalid port 70000 (must be 1-65535)",
            "network_policies[3]: invalid port 80 (must be 1-65535)",
            "network_policies[4]: ports must be a list or 'all'",
            "network_policies[4]: protocol must be 'tcp' or 'udp', got 'icmp'",
            "network_policies[4]: bidirectional must be a boolean, got str",
        ],
    );
}

#[test]
fn network_policy_reference_of_wrong_type() {
    // Upstream crashes (unhashable list); we say it is not known.
    let yaml = with_policies("- {from: [admin], to: work}\n");
    check(
        &yaml,
        &["network_policies[0]: 'from: ['admin']' is not a known domain, machine, or 'host'"],
    );
}

fn exclusive(extra: &str) -> String {
    with_global(&format!("ai_access_policy: exclusive\n{extra}"))
}

#[test]
fn ai_access_exclusive() {
    let ai_tools = "  ai-tools:\n    subnet_id: 9\n";
    check(&(exclusive("ai_access_default: work") + ai_tools), &[]);
    check(
        &exclusive(""),
        &[
            "global.ai_access_default is required when ai_access_policy is 'exclusive'",
            "ai_access_policy is 'exclusive' but no 'ai-tools' domain exists",
        ],
    );
    check(
        &(exclusive("ai_access_default: ai-tools") + ai_tools),
        &["global.ai_access_default cannot be 'ai-tools' (must be a client domain)"],
    );
    check(
        &(exclusive("ai_access_default: lab") + ai_tools),
        &["global.ai_access_default 'lab' is not a known domain"],
    );
    let two = format!(
        "{}{ai_tools}network_policies:\n- {{from: work, to: ai-tools}}\n- {{from: admin, to: ai-tools}}\n",
        exclusive("ai_access_default: work")
    );
    check(&two, &["ai_access_policy is 'exclusive' but 2 network_policies target ai-tools (max 1 allowed)"]);
}

#[test]
fn warning_for_policies_naming_a_disabled_domain() {
    let yaml = with_domain("enabled: false")
        + "network_policies:\n- {from: admin, to: work}\n- {from: work, to: host}\n";
    check(&yaml, &[]);
    let yaml = yaml + "- text\n";
    assert_eq!(
        warns(&yaml, &Nesting::default()),
        [
            "network_policies[0]: 'to: work' references disabled domain 'work'",
            "network_policies[1]: 'from: work' references disabled domain 'work'",
        ]
    );
}

#[test]
fn yolo_turns_privileged_error_into_warning() {
    let yaml = with_machine("config: {security.privileged: 'true'}");
    let yolo = Nesting {
        vm_nested: Some(false),
        yolo: true,
        ..Nesting::default()
    };
    assert_eq!(
        warns(&yaml, &yolo),
        [
            "YOLO: Machine 'work-dev' has security.privileged=true on LXC without VM isolation. \
          This is unsafe for production."
        ]
    );
    let no_yolo = Nesting {
        vm_nested: Some(false),
        ..Nesting::default()
    };
    assert!(warns(&yaml, &no_yolo).is_empty());
    let vm = with_machine("type: vm\nconfig: {security.privileged: 'true'}");
    assert!(warns(&vm, &yolo).is_empty());
}
