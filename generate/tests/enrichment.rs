//! What enrichment adds, checked in the generated files: zone addressing
//! and IP auto-assignment, legacy base_subnet, disabled domains, the
//! firewall VM, exclusive AI access, OpenClaw machines, nesting prefix,
//! ephemeral inheritance and the image list.

mod common;

use common::{at, s, Project};
use py::yaml::Value;

fn addressed(domains: &str) -> Project {
    Project::with_infra(&format!(
        "project_name: t\nglobal:\n  addressing: {{base_octet: 10, zone_base: 100}}\ndomains:\n{domains}"
    ))
}

fn legacy(global_extra: &str, domains: &str) -> Project {
    Project::with_infra(&format!(
        "project_name: t\nglobal:\n  base_subnet: \"10.100\"\n{global_extra}domains:\n{domains}"
    ))
}

#[test]
fn zones_follow_trust_levels() {
    let p = addressed(
        "  ops: {trust_level: admin, machines: {ops-a: {}}}\n  web: {trust_level: trusted}\n  \
         lab: {machines: {lab-a: {}}}\n  bad: {trust_level: untrusted}\n  tmp: {trust_level: disposable}\n",
    );
    p.generate();
    let subnet = |d: &str| {
        s(
            &p.yaml(&format!("group_vars/{d}.yml")),
            &["incus_network", "subnet"],
        )
        .to_owned()
    };
    assert_eq!(subnet("ops"), "10.100.0.0/24");
    assert_eq!(subnet("web"), "10.110.0.0/24");
    assert_eq!(subnet("lab"), "10.120.0.0/24");
    assert_eq!(subnet("bad"), "10.140.0.0/24");
    assert_eq!(subnet("tmp"), "10.150.0.0/24");
    let lab = p.yaml("group_vars/lab.yml");
    assert_eq!(
        s(&lab, &["domain_trust_level"]),
        "semi-trusted",
        "default trust level is written"
    );
    assert_eq!(s(&lab, &["incus_network", "gateway"]), "10.120.0.254");
    assert_eq!(
        s(&p.yaml("host_vars/ops-a.yml"), &["instance_ip"]),
        "10.100.0.1"
    );
}

#[test]
fn domain_seq_is_alphabetical_and_skips_explicit_ids() {
    let p = addressed(
        "  zeta: {trust_level: trusted}\n  alpha: {trust_level: trusted}\n  \
         mid: {trust_level: trusted, subnet_id: 0}\n  beta: {trust_level: trusted, subnet_id: 5}\n",
    );
    p.generate();
    let sid = |d: &str| at(&p.yaml(&format!("group_vars/{d}.yml")), &["subnet_id"]).cloned();
    assert_eq!(sid("mid"), Some(Value::Int(0)));
    assert_eq!(sid("alpha"), Some(Value::Int(1)));
    assert_eq!(sid("zeta"), Some(Value::Int(2)));
    assert_eq!(sid("beta"), Some(Value::Int(5)));
}

#[test]
fn auto_ips_skip_used_host_numbers_in_declaration_order() {
    let p = addressed(
        "  lab:\n    machines:\n      c: {}\n      a: {ip: 10.120.0.1}\n      b: {}\n      d: {ip: 10.120.0.3}\n      e: {}\n",
    );
    p.generate();
    let ip = |m: &str| s(&p.yaml(&format!("host_vars/{m}.yml")), &["instance_ip"]).to_owned();
    assert_eq!(ip("c"), "10.120.0.2");
    assert_eq!(ip("b"), "10.120.0.4");
    assert_eq!(ip("e"), "10.120.0.5");
    let inv = p.yaml("inventory/lab.yml");
    assert_eq!(
        s(
            &inv,
            &["all", "children", "lab", "hosts", "c", "ansible_host"]
        ),
        "10.120.0.2"
    );
}

#[test]
fn running_out_of_static_ips_is_an_error() {
    let machines: String = (0..100).map(|i| format!("      m{i}: {{}}\n")).collect();
    let p = addressed(&format!("  lab:\n    machines:\n{machines}"));
    let r = p.run(&["infra.yml"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        "ERROR: Domain ran out of static IPs (.1-.99) for machine 'm99'\n"
    );
    assert!(!p.exists("group_vars"));
}

#[test]
fn legacy_base_subnet_mode() {
    let p = legacy(
        "",
        "  lab:\n    subnet_id: 7\n    machines:\n      lab-a: {ip: 10.100.7.3}\n      lab-b: {}\n",
    );
    p.generate();
    let all = p.yaml("group_vars/all.yml");
    assert_eq!(s(&all, &["base_subnet"]), "10.100");
    assert!(at(&all, &["addressing"]).is_none());
    let g = p.yaml("group_vars/lab.yml");
    assert_eq!(s(&g, &["incus_network", "subnet"]), "10.100.7.0/24");
    assert_eq!(s(&g, &["incus_network", "gateway"]), "10.100.7.254");
    assert!(at(&g, &["domain_trust_level"]).is_none());
    let inv = p.yaml("inventory/lab.yml");
    assert_eq!(
        at(&inv, &["all", "children", "lab", "hosts", "lab-b"]),
        Some(&Value::Null)
    );
    assert!(
        at(&p.yaml("host_vars/lab-b.yml"), &["instance_ip"]).is_none(),
        "no auto IP in legacy mode"
    );
}

#[test]
fn disabled_domains_are_skipped_but_reserve_their_subnet() {
    let p = addressed("  aaa: {enabled: false, machines: {a1: {}}}\n  bbb: {machines: {b1: {}}}\n");
    let r = p.generate();
    assert!(r
        .stdout
        .starts_with("Generating files for 1 domain(s)...\n"));
    assert!(!p.exists("inventory/aaa.yml") && !p.exists("host_vars/a1.yml"));
    assert_eq!(
        s(&p.yaml("group_vars/bbb.yml"), &["incus_network", "subnet"]),
        "10.120.1.0/24"
    );
    // Files left from when it was enabled are not orphans.
    p.write("inventory/aaa.yml", "x: 1\n");
    assert!(!p.generate().stdout.contains("Orphan"));
}

#[test]
fn firewall_vm_is_created_in_anklume_domain() {
    let p = addressed("  anklume: {trust_level: admin, machines: {ctl: {}}}\n");
    let yaml = p
        .read("infra.yml")
        .replace("zone_base: 100}", "zone_base: 100}\n  firewall_mode: vm");
    p.write("infra.yml", &yaml);
    let r = p.generate();
    assert_eq!(
        r.stderr,
        "INFO: firewall_mode is 'vm' — auto-created anklume-firewall in anklume domain (ip: 10.100.0.253)\n"
    );
    let fw = p.yaml("host_vars/anklume-firewall.yml");
    assert_eq!(s(&fw, &["instance_type"]), "vm");
    assert_eq!(s(&fw, &["instance_ip"]), "10.100.0.253");
    assert_eq!(s(&fw, &["instance_config", "limits.memory"]), "2GiB");
    assert_eq!(at(&fw, &["instance_ephemeral"]), Some(&Value::Bool(false)));
    let roles = at(&fw, &["instance_roles"])
        .and_then(Value::as_seq)
        .expect("roles");
    assert_eq!(
        roles.items,
        vec![Value::from("base_system"), Value::from("firewall_router")]
    );
}

#[test]
fn firewall_vm_legacy_ip_and_user_override() {
    let p = legacy("  firewall_mode: vm\n", "  anklume: {subnet_id: 3}\n");
    p.generate();
    assert_eq!(
        s(&p.yaml("host_vars/anklume-firewall.yml"), &["instance_ip"]),
        "10.100.3.253"
    );

    for name in ["anklume-firewall", "sys-firewall"] {
        let domains = format!("  anklume:\n    subnet_id: 0\n    machines:\n      {name}: {{ip: 10.100.0.2, type: vm}}\n");
        let p = legacy("  firewall_mode: vm\n", &domains);
        let r = p.generate();
        assert_eq!(r.stderr, "", "{name} already exists: nothing is created");
        assert_eq!(
            s(&p.yaml(&format!("host_vars/{name}.yml")), &["instance_ip"]),
            "10.100.0.2"
        );
    }
}

#[test]
fn firewall_vm_needs_an_anklume_domain() {
    let p = legacy("  firewall_mode: vm\n", "  lab: {subnet_id: 1}\n");
    let r = p.run(&["infra.yml"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        "ERROR: firewall_mode is 'vm' but no 'anklume' domain exists. Cannot auto-create anklume-firewall.\n"
    );
}

#[test]
fn exclusive_ai_access_adds_one_policy() {
    let global = "  ai_access_policy: exclusive\n  ai_access_default: pro\n";
    let p = legacy(
        global,
        "  pro: {subnet_id: 1}\n  ai-tools: {subnet_id: 2}\n",
    );
    let r = p.generate();
    assert_eq!(r.stderr, "INFO: ai_access_policy is 'exclusive' — auto-created network policy from 'pro' to 'ai-tools'\n");
    let all = p.yaml("group_vars/all.yml");
    let policies = at(&all, &["network_policies"])
        .and_then(Value::as_seq)
        .expect("policies");
    assert_eq!(policies.len(), 1);
    assert_eq!(
        s(&policies[0], &["description"]),
        "AI access: pro -> ai-tools (auto-created)"
    );
    assert_eq!(s(&policies[0], &["ports"]), "all");
    assert_eq!(
        at(&policies[0], &["bidirectional"]),
        Some(&Value::Bool(true))
    );

    // An existing policy to ai-tools is kept as the only one.
    let p = Project::with_infra(&format!(
        "{}network_policies:\n  - {{from: pro, to: ai-tools, ports: [11434]}}\n",
        p.read("infra.yml")
    ));
    assert_eq!(p.generate().stderr, "");
    let all = p.yaml("group_vars/all.yml");
    assert_eq!(
        at(&all, &["network_policies"])
            .and_then(Value::as_seq)
            .map(|s| s.len()),
        Some(1)
    );
}

#[test]
fn openclaw_machine_is_added_unless_declared() {
    let p = addressed("  pro:\n    openclaw: true\n    machines:\n      pro-dev: {}\n");
    let r = p.generate();
    assert_eq!(
        r.stderr,
        "INFO: openclaw: true on domain 'pro' — auto-created pro-openclaw\n"
    );
    let oc = p.yaml("host_vars/pro-openclaw.yml");
    assert_eq!(
        s(&oc, &["instance_ip"]),
        "10.120.0.2",
        "gets an address like any machine"
    );
    assert_eq!(
        s(&oc, &["instance_description"]),
        "OpenClaw AI assistant for pro (auto-created)"
    );
    assert_eq!(
        at(&p.yaml("group_vars/pro.yml"), &["domain_openclaw"]),
        Some(&Value::Bool(true))
    );

    let p = addressed(
        "  pro:\n    openclaw: true\n    machines:\n      pro-openclaw: {description: mine}\n",
    );
    assert_eq!(p.generate().stderr, "");
    assert_eq!(
        s(
            &p.yaml("host_vars/pro-openclaw.yml"),
            &["instance_description"]
        ),
        "mine"
    );

    let p = addressed("  pro:\n    openclaw: true\n    enabled: false\n");
    assert_eq!(
        p.generate().stderr,
        "",
        "disabled domains get no OpenClaw machine"
    );
}

#[test]
fn nesting_prefix_applies_to_incus_names_only() {
    let p = addressed("  pro:\n    machines:\n      pro-dev: {}\n");
    p.context_file("absolute_level", "2\n");
    p.generate();
    let g = p.yaml("group_vars/pro.yml");
    assert_eq!(s(&g, &["incus_project"]), "002-pro");
    assert_eq!(s(&g, &["incus_network", "name"]), "002-net-pro");
    assert_eq!(s(&g, &["domain_name"]), "pro");
    assert_eq!(
        s(&p.yaml("host_vars/pro-dev.yml"), &["instance_name"]),
        "002-pro-dev"
    );
    assert!(p.exists("inventory/pro.yml"), "file names are not prefixed");

    p.context_file("absolute_level", "0");
    p.generate();
    assert_eq!(
        s(&p.yaml("group_vars/pro.yml"), &["incus_project"]),
        "000-pro"
    );

    let yaml = p.read("infra.yml").replace(
        "zone_base: 100}",
        "zone_base: 100}\n  nesting_prefix: false",
    );
    p.write("infra.yml", &yaml);
    p.generate();
    assert_eq!(s(&p.yaml("group_vars/pro.yml"), &["incus_project"]), "pro");
}

#[test]
fn no_context_file_means_no_prefix() {
    let p = addressed("  pro: {}\n");
    p.generate();
    assert_eq!(s(&p.yaml("group_vars/pro.yml"), &["incus_project"]), "pro");
}

#[test]
fn ephemeral_is_inherited_and_overridden() {
    let p = addressed("  tmp:\n    ephemeral: true\n    machines:\n      t1: {}\n      t2: {ephemeral: false}\n  keep:\n    machines:\n      k1: {}\n");
    p.generate();
    let eph = |m: &str| {
        at(
            &p.yaml(&format!("host_vars/{m}.yml")),
            &["instance_ephemeral"],
        )
        .cloned()
    };
    assert_eq!(eph("t1"), Some(Value::Bool(true)));
    assert_eq!(eph("t2"), Some(Value::Bool(false)));
    assert_eq!(eph("k1"), Some(Value::Bool(false)));
    assert_eq!(
        at(&p.yaml("group_vars/keep.yml"), &["domain_ephemeral"]),
        Some(&Value::Bool(false))
    );
}

#[test]
fn ai_sanitize_defaults_follow_the_provider() {
    let p = addressed("  a: {ai_provider: cloud}\n  b: {ai_provider: local-first}\n  c: {}\n  d: {ai_provider: cloud, ai_sanitize: always}\n");
    p.generate();
    let san = |d: &str| {
        at(
            &p.yaml(&format!("group_vars/{d}.yml")),
            &["domain_ai_sanitize"],
        )
        .cloned()
    };
    assert_eq!(san("a"), Some(Value::Bool(true)));
    assert_eq!(san("b"), Some(Value::Bool(true)));
    assert_eq!(san("c"), Some(Value::Bool(false)));
    assert_eq!(san("d"), Some(Value::from("always")));
}

#[test]
fn images_are_collected_sorted_and_unique() {
    let p = Project::with_infra(
        "project_name: t\nglobal:\n  addressing: {}\n  default_os_image: images:debian/13\ndomains:\n  \
         a:\n    machines:\n      a1: {}\n      a2: {os_image: images:alpine/3.20}\n      a3: {os_image: images:debian/13}\n",
    );
    p.generate();
    let all = p.yaml("group_vars/all.yml");
    let images = at(&all, &["incus_all_images"])
        .and_then(Value::as_seq)
        .expect("images");
    assert_eq!(
        images.items,
        vec![
            Value::from("images:alpine/3.20"),
            Value::from("images:debian/13")
        ]
    );
    assert_eq!(
        s(&p.yaml("host_vars/a2.yml"), &["instance_os_image"]),
        "images:alpine/3.20"
    );

    let p = addressed("  a: {machines: {a1: {}}}\n");
    p.generate();
    assert!(at(&p.yaml("group_vars/all.yml"), &["incus_all_images"]).is_none());
}

#[test]
fn profiles_are_copied_to_group_vars() {
    let p = addressed("  a:\n    profiles:\n      big: {config: {limits.cpu: \"4\"}}\n    machines:\n      a1: {profiles: [default, big]}\n");
    p.generate();
    let g = p.yaml("group_vars/a.yml");
    assert_eq!(
        s(&g, &["incus_profiles", "big", "config", "limits.cpu"]),
        "4"
    );
    let hv = p.yaml("host_vars/a1.yml");
    let profiles = at(&hv, &["instance_profiles"])
        .and_then(Value::as_seq)
        .expect("profiles");
    assert_eq!(profiles.len(), 2);
}
