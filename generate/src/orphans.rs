//! Orphans: generated files whose domain or machine is no longer in
//! infra.yml (upstream `detect_orphans`, `_is_orphan_protected`).
//!
//! A file is protected when it says `domain_ephemeral: false` or
//! `instance_ephemeral: false`; protected orphans are reported but never
//! deleted. Disabled domains still count as known, so their files stay.
//! Unlike upstream (directory order), orphans are reported sorted by name
//! within each folder, so the report is the same on every machine.

use shared::yaml::Value;
use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::write::display_path;

/// One orphan file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Orphan {
    pub path: PathBuf,
    pub shown: String,
    pub protected: bool,
}

/// The names that still have a reason to exist.
pub struct Known {
    pub domains: HashSet<String>,
    pub machines: HashSet<String>,
}

/// Every orphan under `base`: inventory/, group_vars/, then host_vars/.
pub fn detect(base: &Path, base_shown: &str, known: &Known) -> Vec<Orphan> {
    let mut group_names = known.domains.clone();
    group_names.insert("all".into());
    let mut out = Vec::new();
    for (dir, valid) in [
        ("inventory", &known.domains),
        ("group_vars", &group_names),
        ("host_vars", &known.machines),
    ] {
        for name in yml_files(&base.join(dir)) {
            if !valid.contains(stem(&name)) {
                let path = base.join(dir).join(&name);
                let protected = is_protected(&path);
                out.push(Orphan {
                    shown: display_path(base_shown, &[dir, &name]),
                    path,
                    protected,
                });
            }
        }
    }
    out
}

/// Names matching `*.yml` (pathlib's glob also matches dot-files and
/// folders), sorted.
fn yml_files(dir: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".yml"))
        .collect();
    names.sort();
    names
}

/// pathlib's `stem`: the name without its last suffix; a leading dot does
/// not start a suffix, and a trailing dot is not one.
pub fn stem(name: &str) -> &str {
    match name.rfind('.') {
        Some(i) if i > 0 && i < name.len() - 1 => &name[..i],
        _ => name,
    }
}

/// Whether the file's YAML says it is not ephemeral. Unreadable or
/// unparsable files are not protected, as upstream.
pub fn is_protected(path: &Path) -> bool {
    let Ok(text) = fs::read_to_string(path) else {
        return false;
    };
    let text = crate::write::universal_newlines(&text);
    let Ok(Value::Map(data)) = shared::yaml::load_str(&text) else {
        return false;
    };
    for k in ["domain_ephemeral", "instance_ephemeral"] {
        if let Some(v) = data.get_str(k) {
            return !v.truthy();
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_like_pathlib() {
        assert_eq!(stem("x.yml"), "x");
        assert_eq!(stem(".yml"), ".yml");
        assert_eq!(stem("..yml"), ".");
        assert_eq!(stem("a.b.yml"), "a.b");
        assert_eq!(stem(".x.yml"), ".x");
    }
}
