//! `resource_policy`: CPU and memory shares with fixed host facts
//! (`ANKLUME_HOST_RESOURCES`), modes, explicit limits, memory enforcement,
//! reserves and overcommit.

mod common;

use common::{at, s, Project};

fn with_policy(policy: &str, machines: &str) -> Project {
    Project::with_infra(&format!(
        "project_name: t\nglobal:\n  addressing: {{}}\n  resource_policy: {policy}\ndomains:\n  lab:\n    machines:\n{machines}"
    ))
}

fn cfg(p: &Project, m: &str, k: &str) -> Option<String> {
    at(
        &p.yaml(&format!("host_vars/{m}.yml")),
        &["instance_config", k],
    )
    .and_then(|v| v.as_str())
    .map(str::to_owned)
}

#[test]
fn absent_policy_allocates_nothing() {
    let p = Project::with_infra(
        "project_name: t\nglobal: {addressing: {}}\ndomains:\n  lab: {machines: {a: {}}}\n",
    );
    p.generate();
    assert!(at(&p.yaml("host_vars/a.yml"), &["instance_config"]).is_none());
}

#[test]
fn proportional_shares_by_weight() {
    // 8 CPUs and 16 GiB minus the default 20% reserve: 6.4 CPUs, 13743895347 bytes.
    let p = with_policy("true", "      a: {weight: 3}\n      b: {}\n");
    p.generate();
    assert_eq!(cfg(&p, "a", "limits.cpu.allowance").as_deref(), Some("60%"));
    assert_eq!(cfg(&p, "b", "limits.cpu.allowance").as_deref(), Some("20%"));
    assert_eq!(cfg(&p, "a", "limits.memory").as_deref(), Some("9830MiB"));
    assert_eq!(cfg(&p, "b", "limits.memory").as_deref(), Some("3276MiB"));
    assert_eq!(
        cfg(&p, "a", "limits.memory.enforce").as_deref(),
        Some("soft")
    );
}

#[test]
fn equal_mode_and_cpu_count() {
    let p = with_policy(
        "{mode: equal, cpu_mode: count}",
        "      a: {weight: 3}\n      b: {}\n",
    );
    p.generate();
    assert_eq!(cfg(&p, "a", "limits.cpu").as_deref(), Some("3"));
    assert_eq!(cfg(&p, "b", "limits.cpu").as_deref(), Some("3"));
    assert_eq!(cfg(&p, "a", "limits.memory"), cfg(&p, "b", "limits.memory"));
}

#[test]
fn explicit_limits_are_respected() {
    let p = with_policy(
        "{overcommit: true}",
        "      fixed: {config: {limits.cpu: \"2\", limits.memory: 2GiB}}\n      half: {config: {limits.cpu.allowance: 10%}}\n      free: {}\n",
    );
    p.generate();
    assert_eq!(cfg(&p, "fixed", "limits.cpu").as_deref(), Some("2"));
    assert_eq!(cfg(&p, "fixed", "limits.memory").as_deref(), Some("2GiB"));
    assert!(cfg(&p, "fixed", "limits.cpu.allowance").is_none());
    assert_eq!(
        cfg(&p, "half", "limits.cpu.allowance").as_deref(),
        Some("10%")
    );
    assert!(
        cfg(&p, "half", "limits.memory").is_some(),
        "memory still allocated"
    );
    assert_eq!(
        cfg(&p, "fixed", "limits.memory.enforce").as_deref(),
        Some("soft")
    );
}

#[test]
fn hard_memory_enforce_adds_no_enforce_key() {
    let p = with_policy("{memory_enforce: hard}", "      a: {}\n");
    p.generate();
    assert!(cfg(&p, "a", "limits.memory").is_some());
    assert!(cfg(&p, "a", "limits.memory.enforce").is_none());
}

#[test]
fn soft_enforce_applies_to_explicit_machines_too() {
    let p = with_policy(
        "true",
        "      a: {config: {limits.cpu: \"1\", limits.memory: 1GiB}}\n",
    );
    p.generate();
    assert_eq!(
        cfg(&p, "a", "limits.memory.enforce").as_deref(),
        Some("soft")
    );
}

#[test]
fn host_reserve_in_percent_and_absolute() {
    let p = with_policy(
        "{host_reserve: {cpu: \"50%\", memory: 8GiB}, cpu_mode: count}",
        "      a: {}\n",
    );
    p.generate();
    assert_eq!(cfg(&p, "a", "limits.cpu").as_deref(), Some("4"));
    assert_eq!(cfg(&p, "a", "limits.memory").as_deref(), Some("8GiB"));
}

#[test]
fn overcommit_is_refused_unless_allowed() {
    let machines = "      a: {config: {limits.cpu: \"16\", limits.memory: 64GiB}}\n      b: {}\n";
    let p = with_policy("true", machines);
    let r = p.run(&["infra.yml"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        "ERROR: Resource overcommit: CPU: 16 cores > 6 available; Memory: 78643MiB > 13107MiB. \
         Set resource_policy.overcommit: true to allow.\n"
    );
    assert!(!p.exists("host_vars"));

    let p = with_policy("{overcommit: true}", machines);
    let r = p.generate();
    assert_eq!(
        r.stderr,
        "WARNING: Resource overcommit: CPU: 16 cores > 6 available; Memory: 78643MiB > 13107MiB\n"
    );
}

#[test]
fn failed_detection_skips_allocation() {
    let mut p = with_policy("true", "      a: {}\n");
    p.host = None;
    let r = p.generate();
    assert_eq!(
        r.stderr,
        "WARNING: Could not detect host resources, skipping resource allocation.\n"
    );
    assert!(cfg(&p, "a", "limits.memory").is_none());
}

#[test]
fn reserve_larger_than_host_skips_allocation() {
    let p = with_policy("{host_reserve: {cpu: 8}}", "      a: {}\n");
    let r = p.generate();
    assert_eq!(
        r.stderr,
        "WARNING: Host reserve exceeds available resources, skipping resource allocation.\n"
    );
}

#[test]
fn tiny_shares_get_the_minimum() {
    let many: String = (0..150).map(|i| format!("      m{i}: {{}}\n")).collect();
    let yaml = format!(
        "project_name: t\nglobal:\n  base_subnet: \"10.100\"\n  resource_policy: {{cpu_mode: count, overcommit: true}}\ndomains:\n  lab:\n    subnet_id: 1\n    machines:\n{many}"
    );
    let p = Project::with_infra(&yaml);
    p.generate();
    assert_eq!(cfg(&p, "m0", "limits.cpu").as_deref(), Some("1"));
    assert_eq!(cfg(&p, "m0", "limits.memory").as_deref(), Some("128MiB"));
    assert_eq!(s(&p.yaml("host_vars/m149.yml"), &["instance_name"]), "m149");
}
