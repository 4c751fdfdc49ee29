//! The generator's pipeline on any bytes, for fuzzing: "no input panics".
//!
//! [`check`] takes any bytes and runs on them what the `generate` binary
//! runs, [`pipeline::execute`](crate::pipeline), write path included: the
//! bytes become `infra.yml` in a fresh temp folder and the files are
//! written under it, with `--diff` and `--clean-orphans`; then a second
//! run with `--dry-run --strict` goes over what the first one wrote. The
//! bytes are also put there beforehand as the text of
//! `group_vars/all.yml` (a user's file the managed block is merged into)
//! and of an orphan `host_vars` file (read by the orphan check). The
//! cargo-fuzz target `fuzz/fuzz_targets/infra.rs` and the test
//! `generate/tests/fuzz_seeds.rs` both call it, so a crash the fuzzer
//! finds is replayed by `cargo test` once its input is in `fuzz/seeds/`.
//! [`check_yaml`] is the YAML layer alone (target `yaml`).
//!
//! Errors are expected and ignored; only a panic is a finding. Nothing is
//! printed (the runs report to a sink).
//!
//! The host is fixed by the runs' [`Config`], not the environment: no
//! host-subnet check (`ip -json addr`), 8 CPUs and 16 GiB instead of
//! `incus info`. The nesting context is not read from `/etc/anklume`: a
//! first line `#nesting: absolute_level=1 relative_level=1 vm_nested=true
//! yolo=true` (any subset; a YAML comment) sets it, so the fuzzer can reach
//! the rules that depend on it.

use py::yaml::{self, Value};
use shared::nesting::{python_int, Nesting};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use crate::config::{Config, Context};
use crate::enrich::host::{HostFacts, Resources};
use crate::output::Output;
use crate::pipeline::{execute, End};

/// The host facts the runs give resource allocation: 8 CPUs, 16 GiB.
const HOST_RESOURCES: HostFacts = HostFacts {
    cpu: 8,
    memory_bytes: 16 << 30,
};

/// How far an input got; the seed test checks that its valid seeds reach
/// the end (`Ran(End::Done)`), so that they keep exercising the whole
/// pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Not UTF-8 (`generate` refuses such a file).
    NotUtf8,
    /// Not YAML PyYAML would read.
    NotYaml,
    /// The pipeline ran, and ended there (`NotLoaded`: YAML, but refused
    /// by the loader: empty, not a mapping, a domain name that is not a
    /// string).
    Ran(End),
}

/// The folder the runs' temp folders go in, found once; call it before
/// the fuzzing starts (`check` calls it too).
pub fn init() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(std::env::temp_dir)
}

/// Run the whole pipeline on `data`; returns how far it got. Panics only
/// on a bug (or when no temp folder can be made: nothing to test then).
pub fn check(data: &[u8]) -> Stage {
    let Ok(text) = std::str::from_utf8(data) else {
        return Stage::NotUtf8;
    };
    let Some(value) = check_yaml_str(text) else {
        return Stage::NotYaml;
    };
    drop(value);
    let scratch = Scratch::new(init());
    Stage::Ran(run_twice(&scratch.0, data, nesting_of(text)))
}

/// The binary's run on `data` in `dir`, then a dry run over its result;
/// returns how far the first one got.
fn run_twice(dir: &Path, data: &[u8], nesting: Nesting) -> End {
    let infra_file = dir.join("infra.yml");
    let base_dir = dir.join("out");
    for (path, bytes) in [
        (&infra_file, data),
        (&base_dir.join("group_vars/all.yml"), data),
        (&base_dir.join("host_vars/fuzz-orphan.yml"), data),
    ] {
        if let Err(e) = put(path, bytes) {
            panic!("cannot write {} for the fuzz run: {e}", path.display());
        }
    }
    let mut cfg = Config {
        infra_file,
        base_dir,
        dry_run: false,
        diff: true,
        clean_orphans: true,
        no_wait: true,
        strict: false,
        check_host_subnets: false,
        resources: Resources::Given(Some(HOST_RESOURCES)),
        context: Context::Given(nesting),
        exits_after: false,
    };
    let first = execute(&cfg, &mut Output::sink());
    cfg.dry_run = true;
    cfg.strict = true;
    let _ = execute(&cfg, &mut Output::sink());
    first
}

/// A test's own input file, made with its folder (through the one write
/// primitive, like every file the binary writes).
fn put(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let policy = shared::write::Policy {
        create_dirs: true,
        ..shared::write::Policy::default()
    };
    shared::write::write_file(path, bytes, &policy)
}

/// A fresh folder for one input, removed when done with.
struct Scratch(PathBuf);

impl Scratch {
    fn new(root: &Path) -> Scratch {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = root.join(format!("generate-fuzz-{}-{n}", std::process::id()));
        // Left over by an earlier process with the same id.
        let _ = std::fs::remove_dir_all(&dir);
        if let Err(e) = std::fs::create_dir(&dir) {
            panic!("cannot make {} for the fuzz run: {e}", dir.display());
        }
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The YAML layer alone: `load_str`, then `emit::dump` of what it read and
/// `load_str` of that text. Returns whether `data` was YAML.
pub fn check_yaml(data: &[u8]) -> bool {
    std::str::from_utf8(data).is_ok_and(|text| check_yaml_str(text).is_some())
}

fn check_yaml_str(text: &str) -> Option<Value> {
    // The loader's fast path must agree with the full loader whenever it
    // takes a text (Debug shows types and ids; `==` has Python semantics).
    if let Some(fast) = yaml::fast::load(text) {
        let full = yaml::load_str_slow(text).map(|v| format!("{v:?}"));
        assert_eq!(
            Ok(format!("{fast:?}")),
            full,
            "fast path differs on {text:?}"
        );
    }
    let value = yaml::load_str(text).ok()?;
    let dumped = yaml::emit::dump(&value);
    let _ = yaml::load_str(&dumped);
    Some(value)
}

/// The nesting context of a `#nesting: key=value …` first line.
fn nesting_of(text: &str) -> Nesting {
    let mut n = Nesting::default();
    let Some(words) = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("#nesting:"))
    else {
        return n;
    };
    for word in words.split_whitespace() {
        match word.split_once('=') {
            Some(("absolute_level", v)) => n.absolute_level = python_int(v),
            Some(("relative_level", v)) => n.relative_level = python_int(v),
            Some(("vm_nested", v)) => n.vm_nested = Some(v == "true"),
            Some(("yolo", v)) => n.yolo = v == "true",
            _ => {}
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_line() {
        let n = nesting_of("#nesting: absolute_level=2 vm_nested=true yolo=true\nx: 1\n");
        assert_eq!(n.absolute_level, Some(2));
        assert_eq!(n.relative_level, None);
        assert_eq!(n.vm_nested, Some(true));
        assert!(n.yolo);
        assert_eq!(nesting_of("x: 1\n"), Nesting::default());
    }

    #[test]
    fn stages() {
        assert_eq!(check(b"\xff"), Stage::NotUtf8);
        assert_eq!(check(b"a: [b"), Stage::NotYaml);
        assert_eq!(check(b"- a\n"), Stage::Ran(End::NotLoaded));
        assert_eq!(check(b"domains: {1: {}}\n"), Stage::Ran(End::NotLoaded));
        assert_eq!(check(b"a: 1\n"), Stage::Ran(End::Invalid));
        let valid = b"project_name: x\nglobal: {base_subnet: '10.100'}\ndomains:\n  a:\n    subnet_id: 0\n    machines: {a-m: {ip: 10.100.0.10}}\n";
        assert_eq!(check(valid), Stage::Ran(End::Done));
        assert!(check_yaml(b"a: 1\n"));
        assert!(!check_yaml(b"a: [b"));
    }

    /// The fuzz run is the binary's, write path included: the files land in
    /// the run's folder, the orphan is cleaned, and the folder goes away.
    #[test]
    fn the_run_writes_its_files() {
        let valid = b"project_name: x\nglobal: {base_subnet: '10.100'}\ndomains:\n  a:\n    subnet_id: 0\n    machines: {a-m: {ip: 10.100.0.10}}\n";
        let scratch = Scratch::new(init());
        let dir = scratch.0.clone();
        assert_eq!(run_twice(&dir, valid, Nesting::default()), End::Done);
        let out = dir.join("out");
        for file in ["inventory/a.yml", "group_vars/a.yml", "host_vars/a-m.yml"] {
            assert!(out.join(file).is_file(), "{file} not written");
        }
        let all = std::fs::read_to_string(out.join("group_vars/all.yml")).unwrap();
        assert!(
            all.contains("machines: {a-m: {ip: 10.100.0.10}}"),
            "the input kept: {all}"
        );
        assert!(all.contains("=== MANAGED"), "the block merged in: {all}");
        assert!(!out.join("host_vars/fuzz-orphan.yml").exists());
        drop(scratch);
        assert!(!dir.exists());
    }
}
