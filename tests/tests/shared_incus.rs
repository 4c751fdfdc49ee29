//! `shared::incus` against the real daemon: one listing resolves projects
//! and snapshots, unknown names are a clear error.

use e2e::rig::{self, Project};
use shared::incus::Incus;

#[test]
fn resolves_project_and_snapshots_from_one_listing() {
    if !rig::require() {
        return;
    }
    let project = Project::new("e2e-resolve");
    project.launch("r1", false);
    project.incus(&["snapshot", "create", "r1", "before"]);

    let incus = Incus::new(None);
    let inst = incus.find("r1").expect("r1 is listed");
    assert_eq!(inst.project, project.name());
    assert_eq!(inst.status, "Stopped");
    let names: Vec<&str> = inst.snapshots.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["before"]);
    assert!(!inst.snapshots[0].created_at.is_empty());

    let missing = incus.find("no-such-instance-xyz").unwrap_err();
    assert_eq!(
        missing.to_string(),
        "Instance 'no-such-instance-xyz' not found in any Incus project"
    );
}
