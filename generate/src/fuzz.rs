//! The generator's pipeline in memory, for fuzzing: "no input panics".
//!
//! [`check`] takes any bytes and runs what `generate` runs on an infra.yml
//! (load → validate → enrich → validate → warnings → each file's managed
//! block, merged into an existing text) without touching the disk, the
//! network or another program. The cargo-fuzz target `fuzz/fuzz_targets/
//! infra.rs` and the test `generate/tests/fuzz_seeds.rs` both call it, so a
//! crash the fuzzer finds is replayed by `cargo test` once its input is in
//! `fuzz/seeds/`. [`check_yaml`] is the YAML layer alone (target `yaml`).
//!
//! Errors are expected and ignored; only a panic is a finding.
//!
//! Host facts are fixed: the host-subnet check (`ip -json addr`) is not
//! run, and `ANKLUME_HOST_RESOURCES` stands in for `incus info` (set by
//! [`init`] unless already set, e.g. to `none`). The nesting context is not
//! read from `/etc/anklume`: a first line `#nesting: absolute_level=1
//! relative_level=1 vm_nested=true yolo=true` (any subset; a YAML comment)
//! sets it, so the fuzzer can reach the rules that depend on it.

use shared::nesting::{python_int, Nesting};
use shared::yaml::{self, Value};
use std::sync::Once;

use crate::{enrich, render, strict, validate, warnings, write};

/// The host facts [`init`] gives resource allocation: 8 CPUs, 16 GiB.
pub const HOST_RESOURCES: &str = r#"{"cpu": 8, "memory": 17179869184}"#;

/// How far an input got; the seed test checks that its valid seeds reach
/// the end, so that they keep exercising the whole pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Not UTF-8 (`generate` refuses such a file).
    NotUtf8,
    /// Not YAML PyYAML would read.
    NotYaml,
    /// YAML, but refused by the loader: empty, not a mapping, a domain
    /// name that is not a string.
    NotInfra,
    /// Validation errors.
    Invalid,
    /// Enrichment failed.
    EnrichFailed,
    /// Post-enrichment validation errors.
    InvalidAfterEnrich,
    /// Valid, with no domains: nothing to generate.
    NoDomains,
    /// Planning the files failed.
    PlanFailed,
    /// Every file was planned, dumped and merged.
    Generated,
}

/// Fix the environment the pipeline reads: no host-subnet check, fixed
/// host resources (unless the variables are set already). Runs once; call
/// it before starting threads (`check` calls it too).
pub fn init() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("ANKLUME_SKIP_HOST_SUBNET_CHECK").is_none() {
            std::env::set_var("ANKLUME_SKIP_HOST_SUBNET_CHECK", "1");
        }
        if std::env::var_os(enrich::host::OVERRIDE_VAR).is_none() {
            std::env::set_var(enrich::host::OVERRIDE_VAR, HOST_RESOURCES);
        }
    });
}

/// Run the whole in-memory pipeline on `data`; returns how far it got.
/// Panics only on a bug.
pub fn check(data: &[u8]) -> Stage {
    init();
    let Ok(text) = std::str::from_utf8(data) else {
        return Stage::NotUtf8;
    };
    let Some(value) = check_yaml_str(text) else {
        return Stage::NotYaml;
    };
    // The typed view other tools read.
    let _ = shared::infra::Infra::from_value(&value);
    generate(value, &nesting_of(text), text)
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

/// `pipeline::run` from the loaded value on, files kept in memory. `text`
/// doubles as the current text of every file the managed block goes into.
fn generate(mut infra: Value, nesting: &Nesting, text: &str) -> Stage {
    // What `shared::infra::load` refuses for a file.
    let Some(root) = infra.as_map() else {
        return Stage::NotInfra;
    };
    if let Some(Value::Map(domains)) = root.get_str("domains") {
        if domains.keys().any(|k| k.as_str().is_none()) {
            return Stage::NotInfra;
        }
    }

    // `--strict` adds its messages to validation's; both are computed.
    let _ = strict::unknown_keys(&infra);
    if !validate::validate(&infra, false, nesting).is_empty() {
        return Stage::Invalid;
    }
    let mut notes = Vec::new();
    if enrich::enrich(&mut infra, &mut notes).is_err() {
        return Stage::EnrichFailed;
    }
    if !validate::validate(&infra, false, nesting).is_empty() {
        return Stage::InvalidAfterEnrich;
    }
    let _ = warnings::warnings_with(&infra, nesting);
    if !infra.get("domains").is_some_and(Value::truthy) {
        return Stage::NoDomains;
    }

    // The files: each managed block merged into a new file, into `text`
    // (with Python's newlines, as a file is read), and into its own
    // result again; the first one also goes through `--diff`.
    let existing = write::universal_newlines(text);
    let mut first = true;
    let planned = render::plan(&infra, &nesting.prefix(), |file| {
        let block = write::block(&yaml::emit::dump(&file.content));
        let merged = write::merge(Some(&existing), block.clone());
        let new = write::merge(None, block.clone());
        let _ = write::merge(Some(&new), block);
        if first {
            first = false;
            let _ = write::unified_diff(Some(&existing), &merged, "group_vars/all.yml");
        }
    });
    match planned {
        Ok(()) => Stage::Generated,
        Err(_) => Stage::PlanFailed,
    }
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
        assert_eq!(check(b"- a\n"), Stage::NotInfra);
        assert_eq!(check(b"domains: {1: {}}\n"), Stage::NotInfra);
        assert_eq!(check(b"a: 1\n"), Stage::Invalid);
        assert!(check_yaml(b"a: 1\n"));
        assert!(!check_yaml(b"a: [b"));
    }
}
