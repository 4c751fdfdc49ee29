//! Unit tests of the typed views on trees built from JSON (the YAML side is
//! covered by `tests/infra_model.rs`).

use super::*;

fn json(text: &str) -> Value {
    let mut de = serde_json::Deserializer::from_str(text);
    match Value::deserialize(&mut de) {
        Ok(v) => v,
        Err(e) => panic!("bad test JSON: {e}"),
    }
}

fn infra(text: &str) -> Result<Infra> {
    Infra::from_value(&json(text))
}

#[test]
fn defaults_of_an_empty_document() {
    let i = infra("{}").unwrap();
    assert_eq!(i.project_name, None);
    let g = &i.global;
    assert_eq!(g.base_subnet(), "10.100");
    assert_eq!(g.gpu_policy(), "exclusive");
    assert_eq!(g.firewall_mode(), "host");
    assert_eq!(g.ai_access_policy(), "open");
    assert!(g.ai_vram_flush());
    assert!(g.nesting_prefix());
    assert_eq!(g.shared_volumes_base(), "/srv/anklume/shares");
    assert_eq!(g.persistent_data_base(), "/srv/anklume/data");
    assert!(g.addressing.is_none() && g.resource_policy.is_none());
    assert!(i.domains.is_empty() && i.network_policies.is_empty() && i.shared_volumes.is_empty());
}

#[test]
fn null_sections_read_as_empty() {
    let i = infra(r#"{"global": null, "domains": null, "network_policies": null}"#).unwrap();
    assert!(i.domains.is_empty() && i.network_policies.is_empty());
    let i = infra(r#"{"domains": {"pro": {"machines": null, "profiles": null}}}"#).unwrap();
    assert!(i.domains["pro"].machines.is_empty());
}

#[test]
fn nesting_prefix_null_means_off() {
    let on = |text: &str| infra(text).unwrap().global.nesting_prefix();
    assert!(on(r#"{"global": {}}"#));
    assert!(on(r#"{"global": {"nesting_prefix": true}}"#));
    assert!(!on(r#"{"global": {"nesting_prefix": false}}"#));
    assert!(!on(r#"{"global": {"nesting_prefix": null}}"#));
}

#[test]
fn resource_policy_true_or_mapping() {
    let rp = |text: &str| infra(text).map(|i| i.global.resource_policy);
    assert_eq!(
        rp(r#"{"global": {"resource_policy": true}}"#).unwrap(),
        Some(ResourcePolicy::default())
    );
    let p = rp(r#"{"global": {"resource_policy": {"mode": "equal", "host_reserve": {"cpu": 2}}}}"#)
        .unwrap()
        .unwrap();
    assert_eq!(p.mode(), "equal");
    assert_eq!(p.cpu_mode(), "allowance");
    assert_eq!(p.memory_enforce(), "soft");
    assert!(!p.overcommit());
    assert_eq!(p.host_reserve.unwrap().cpu, Some(Value::Int(2)));
    assert_eq!(
        rp(r#"{"global": {"resource_policy": false}}"#)
            .unwrap_err()
            .to_string(),
        "global.resource_policy: expected a mapping or true, got boolean `false`"
    );
    assert_eq!(
        rp(r#"{"global": {"resource_policy": {"overcommit": "no"}}}"#)
            .unwrap_err()
            .to_string(),
        "global.resource_policy.overcommit: expected a boolean (true/false), got string"
    );
}

#[test]
fn domain_defaults_and_ai_sanitize() {
    let i = infra(
        r#"{"domains": {"a": {}, "b": {"ai_provider": "cloud"}, "c": {"ai_sanitize": "always"}}}"#,
    )
    .unwrap();
    let a = &i.domains["a"];
    assert!(a.enabled() && !a.ephemeral() && !a.openclaw());
    assert_eq!(a.trust_level(), DEFAULT_TRUST_LEVEL);
    assert_eq!(a.ai_provider(), "local");
    assert_eq!(a.ai_sanitize(), AiSanitize::Bool(false));
    assert_eq!(i.domains["b"].ai_sanitize(), AiSanitize::Bool(true));
    assert_eq!(i.domains["c"].ai_sanitize(), AiSanitize::Always);
    let e = infra(r#"{"domains": {"a": {"ai_sanitize": "never"}}}"#).unwrap_err();
    assert_eq!(
        e.to_string(),
        "domains.a.ai_sanitize: expected true, false or \"always\", got string \"never\""
    );
}

#[test]
fn machine_helpers() {
    let i = infra(
        r#"{"global": {"default_os_image": "images:debian/13"},
            "domains": {"ai": {"ephemeral": true,
              "profiles": {"nvidia": {"devices": {"gpu0": {"type": "gpu"}}}, "plain": {}},
              "machines": {
                "ai-gpu": {"profiles": ["default", "nvidia"], "ephemeral": false},
                "ai-cli": {"type": "vm", "os_image": "images:alpine", "weight": 3,
                           "config": {"security.privileged": "TRUE"}},
                "ai-raw": {"gpu": true, "config": {"security.privileged": false}}}}}}"#,
    )
    .unwrap();
    let d = &i.domains["ai"];
    let (gpu, cli, raw) = (
        &d.machines["ai-gpu"],
        &d.machines["ai-cli"],
        &d.machines["ai-raw"],
    );
    assert!(gpu.has_gpu(d) && raw.has_gpu(d) && !cli.has_gpu(d));
    assert!(!gpu.ephemeral(d) && cli.ephemeral(d));
    assert_eq!(gpu.instance_type(), "lxc");
    assert_eq!(cli.instance_type(), "vm");
    assert_eq!((gpu.weight(), cli.weight()), (1, 3));
    assert_eq!(gpu.os_image(&i.global), Some("images:debian/13"));
    assert_eq!(cli.os_image(&i.global), Some("images:alpine"));
    assert!(cli.privileged() && !raw.privileged() && !gpu.privileged());
    assert!(!d.profiles["plain"].has_gpu_device());
}

#[test]
fn policies_and_volumes() {
    let i = infra(
        r#"{"network_policies": [{"from": "a", "to": "b", "ports": "all"}, {"from": "host", "to": "b", "ports": [22, 80]}],
            "shared_volumes": {"docs": {"consumers": {"a": "ro"}}, "media": {"source": "", "path": "/m", "shift": false}}}"#,
    )
    .unwrap();
    assert_eq!(i.network_policies[0].ports, Some(Ports::All));
    assert_eq!(i.network_policies[1].ports, Some(Ports::List(vec![22, 80])));
    assert!(!i.network_policies[0].bidirectional());
    let docs = &i.shared_volumes["docs"];
    assert!(docs.shift() && !docs.propagate());
    assert_eq!(docs.consumers["a"], "ro");
    assert_eq!(docs.source_or("/base", "docs"), "/base/docs");
    assert_eq!(docs.path_or_default("docs"), "/shared/docs");
    let media = &i.shared_volumes["media"];
    assert_eq!(
        media.source_or("/base", "media"),
        "/base/media",
        "empty source counts as unset"
    );
    assert_eq!(media.path_or_default("media"), "/m");
    assert!(!media.shift());
    let e = infra(r#"{"network_policies": [{"ports": [22, "80"]}]}"#).unwrap_err();
    assert_eq!(
        e.to_string(),
        "network_policies[0].ports[1]: expected an integer, got string"
    );
    let e = infra(r#"{"network_policies": [{"ports": "some"}]}"#).unwrap_err();
    assert_eq!(
        e.to_string(),
        "network_policies[0].ports: expected a list of ports or \"all\", got string \"some\""
    );
    let e = infra(r#"{"network_policies": [{"ports": 22}]}"#).unwrap_err();
    assert_eq!(
        e.to_string(),
        "network_policies[0].ports: expected a list of ports or \"all\", got int"
    );
}
