//! Byte identity with upstream's `scripts/generate.py`, the promise of the
//! drop-in: same tree, same stdout, same stderr, same exit code.
//!
//! Runs only when `ANKLUME_UPSTREAM_DIR` names an anklume checkout (and
//! python3 with PyYAML is there); otherwise it says so and passes. Cases:
//! every `examples/*/infra.yml` of that checkout, our examples, and our
//! feature, resource and alias fixtures, each generated twice (the second run
//! merges into the first run's files) and once as a dry run.
//!
//! Both programs read the real /etc/anklume (upstream cannot be pointed
//! elsewhere), so `ANKLUME_CONTEXT_DIR` is removed for ours; run it once
//! with an `/etc/anklume/absolute_level` file to cover nesting. Both see the
//! same fake `incus` on PATH for host resources.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const FAKE_INCUS: &str =
    "#!/bin/sh\necho '{\"cpu\": {\"total\": 6}, \"memory\": {\"total\": 12884901888}}'\n";

const RESOURCES: &str = "\
project_name: res
global:
  addressing: {base_octet: 10, zone_base: 100}
  resource_policy: {host_reserve: {cpu: 1, memory: 1.5GiB}, overcommit: true}
domains:
  lab:
    trust_level: trusted
    machines:
      lab-big: {weight: 3}
      lab-small: {config: {}}
      lab-fixed: {config: {limits.cpu: \"4\", limits.memory: 3GiB}}
  ops:
    trust_level: admin
    subnet_id: 4
    machines:
      ops-a: {weight: 2}
";

/// YAML aliases where enrichment edits the tree: a shared config that
/// resource allocation fills in (every copy changes), shared devices.
const ALIASES: &str = "\
project_name: aliases
global:
  addressing: {base_octet: 10, zone_base: 100}
  resource_policy: {host_reserve: {cpu: 1, memory: 1GiB}, overcommit: true}
domains:
  lab:
    trust_level: trusted
    machines:
      lab-a: {config: &small {limits.cpu: \"1\"}}
      lab-b: {config: *small}
      lab-c: {weight: 2, devices: &devs {data: {type: disk, source: /srv, path: /data}}}
      lab-d: {devices: *devs}
  ops:
    trust_level: admin
    machines:
      ops-a: &ops {type: vm}
";

/// One machine that is another's alias: the address given to the first is
/// the second's too, which the post-enrichment validation reports.
const ALIAS_CLASH: &str = "\
project_name: clash
global:
  addressing: {base_octet: 10, zone_base: 100}
domains:
  lab:
    trust_level: trusted
    machines:
      lab-a: &m {type: lxc}
      lab-b: *m
      lab-c: {type: vm}
";

struct Env {
    _tmp: tempfile::TempDir,
    bin_dir: PathBuf,
    root: PathBuf,
}

#[derive(Debug, PartialEq)]
struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn env() -> Env {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bin_dir = tmp.path().join("bin");
    fs::create_dir_all(&bin_dir).expect("bin dir");
    let incus = bin_dir.join("incus");
    fs::write(&incus, FAKE_INCUS).expect("fake incus");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&incus, fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let root = tmp.path().to_path_buf();
    Env {
        _tmp: tmp,
        bin_dir,
        root,
    }
}

fn run(env: &Env, program: &[&str], cwd: &Path, args: &[&str]) -> Outcome {
    let path = format!(
        "{}:{}",
        env.bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new(program[0])
        .args(&program[1..])
        .args(args)
        .current_dir(cwd)
        .env("PATH", path)
        .env("ANKLUME_SKIP_HOST_SUBNET_CHECK", "1")
        .env_remove("ANKLUME_CONTEXT_DIR")
        .env_remove("ANKLUME_HOST_RESOURCES")
        .output()
        .expect("run");
    Outcome {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Generate `infra` (absolute path) with both programs, three times each,
/// and require identical results.
fn compare(env: &Env, python: &Path, upstream: &Path, name: &str, infra: &Path) {
    let script = upstream.join("scripts/generate.py");
    let py = [
        python.to_str().expect("utf-8 path"),
        script.to_str().expect("utf-8 path"),
    ];
    let rs = [common::BIN];
    let infra = infra.to_str().expect("utf-8 path");
    let (py_dir, rs_dir) = (
        env.root.join(format!("{name}-py")),
        env.root.join(format!("{name}-rs")),
    );
    for dir in [&py_dir, &rs_dir] {
        fs::create_dir_all(dir).expect("case dir");
    }
    for (round, extra) in [
        ("first", None),
        ("second", None),
        ("dry", Some("--dry-run")),
    ] {
        let mut args = vec![infra, "--base-dir", "out"];
        args.extend(extra);
        let a = run(env, &py, &py_dir, &args);
        let b = run(env, &rs, &rs_dir, &args);
        assert_eq!(a, b, "{name} ({round} run): output differs");
        assert_eq!(
            common::tree(&py_dir),
            common::tree(&rs_dir),
            "{name} ({round} run): trees differ"
        );
    }
}

#[test]
fn same_output_as_upstream() {
    let Some(upstream) = std::env::var_os("ANKLUME_UPSTREAM_DIR").map(PathBuf::from) else {
        eprintln!(
            "SKIPPED: set ANKLUME_UPSTREAM_DIR to an anklume checkout to compare with upstream"
        );
        return;
    };
    let Some(python) = py::oracle::or_skip(py::oracle::pyyaml_python()) else {
        return;
    };
    let env = env();
    let mut cases: Vec<(String, PathBuf)> = Vec::new();
    let mut examples: Vec<PathBuf> = fs::read_dir(upstream.join("examples"))
        .expect("upstream examples/")
        .flatten()
        .map(|e| e.path().join("infra.yml"))
        .filter(|p| p.is_file())
        .collect();
    examples.sort();
    for p in examples {
        let name = p
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        cases.push((format!("upstream-{name}"), p));
    }
    let ours = common::workspace().join("examples");
    cases.push(("homelab".into(), ours.join("homelab/infra.yml")));
    cases.push(("split".into(), ours.join("split")));
    for (name, text) in [
        ("features", common::FEATURES),
        ("resources", RESOURCES),
        ("aliases", ALIASES),
        ("alias-clash", ALIAS_CLASH),
    ] {
        let p = env.root.join(format!("{name}.yml"));
        fs::write(&p, text).expect("fixture");
        cases.push((name.into(), p));
    }
    assert!(
        cases.len() > 4,
        "no upstream examples found under {}",
        upstream.display()
    );
    for (name, infra) in &cases {
        compare(&env, &python, &upstream, name, infra);
    }
}
