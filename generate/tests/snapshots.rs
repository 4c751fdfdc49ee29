//! Whole generated trees and reports as insta snapshots: our examples, a
//! file that uses every enrichment, resource allocation with fixed host
//! facts, and a nested (level 1) context.

mod common;

use common::Project;

fn snapshot_run(name: &str, p: &Project, args: &[&str]) {
    let r = p.run(args);
    let report = format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        r.code, r.stdout, r.stderr
    );
    insta::assert_snapshot!(format!("{name}_report"), report);
    insta::assert_snapshot!(format!("{name}_tree"), p.tree());
}

#[test]
fn homelab_example() {
    let p = Project::with_example("homelab");
    snapshot_run("homelab", &p, &["infra.yml"]);
}

#[test]
fn split_example() {
    let p = Project::with_example_dir("split");
    snapshot_run("split", &p, &["infra", "--base-dir", "out"]);
}

#[test]
fn every_enrichment() {
    let p = Project::with_infra(common::FEATURES);
    snapshot_run("features", &p, &["infra.yml"]);
}

#[test]
fn resource_allocation_with_fixed_host() {
    let yaml = "\
project_name: res
global:
  addressing: {base_octet: 10, zone_base: 100}
  resource_policy:
    host_reserve: {cpu: 2, memory: 4GiB}
    overcommit: true
domains:
  lab:
    trust_level: trusted
    machines:
      lab-big: {weight: 3}
      lab-small: {}
      lab-fixed: {config: {limits.cpu: \"2\", limits.memory: 2GiB}}
      lab-half: {config: {limits.memory: 1GiB}}
";
    let p = Project::with_infra(yaml);
    snapshot_run("resources", &p, &["infra.yml"]);
}

#[test]
fn nested_level_one() {
    let p = Project::with_example("homelab");
    p.context_file("absolute_level", "1\n");
    snapshot_run("nested", &p, &["infra.yml"]);
    let hv = p.yaml("host_vars/ops-ctl.yml");
    assert_eq!(common::s(&hv, &["instance_name"]), "001-ops-ctl");
}
