//! Helpers shared by the end-to-end tests: a scratch project folder, a
//! deterministic environment for the binary, and a whole-tree dump for
//! snapshots.
//!
//! Every run gets `ANKLUME_SKIP_HOST_SUBNET_CHECK=1` (no dependence on this
//! machine's interfaces), `ANKLUME_CONTEXT_DIR` pointing to a folder of the
//! test's own (no /etc/anklume), and fixed host facts through
//! `ANKLUME_HOST_RESOURCES` (8 CPUs, 16 GiB) so resource allocation never
//! asks the real `incus`.
#![allow(dead_code)]

pub mod rng;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const BIN: &str = env!("CARGO_BIN_EXE_generate");
pub const HOST_8CPU_16GIB: &str = r#"{"cpu": 8, "memory": 17179869184}"#;

/// Every feature that adds to the tree, in legacy (`base_subnet`) mode.
pub const FEATURES: &str = "\
project_name: features
global:
  base_subnet: \"10.100\"
  default_os_image: images:debian/13
  default_connection: community.general.incus
  default_user: root
  firewall_mode: vm
  ai_access_policy: exclusive
  ai_access_default: work
  gpu_policy: shared
  shared_volumes_base: /mnt/shares
  persistent_data_base: /mnt/data
domains:
  anklume:
    subnet_id: 0
    description: Admin
    machines:
      anklume-ctl:
        ip: 10.100.0.10
        config: {security.nesting: \"true\"}
  work:
    subnet_id: 1
    openclaw: true
    ephemeral: true
    ai_provider: cloud
    profiles:
      gpu-prof:
        devices:
          gpu: {type: gpu}
    machines:
      work-dev:
        ip: 10.100.1.10
        type: vm
        profiles: [default, gpu-prof]
        devices: &disk
          data: {type: disk, source: /srv/x, path: /x}
        persistent_data:
          db: {path: /var/lib/db}
          keys: {path: /etc/keys, readonly: true}
        boot_autostart: true
        boot_priority: 10
        snapshots_schedule: \"0 2 * * *\"
        snapshots_expiry: 7d
      work-gpu:
        ip: 10.100.1.11
        gpu: true
        ephemeral: false
        os_image: images:ubuntu/24.04
        storage_volumes: {scratch: {size: 10GiB}}
        devices:
          first: *disk
          second: *disk
  ai-tools:
    subnet_id: 2
    ai_sanitize: always
    machines:
      ai-ollama: {ip: 10.100.2.1, roles: [base_system, ollama_server]}
  old:
    subnet_id: 9
    enabled: false
    machines:
      old-box: {ip: 10.100.9.1}
shared_volumes:
  docs:
    consumers: {work: ro, anklume-ctl: rw}
  media:
    source: /srv/media
    path: /media
    shift: false
    consumers: {ai-tools: ro}
network_policies:
  - description: admin to everything
    from: anklume
    to: work
    ports: all
";

/// What a run printed and returned.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// A scratch project: `dir` holds infra.yml and the generated tree,
/// `context` plays /etc/anklume.
pub struct Project {
    _tmp: tempfile::TempDir,
    pub dir: PathBuf,
    pub context: PathBuf,
    pub host: Option<String>,
}

impl Project {
    pub fn new() -> Project {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("project");
        let context = tmp.path().join("context");
        fs::create_dir_all(&dir).expect("project dir");
        fs::create_dir_all(&context).expect("context dir");
        Project {
            _tmp: tmp,
            dir,
            context,
            host: Some(HOST_8CPU_16GIB.into()),
        }
    }

    /// A project whose infra.yml is `yaml`.
    pub fn with_infra(yaml: &str) -> Project {
        let p = Project::new();
        p.write("infra.yml", yaml);
        p
    }

    /// A project whose infra.yml is the workspace's
    /// `examples/<name>/infra.yml`.
    pub fn with_example(name: &str) -> Project {
        let path = workspace().join("examples").join(name).join("infra.yml");
        let yaml =
            fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        Project::with_infra(&yaml)
    }

    /// A project whose `infra/` folder is a copy of the workspace's
    /// `examples/<name>/` (the split layout).
    pub fn with_example_dir(name: &str) -> Project {
        let p = Project::new();
        copy_dir(&workspace().join("examples").join(name), &p.path("infra"));
        p
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).expect("parent");
        }
        fs::write(p, text).expect("write");
    }

    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.path(rel).exists()
    }

    /// Set a nesting context file (absolute_level, vm_nested, yolo).
    pub fn context_file(&self, name: &str, text: &str) {
        fs::write(self.context.join(name), text).expect("context file");
    }

    /// Run the binary in the project folder.
    pub fn run(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .current_dir(&self.dir)
            .env("ANKLUME_SKIP_HOST_SUBNET_CHECK", "1")
            .env("ANKLUME_CONTEXT_DIR", &self.context);
        match &self.host {
            Some(h) => cmd.env("ANKLUME_HOST_RESOURCES", h),
            None => cmd.env("ANKLUME_HOST_RESOURCES", "none"),
        };
        let out = cmd.output().expect("run generate");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `generate infra.yml`, which must succeed.
    pub fn generate(&self) -> Run {
        let r = self.run(&["infra.yml"]);
        assert_eq!(r.code, 0, "generate failed:\n{}\n{}", r.stdout, r.stderr);
        r
    }

    /// A generated YAML file, parsed (managed section and user part alike).
    pub fn yaml(&self, rel: &str) -> py::yaml::Value {
        py::yaml::load_str(&self.read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    /// The generated tree (inventory, group_vars, host_vars).
    pub fn tree(&self) -> String {
        tree(&self.dir)
    }
}

/// Every file under `root` except infra sources, sorted, as
/// `== path ==\n<content>`.
pub fn tree(root: &Path) -> String {
    let mut files = Vec::new();
    collect(root, root, &mut files);
    files.sort();
    let mut out = String::new();
    for rel in files {
        if rel == "infra.yml" || rel.starts_with("infra/") {
            continue;
        }
        let text = fs::read(root.join(&rel)).expect("read tree file");
        out.push_str(&format!("== {rel} ==\n{}", String::from_utf8_lossy(&text)));
    }
    out
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(root, &p, out);
        } else if let Ok(rel) = p.strip_prefix(root) {
            out.push(rel.to_string_lossy().into_owned());
        }
    }
}

/// `value[k1][k2]…` through mappings, for assertions.
pub fn at<'a>(v: &'a py::yaml::Value, path: &[&str]) -> Option<&'a py::yaml::Value> {
    path.iter().try_fold(v, |node, k| node.get(k))
}

/// A string at `path`, or panic with the path.
pub fn s<'a>(v: &'a py::yaml::Value, path: &[&str]) -> &'a str {
    at(v, path)
        .and_then(|x| x.as_str())
        .unwrap_or_else(|| panic!("no string at {path:?}"))
}

/// Copy a folder recursively (for the examples/split layout).
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for e in fs::read_dir(from).expect("read_dir").flatten() {
        let p = e.path();
        let dest = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            fs::copy(&p, &dest).expect("copy");
        }
    }
}

/// The workspace root (for examples/).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_path_buf()
}
