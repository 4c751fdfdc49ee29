//! Reading infra.yml, or an `infra/` directory, into one [`Value`] tree
//! (anklume SPEC §5). The generator echoes parts of it unchanged, so
//! nothing is normalised here.
//!
//! Same result as upstream's `load_infra`: a file is read as one YAML
//! document; a directory merges `base.yml`, then `domains/*.yml` in sorted
//! order (a later file wins and a warning says so), then the
//! `network_policies` of `policies.yml`. A path that does not exist falls
//! back to its other form (`infra` → `infra.yml`, `infra.yml` → `infra/`).
//!
//! Where upstream crashes with a Python traceback (missing file, bad UTF-8,
//! bad YAML, a top level that is not a mapping, a name YAML read as an int
//! or bool) we return one [`Error`] saying what is wrong and what to do.

use crate::{err, Error, Result};
use indexmap::IndexMap;
use py::yaml::{load_str, Map, Value};
use std::fs;
use std::path::{Path, PathBuf};

/// What an empty infra file lacks.
const NEEDED_KEYS: &str = "an infra file needs project_name, global and domains at the top level";

/// A loaded infra document and where its parts came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The document as PyYAML's `safe_load` (plus the directory merge)
    /// gives it; the generator echoes parts of it unchanged.
    pub value: Value,
    /// The file or directory that was read (after the `.yml` fallback).
    pub source: PathBuf,
    /// Domain name → the file holding the definition that was kept.
    pub domain_sources: IndexMap<String, PathBuf>,
    /// Not errors, to be shown as `WARNING: <text>` (domain overrides).
    pub warnings: Vec<String>,
}

impl Loaded {
    /// Whether [`source`](Self::source) is an `infra/` directory.
    pub fn is_dir(&self) -> bool {
        self.source.is_dir()
    }
}

/// Load `path`: an infra.yml file or an `infra/` directory.
pub fn load(path: &Path) -> Result<Loaded> {
    if path.is_file() {
        return load_file(path);
    }
    if path.is_dir() {
        return load_dir(path);
    }
    // Upstream tries the other convention: `infra` ↔ `infra.yml`.
    // Collecting the components drops a trailing slash, as Python's Path does.
    let normal: PathBuf = path.components().collect();
    if let Some(name) = normal.file_name().and_then(|n| n.to_str()) {
        match name.strip_suffix(".yml") {
            Some(stem) => {
                let dir = normal.with_file_name(stem);
                if !stem.is_empty() && dir.is_dir() {
                    return load_dir(&dir);
                }
            }
            None => {
                let file = normal.with_file_name(format!("{name}.yml"));
                if file.is_file() {
                    return load_file(&file);
                }
            }
        }
    }
    // Neither file nor directory but there (a pipe such as /dev/stdin):
    // upstream ends with a plain `open(path)`, which reads it.
    if path.exists() {
        return load_file(path);
    }
    Err(err!(
        "infra file not found: {} (expected a file like infra.yml or an infra/ directory with base.yml)",
        path.display()
    ))
}

fn load_file(path: &Path) -> Result<Loaded> {
    let value = match read_yaml_as(path, Named::Yes)? {
        Value::Null => return Err(err!("{} is empty: {NEEDED_KEYS}", path.display())),
        v @ Value::Map(_) => v,
        other => {
            return Err(not_a_mapping(
                path,
                &other,
                "project_name:, global:, domains:",
            ))
        }
    };
    let mut domain_sources = IndexMap::new();
    if let Some(Value::Map(domains)) = value.get("domains") {
        record_domains(domains, path, &mut domain_sources)?;
    }
    Ok(Loaded {
        value,
        source: path.to_path_buf(),
        domain_sources,
        warnings: Vec::new(),
    })
}

fn load_dir(dir: &Path) -> Result<Loaded> {
    let base_path = dir.join("base.yml");
    if !base_path.exists() {
        return Err(err!(
            "{} not found in infra directory.",
            base_path.display()
        ));
    }
    // An empty base.yml is an empty mapping (upstream: `safe_load(f) or {}`).
    let mut infra = match read_yaml(&base_path)? {
        Value::Null => Map::new(),
        Value::Map(m) => m,
        other => return Err(not_a_mapping(&base_path, &other, "project_name:, global:")),
    };
    let mut domain_sources = IndexMap::new();
    if let Some(Value::Map(domains)) = infra.get_str("domains") {
        record_domains(domains, &base_path, &mut domain_sources)?;
    }

    let mut warnings = Vec::new();
    let domains_dir = dir.join("domains");
    if domains_dir.is_dir() {
        if !infra.contains_str("domains") {
            infra.insert("domains", Map::new());
        }
        for file in yml_files(&domains_dir)? {
            let data = match read_yaml(&file)? {
                Value::Null => continue, // an empty domain file is ignored
                Value::Map(m) => m,
                other => {
                    return Err(not_a_mapping(
                        &file,
                        &other,
                        "domain names, e.g. `pro:` with its settings below",
                    ))
                }
            };
            record_domains(&data, &file, &mut domain_sources)?;
            if data.is_empty() {
                continue;
            }
            let domains = match infra.get_str_mut("domains") {
                Some(Value::Map(domains)) => domains,
                other => {
                    return Err(err!(
                        "{}: domains must be a mapping for the files in {} to be merged into it, got {}; \
                         remove the domains: key from base.yml or make it a mapping",
                        base_path.display(),
                        domains_dir.display(),
                        other.map_or("null", |v| v.kind()),
                    ))
                }
            };
            let file_name = file.file_name().unwrap_or_default().to_string_lossy();
            for (name, domain) in data.entries {
                if domains.contains_key(&name) {
                    warnings.push(format!(
                        "Domain '{}' in {file_name} overrides existing definition.",
                        name.as_str().unwrap_or_default()
                    ));
                }
                domains.insert(name, domain);
            }
        }
    }

    let policies_path = dir.join("policies.yml");
    if policies_path.exists() {
        match read_yaml(&policies_path)? {
            Value::Null => {}
            Value::Map(policies) => {
                // Only network_policies is taken, and it replaces base.yml's.
                if let Some(np) = policies.get_str("network_policies") {
                    infra.insert("network_policies", np.clone());
                }
            }
            other => return Err(not_a_mapping(&policies_path, &other, "network_policies:")),
        }
    }

    Ok(Loaded {
        value: Value::Map(infra),
        source: dir.to_path_buf(),
        domain_sources,
        warnings,
    })
}

/// The largest infra file read: far above any real one, far below what
/// would exhaust memory (`/dev/zero` or a runaway file is an error).
const INPUT_CAP: u64 = 64 << 20;

/// Read one YAML file (a regular file: a FIFO or device is an error, not a
/// read that hangs or never ends); every failure names the file.
fn read_yaml(path: &Path) -> Result<Value> {
    read_yaml_as(path, Named::No)
}

/// Whether the user named the file (then a pipe such as `/dev/stdin` is
/// read, as upstream's `open(path)` does, still up to the cap) or it was
/// found in a folder (then only a regular file is read).
#[derive(PartialEq)]
enum Named {
    Yes,
    No,
}

fn read_yaml_as(path: &Path, named: Named) -> Result<Value> {
    let read = || -> std::io::Result<Vec<u8>> {
        if named == Named::No || path.is_file() {
            return crate::write::read_regular(path, INPUT_CAP);
        }
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(
            &mut std::io::Read::take(fs::File::open(path)?, INPUT_CAP + 1),
            &mut bytes,
        )?;
        if bytes.len() as u64 > INPUT_CAP {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("it holds more than the {INPUT_CAP}-byte limit"),
            ));
        }
        Ok(bytes)
    };
    let bytes = read().map_err(|e| {
        err!(
            "cannot read {}: {e} (check that it is a readable file)",
            path.display()
        )
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let bad = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..bad].iter().filter(|&&b| b == b'\n').count() + 1;
        err!(
            "{} is not UTF-8 text (first invalid byte on line {line}); save it as UTF-8",
            path.display()
        )
    })?;
    load_str(&text).map_err(|e| {
        err!(
            "{}: invalid YAML at {e}; fix the syntax there",
            path.display()
        )
    })
}

/// The `*.yml` entries of `dir` in the order Python's `sorted(glob())`
/// gives: byte order of the names, dot files included.
fn yml_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = fs::read_dir(dir).map_err(|e| err!("cannot list {}: {e}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| err!("cannot list {}: {e}", dir.display()))?;
        if entry.file_name().to_string_lossy().ends_with(".yml") {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

/// Check that every domain name is a string and note where it is defined.
///
/// PyYAML reads an unquoted `123:` as an int and `yes:` as a bool; upstream
/// then crashes in its name check, so we stop here and name the key.
fn record_domains(
    domains: &Map,
    file: &Path,
    sources: &mut IndexMap<String, PathBuf>,
) -> Result<()> {
    for name in domains.keys() {
        match name.as_str() {
            Some(name) => {
                sources.insert(name.to_owned(), file.to_path_buf());
            }
            None => {
                return Err(err!(
                    "{}: {}",
                    file.display(),
                    non_string_name("domain name", name)
                ))
            }
        }
    }
    Ok(())
}

fn not_a_mapping(path: &Path, got: &Value, expected_keys: &str) -> Error {
    err!(
        "{}: the top level must be a mapping ({expected_keys}), got {}",
        path.display(),
        got.kind()
    )
}

/// What to tell a user whose name (a domain) is not a string.
fn non_string_name(what: &str, key: &Value) -> String {
    let text = scalar_text(key);
    let why = match key {
        Value::Bool(_) => {
            " (unquoted yes/no/on/off/true/false are booleans in YAML 1.1)".to_owned()
        }
        Value::Null => " (an empty key or ~ is null in YAML)".to_owned(),
        _ => String::new(),
    };
    format!(
        "{what} {text} is not a string: YAML read it as {}{why}; names must be strings, \
         so quote it (\"{text}\") or rename it",
        key.kind()
    )
}

/// A scalar written the way YAML would show it, for messages about keys.
fn scalar_text(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format!("{f:?}"),
        Value::Str(s) | Value::Timestamp(s) => s.clone(),
        Value::Binary(_) => "<binary>".into(),
        Value::Seq(_) => "<list>".into(),
        Value::Map(_) => "<mapping>".into(),
    }
}
