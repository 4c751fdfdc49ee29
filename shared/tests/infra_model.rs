//! The typed views over loaded YAML: every SPEC §5 field, YAML 1.1 scalars
//! as PyYAML reads them, and (locally) upstream's example files.

use shared::infra::{load, AiSanitize, Infra, Ports};
use shared::yaml::{load_str, Value};
use std::fs;
use std::path::Path;

fn parse(text: &str) -> Infra {
    let value = load_str(text).unwrap_or_else(|e| panic!("fixture is not YAML: {e}"));
    Infra::from_value(&value).unwrap_or_else(|e| panic!("typed view failed: {e}"))
}

const FULL: &str = r#"
project_name: office
global:
  addressing: {base_octet: 10, zone_base: 120, zone_step: 5}
  base_subnet: "10.200"
  default_os_image: images:debian/13
  default_connection: community.general.incus
  default_user: root
  gpu_policy: shared
  firewall_mode: vm
  ai_access_policy: exclusive
  ai_access_default: desk
  ai_vram_flush: false
  nesting_prefix: false
  resource_policy:
    host_reserve: {cpu: "25%", memory: 4GiB}
    mode: equal
    cpu_mode: count
    memory_enforce: hard
    overcommit: true
  shared_volumes_base: /data/shares
  persistent_data_base: /data/keep
domains:
  desk:
    description: Office work
    enabled: true
    subnet_id: 3
    ephemeral: false
    trust_level: trusted
    openclaw: true
    ai_provider: local-first
    ai_sanitize: always
    file_portal: {read_only: true, allowed_paths: [/home/user/out]}
    profiles:
      gpu-share:
        devices: {gpu0: {type: gpu, gputype: physical}}
        config: {nvidia.runtime: "true"}
    machines:
      desk-main:
        description: Main desktop
        type: vm
        ip: 10.130.3.10
        os_image: images:fedora/41
        ephemeral: true
        gpu: true
        profiles: [default, gpu-share]
        weight: 2
        boot_autostart: true
        boot_priority: 90
        snapshots_schedule: "0 3 * * *"
        snapshots_expiry: 14d
        config: {limits.cpu: "4", security.nesting: true}
        devices: {home: {type: disk, source: /srv/home, path: /home}}
        storage_volumes: {scratch: {size: 20GiB}}
        persistent_data:
          projects: {path: /home/user/projects, readonly: false}
          refs: {path: /srv/refs, readonly: true}
        roles: [base_system, desktop]
        export_apps: [firefox]
network_policies:
  - description: desk to ai
    from: desk
    to: ai-tools
    ports: [11434, 3000]
    protocol: tcp
    bidirectional: false
  - {from: host, to: desk-main, ports: all, bidirectional: true}
shared_volumes:
  papers:
    source: /data/shares/papers
    path: /mnt/papers
    shift: false
    propagate: true
    consumers: {desk: ro, desk-main: rw}
"#;

#[test]
fn every_field_round_trips() {
    let i = parse(FULL);
    assert_eq!(i.project_name.as_deref(), Some("office"));

    let g = &i.global;
    let a = g.addressing.as_ref().unwrap();
    assert_eq!((a.base_octet(), a.zone_base(), a.zone_step()), (10, 120, 5));
    assert_eq!(g.base_subnet(), "10.200");
    assert_eq!(g.default_os_image.as_deref(), Some("images:debian/13"));
    assert_eq!(
        g.default_connection.as_deref(),
        Some("community.general.incus")
    );
    assert_eq!(g.default_user.as_deref(), Some("root"));
    assert_eq!(
        (g.gpu_policy(), g.firewall_mode(), g.ai_access_policy()),
        ("shared", "vm", "exclusive")
    );
    assert_eq!(g.ai_access_default.as_deref(), Some("desk"));
    assert!(!g.ai_vram_flush() && !g.nesting_prefix());
    let rp = g.resource_policy.as_ref().unwrap();
    assert_eq!(
        (
            rp.mode(),
            rp.cpu_mode(),
            rp.memory_enforce(),
            rp.overcommit()
        ),
        ("equal", "count", "hard", true)
    );
    let hr = rp.host_reserve.as_ref().unwrap();
    assert_eq!(hr.cpu, Some(Value::from("25%")));
    assert_eq!(hr.memory, Some(Value::from("4GiB")));
    assert_eq!(
        (g.shared_volumes_base(), g.persistent_data_base()),
        ("/data/shares", "/data/keep")
    );

    let d = &i.domains["desk"];
    assert_eq!(d.description.as_deref(), Some("Office work"));
    assert!(d.enabled() && !d.ephemeral() && d.openclaw());
    assert_eq!(d.subnet_id, Some(3));
    assert_eq!(
        (d.trust_level(), d.ai_provider()),
        ("trusted", "local-first")
    );
    assert_eq!(d.ai_sanitize(), AiSanitize::Always);
    assert_eq!(
        d.file_portal.as_ref().and_then(|f| f.get("read_only")),
        Some(&Value::Bool(true))
    );
    assert!(d.profiles["gpu-share"].has_gpu_device());
    assert!(d.profiles["gpu-share"].config.is_some());

    let m = &d.machines["desk-main"];
    assert_eq!(m.description.as_deref(), Some("Main desktop"));
    assert_eq!(m.instance_type(), "vm");
    assert_eq!(m.ip.as_deref(), Some("10.130.3.10"));
    assert_eq!(m.os_image(g), Some("images:fedora/41"));
    assert!(m.ephemeral(d) && m.gpu == Some(true) && m.has_gpu(d));
    assert_eq!(
        m.profiles.as_deref(),
        Some(&["default".to_owned(), "gpu-share".to_owned()][..])
    );
    assert_eq!(
        (m.weight(), m.boot_autostart, m.boot_priority),
        (2, Some(true), Some(90))
    );
    assert_eq!(m.snapshots_schedule.as_deref(), Some("0 3 * * *"));
    assert_eq!(m.snapshots_expiry.as_deref(), Some("14d"));
    assert_eq!(m.config_get("limits.cpu"), Some(&Value::from("4")));
    assert_eq!(m.config_get("security.nesting"), Some(&Value::Bool(true)));
    assert!(m.devices.as_ref().and_then(|d| d.get("home")).is_some());
    assert!(m
        .storage_volumes
        .as_ref()
        .and_then(|s| s.get("scratch"))
        .is_some());
    assert_eq!(
        m.persistent_data.keys().collect::<Vec<_>>(),
        ["projects", "refs"]
    );
    assert_eq!(m.persistent_data["refs"].path.as_deref(), Some("/srv/refs"));
    assert!(m.persistent_data["refs"].readonly() && !m.persistent_data["projects"].readonly());
    assert_eq!(
        m.roles.as_deref(),
        Some(&["base_system".to_owned(), "desktop".to_owned()][..])
    );
    assert!(m.export_apps.is_some());

    let np = &i.network_policies;
    assert_eq!(np.len(), 2);
    assert_eq!(np[0].description.as_deref(), Some("desk to ai"));
    assert_eq!(
        (np[0].from.as_deref(), np[0].to.as_deref()),
        (Some("desk"), Some("ai-tools"))
    );
    assert_eq!(np[0].ports, Some(Ports::List(vec![11434, 3000])));
    assert_eq!(np[0].protocol.as_deref(), Some("tcp"));
    assert!(!np[0].bidirectional() && np[1].bidirectional());
    assert_eq!(np[1].ports, Some(Ports::All));

    let sv = &i.shared_volumes["papers"];
    assert_eq!(
        sv.source_or(g.shared_volumes_base(), "papers"),
        "/data/shares/papers"
    );
    assert_eq!(sv.path_or_default("papers"), "/mnt/papers");
    assert!(!sv.shift() && sv.propagate());
    assert_eq!(
        sv.consumers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect::<Vec<_>>(),
        [("desk", "ro"), ("desk-main", "rw")]
    );
}

#[test]
fn yaml_1_1_scalars_arrive_as_pyyaml_gives_them() {
    let i = parse(
        "domains:\n  old:\n    enabled: no\n    ephemeral: On\n    subnet_id: 010\n    machines:\n      \
         old-a: {gpu: Yes, weight: 0x10, boot_priority: 1_0, ip: 10.100.8.1, boot_autostart: off}\n      \
         old-b: {ip: , ephemeral: ~, description: null}\n",
    );
    let d = &i.domains["old"];
    assert_eq!(d.enabled, Some(false));
    assert_eq!(d.ephemeral, Some(true));
    assert_eq!(d.subnet_id, Some(8), "010 is octal in YAML 1.1");
    let a = &d.machines["old-a"];
    assert_eq!(
        (a.gpu, a.weight, a.boot_priority, a.boot_autostart),
        (Some(true), Some(16), Some(10), Some(false))
    );
    assert_eq!(a.ip.as_deref(), Some("10.100.8.1"));
    let b = &d.machines["old-b"];
    assert_eq!(
        (b.ip.as_deref(), b.ephemeral, b.description.as_deref()),
        (None, None, None)
    );
    assert!(b.ephemeral(d), "null inherits from the domain");
}

#[test]
fn type_errors_name_the_field() {
    let err = |text: &str| {
        let value = load_str(text).unwrap_or_else(|e| panic!("fixture is not YAML: {e}"));
        Infra::from_value(&value)
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        err("domains:\n  pro:\n    machines:\n      pro-dev: {ip: 10}\n"),
        "domains.pro.machines.pro-dev.ip: expected a string, got int"
    );
    assert_eq!(
        err("domains:\n  pro: {subnet_id: '1'}\n"),
        "domains.pro.subnet_id: expected an integer, got string"
    );
    assert_eq!(
        err("domains:\n  pro: {enabled: maybe}\n"),
        "domains.pro.enabled: expected a boolean (true/false), got string"
    );
    assert_eq!(
        err("domains: [pro]\n"),
        "domains: expected a mapping, got list"
    );
    assert_eq!(
        err("domains:\n  pro:\n"),
        "domains.pro: expected a mapping, got null"
    );
    assert_eq!(
        err("domains:\n  pro:\n    machines:\n      007: {}\n"),
        "domains.pro.machines: key 7 is not a string: YAML read it as int; names must be strings, \
         so quote it (\"7\") or rename it"
    );
    assert_eq!(
        err("network_policies:\n  - {from: a, to: b, ports: [22, ssh]}\n"),
        "network_policies[0].ports[1]: expected an integer, got string"
    );
    assert_eq!(
        err("shared_volumes:\n  docs:\n    consumers: {pro: yes}\n"),
        "shared_volumes.docs.consumers.pro: expected a string, got bool"
    );
}

/// Load every `examples/*/infra.yml` of an upstream checkout. Local only:
/// set ANKLUME_UPSTREAM_DIR to the checkout.
#[test]
fn upstream_examples() {
    let Some(root) = std::env::var_os("ANKLUME_UPSTREAM_DIR") else {
        eprintln!("note: ANKLUME_UPSTREAM_DIR is not set; upstream examples not checked");
        return;
    };
    let examples = Path::new(&root).join("examples");
    let mut files: Vec<_> = fs::read_dir(&examples)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", examples.display()))
        .filter_map(|e| e.ok().map(|e| e.path().join("infra.yml")))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no examples/*/infra.yml under {}",
        examples.display()
    );
    let mut typed = 0;
    for file in &files {
        let loaded = load(file).unwrap_or_else(|e| panic!("load: {e}"));
        // A file upstream's validate() rejects outright ("Missing required
        // key") is not an anklume infra file; it must load, and its typed view
        // may fail, but with a message naming the field.
        let is_infra = ["project_name", "global", "domains"]
            .iter()
            .all(|k| loaded.value.get(k).is_some());
        match (loaded.infra(), is_infra) {
            (Ok(infra), true) => {
                assert!(!infra.domains.is_empty(), "{}: no domains", file.display());
                typed += 1;
            }
            (Err(e), true) => panic!("{e}"),
            (result, false) => eprintln!(
                "note: {} is not an anklume infra file (upstream validate: Missing required key); typed view: {}",
                file.display(),
                result.map_or_else(|e| e.to_string(), |_| "ok".into())
            ),
        }
    }
    eprintln!("upstream examples: {} loaded, {typed} typed", files.len());
}
