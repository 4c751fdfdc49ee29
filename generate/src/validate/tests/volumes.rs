//! shared_volumes, persistent_data paths and the global base paths.

use super::*;

fn with_volumes(volumes: &str) -> String {
    format!("{BASE}shared_volumes:\n{volumes}")
}

#[test]
fn base_paths_must_be_absolute() {
    check(
        &with_global("shared_volumes_base: /srv/shares\npersistent_data_base: /srv/data"),
        &[],
    );
    check(
        &with_global("shared_volumes_base: srv/shares\npersistent_data_base: 5"),
        &[
            "global.shared_volumes_base must be an absolute path",
            "global.persistent_data_base must be an absolute path",
        ],
    );
}

#[test]
fn shared_volumes_valid() {
    let yaml = with_volumes(
        "  docs:\n    source: /srv/docs\n    path: /mnt/docs\n    shift: true\n    propagate: false\n    consumers: {work: rw, admin-ctl: ro}\n",
    );
    check(&yaml, &[]);
}

#[test]
fn shared_volumes_shape() {
    check(
        &format!("{BASE}shared_volumes: [docs]\n"),
        &["shared_volumes must be a mapping"],
    );
    check(
        &with_volumes("  docs: /srv/docs\n"),
        &["shared_volumes.docs: must be a mapping"],
    );
    check(
        &with_volumes("  docs: {}\n  data: {consumers: {}}\n"),
        &[
            "shared_volumes.docs: consumers must be a non-empty mapping",
            "shared_volumes.data: consumers must be a non-empty mapping",
        ],
    );
}

#[test]
fn shared_volume_settings() {
    let yaml = with_volumes(
        "  Docs_1:\n    source: srv/docs\n    path: mnt\n    shift: 'yes'\n    propagate: 1\n    consumers: {work: rwx, lab: ro}\n",
    );
    check(
        &yaml,
        &[
            "shared_volumes.Docs_1: invalid name (lowercase alphanumeric + hyphen, no trailing hyphen)",
            "shared_volumes.Docs_1: source must be an absolute path",
            "shared_volumes.Docs_1: path must be an absolute path",
            "shared_volumes.Docs_1: shift must be a boolean, got str",
            "shared_volumes.Docs_1: propagate must be a boolean, got int",
            "shared_volumes.Docs_1: consumer 'work' access must be 'ro' or 'rw', got 'rwx'",
            "shared_volumes.Docs_1: consumer 'lab' is not a known domain or machine",
        ],
    );
}

#[test]
fn shared_volume_collisions() {
    let yaml = with_machine("devices: {sv-docs: {type: disk}}")
        + "shared_volumes:\n  docs:\n    consumers: {work: rw}\n  more:\n    path: /shared/docs\n    consumers: {work-dev: ro}\n";
    check(
        &yaml,
        &[
            "shared_volumes.docs: device name 'sv-docs' conflicts with existing device on machine 'work-dev'",
            "shared_volumes.more: duplicate mount path '/shared/docs' on machine 'work-dev' \
             (already used by volume 'docs')",
        ],
    );
}

#[test]
fn persistent_data_path_collides_with_shared_volume() {
    let yaml = with_machine("persistent_data:\n  data: {path: /shared/docs}")
        + "shared_volumes:\n  docs:\n    consumers: {work-dev: rw}\n";
    check(
        &yaml,
        &[
            "Machine 'work-dev': persistent_data.data: duplicate mount path '/shared/docs' \
           (already used by shared_volume 'docs')",
        ],
    );
}
