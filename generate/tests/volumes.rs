//! Shared volumes (`sv-*` devices) and persistent data (`pd-*` devices) in
//! host_vars, and how they merge with the user's own devices.

mod common;

use common::{at, s, Project};
use py::yaml::Value;

fn project(global_extra: &str, machines: &str, volumes: &str) -> Project {
    Project::with_infra(&format!(
        "project_name: t\nglobal:\n  addressing: {{}}\n{global_extra}domains:\n  lab:\n    machines:\n{machines}  \
         ops:\n    trust_level: admin\n    machines:\n      ops-a: {{}}\n{volumes}"
    ))
}

fn devices(p: &Project, m: &str) -> Vec<String> {
    let hv = p.yaml(&format!("host_vars/{m}.yml"));
    let devs = at(&hv, &["instance_devices"]).and_then(Value::as_map);
    devs.map(|d| {
        d.keys()
            .filter_map(|k| k.as_str().map(str::to_owned))
            .collect()
    })
    .unwrap_or_default()
}

#[test]
fn domain_consumers_get_a_device_on_every_machine() {
    let p = project(
        "",
        "      a: {}\n      b: {}\n",
        "shared_volumes:\n  docs:\n    consumers: {lab: ro, ops-a: rw}\n",
    );
    p.generate();
    let a = p.yaml("host_vars/a.yml");
    assert_eq!(s(&a, &["instance_devices", "sv-docs", "type"]), "disk");
    assert_eq!(
        s(&a, &["instance_devices", "sv-docs", "source"]),
        "/srv/anklume/shares/docs"
    );
    assert_eq!(
        s(&a, &["instance_devices", "sv-docs", "path"]),
        "/shared/docs"
    );
    assert_eq!(s(&a, &["instance_devices", "sv-docs", "shift"]), "true");
    assert_eq!(s(&a, &["instance_devices", "sv-docs", "readonly"]), "true");
    assert_eq!(devices(&p, "b"), ["sv-docs"]);
    let ops = p.yaml("host_vars/ops-a.yml");
    assert!(
        at(&ops, &["instance_devices", "sv-docs", "readonly"]).is_none(),
        "rw has no readonly"
    );
}

#[test]
fn source_path_shift_and_base_can_be_set() {
    let p = project(
        "  shared_volumes_base: /data/shares\n",
        "      a: {}\n",
        "shared_volumes:\n  media:\n    source: /srv/media\n    path: /media\n    shift: false\n    consumers: {a: rw}\n  \
         docs:\n    consumers: {a: rw}\n",
    );
    p.generate();
    let a = p.yaml("host_vars/a.yml");
    assert_eq!(
        s(&a, &["instance_devices", "sv-media", "source"]),
        "/srv/media"
    );
    assert_eq!(s(&a, &["instance_devices", "sv-media", "path"]), "/media");
    assert!(at(&a, &["instance_devices", "sv-media", "shift"]).is_none());
    assert_eq!(
        s(&a, &["instance_devices", "sv-docs", "source"]),
        "/data/shares/docs"
    );
    assert_eq!(devices(&p, "a"), ["sv-media", "sv-docs"]);
}

#[test]
fn persistent_data_devices() {
    let p = project(
        "  persistent_data_base: /mnt/pd\n",
        "      a:\n        persistent_data:\n          db: {path: /var/lib/db}\n          keys: {path: /etc/keys, readonly: true}\n",
        "",
    );
    p.generate();
    let a = p.yaml("host_vars/a.yml");
    assert_eq!(
        s(&a, &["instance_devices", "pd-db", "source"]),
        "/mnt/pd/a/db"
    );
    assert_eq!(s(&a, &["instance_devices", "pd-db", "path"]), "/var/lib/db");
    assert_eq!(s(&a, &["instance_devices", "pd-db", "shift"]), "true");
    assert!(at(&a, &["instance_devices", "pd-db", "readonly"]).is_none());
    assert_eq!(s(&a, &["instance_devices", "pd-keys", "readonly"]), "true");
    assert!(at(&p.yaml("host_vars/ops-a.yml"), &["instance_devices"]).is_none());
}

#[test]
fn merge_order_is_shared_then_persistent_then_user() {
    let p = project(
        "",
        "      a:\n        devices: {gpu0: {type: gpu}}\n        persistent_data: {db: {path: /db}}\n",
        "shared_volumes:\n  docs:\n    consumers: {a: ro}\n",
    );
    p.generate();
    assert_eq!(devices(&p, "a"), ["sv-docs", "pd-db", "gpu0"]);
}

#[test]
fn pd_name_colliding_with_a_user_device_is_rejected() {
    let p = project("", "      a:\n        devices: {pd-db: {type: disk}}\n        persistent_data: {db: {path: /db}}\n", "");
    let r = p.run(&["infra.yml"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("device name 'pd-db' collision with existing device"),
        "{}",
        r.stderr
    );
}

#[test]
fn machines_without_volumes_keep_their_devices_as_written() {
    let p = project(
        "",
        "      a:\n        devices: {eth1: {type: nic, network: lan}}\n",
        "",
    );
    p.generate();
    let a = p.yaml("host_vars/a.yml");
    assert_eq!(s(&a, &["instance_devices", "eth1", "network"]), "lan");
}

#[test]
fn aliased_devices_are_written_as_anchors() {
    let p = project(
        "",
        "      a:\n        devices:\n          one: &d {type: disk, source: /x, path: /x}\n          two: *d\n",
        "",
    );
    p.generate();
    let text = p.read("host_vars/a.yml");
    assert!(text.contains("  one: &id001\n    type: disk\n"), "{text}");
    assert!(text.contains("  two: *id001\n"), "{text}");
}
