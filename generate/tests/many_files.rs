//! Runs large enough to be written on several threads (64 files or more):
//! the tree must be what the one-thread path writes, file for file.

mod common;

use common::Project;
use std::fs;
use std::os::unix::fs::symlink;

/// Three domains of 30 machines: 90 host_vars, 3 inventories, 4 group_vars.
fn infra() -> String {
    let mut s = String::from(
        "project_name: many\nglobal:\n  base_subnet: \"10.100\"\n  default_os_image: images:debian/13\ndomains:\n",
    );
    for (d, name) in ["alpha", "beta", "gamma"].iter().enumerate() {
        s.push_str(&format!("  {name}:\n    subnet_id: {d}\n    machines:\n"));
        for m in 0..30 {
            s.push_str(&format!(
                "      {name}-m{m:02}:\n        ip: 10.100.{d}.{}\n        roles: [base_system]\n",
                m + 10
            ));
        }
    }
    s
}

#[test]
fn parallel_writes_match_the_sequential_path() {
    let parallel = Project::new();
    parallel.write("infra.yml", &infra());
    let r = parallel.generate();
    assert_eq!(r.stdout.matches("  Written: ").count(), 97, "{}", r.stdout);

    // A symlink (inside the base) to a stale copy: written through, and
    // every other file comes out the same.
    let sequential = Project::new();
    sequential.write("infra.yml", &infra());
    fs::create_dir_all(sequential.path("host_vars")).unwrap();
    let stale = parallel
        .read("host_vars/alpha-m00.yml")
        .replace("alpha-m00", "stale");
    sequential.write("elsewhere.yml", &stale);
    symlink(
        "../elsewhere.yml",
        sequential.path("host_vars/alpha-m00.yml"),
    )
    .unwrap();
    sequential.generate();
    assert_eq!(
        sequential.read("elsewhere.yml"),
        parallel.read("host_vars/alpha-m00.yml"),
        "written through the symlink"
    );
    fs::remove_file(sequential.path("host_vars/alpha-m00.yml")).unwrap();
    fs::rename(
        sequential.path("elsewhere.yml"),
        sequential.path("host_vars/alpha-m00.yml"),
    )
    .unwrap();
    assert_eq!(parallel.tree(), sequential.tree());
}

#[test]
fn user_content_survives_and_a_rerun_writes_nothing() {
    let p = Project::new();
    p.write("infra.yml", &infra());
    p.generate();
    let first = p.tree();
    // User lines after the managed block in every host_vars file.
    for m in 0..30 {
        let rel = format!("host_vars/beta-m{m:02}.yml");
        let text = p.read(&rel);
        p.write(&rel, &format!("{text}my_var: {m}\n"));
    }
    let with_user = p.tree();
    p.generate();
    assert_eq!(p.tree(), with_user, "a re-run keeps user content as is");
    assert_ne!(first, with_user);
}
