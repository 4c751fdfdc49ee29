//! Orphans: generated files whose domain or machine is no longer in
//! infra.yml (upstream `detect_orphans`, `_is_orphan_protected`).
//!
//! A file is protected when it says `domain_ephemeral: false` or
//! `instance_ephemeral: false`; protected orphans are reported but never
//! deleted. Disabled domains still count as known, so their files stay.
//! Unlike upstream (directory order), orphans are reported sorted by name
//! within each folder, so the report is the same on every machine. Also
//! unlike upstream, dot files (editor lock links such as `.#m1.yml`, temp
//! files) are never orphans, and `--clean-orphans` leaves alone a file it
//! cannot read or parse (it may say `ephemeral: false`) or that is not a
//! regular file or a link.

use py::yaml::Value;
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
    /// Why `--clean-orphans` must not delete it although not protected:
    /// it could not be read or parsed, or is not a file.
    pub keep: Option<String>,
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
                let (protected, keep) = match protection(&path) {
                    Ok(p) => (p, None),
                    Err(why) => (false, Some(why)),
                };
                out.push(Orphan {
                    shown: display_path(base_shown, &[dir, &name]),
                    path,
                    protected,
                    keep,
                });
            }
        }
    }
    out
}

/// Names matching `*.yml` but not `.*` (pathlib's glob also matches
/// dot-files), sorted.
fn yml_files(dir: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".yml") && !n.starts_with('.'))
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

/// Whether the file's YAML says it is not ephemeral; Err (why) when that
/// cannot be known: not readable, not a regular file, not YAML. (Upstream
/// counts those as not protected, and deletes them.)
pub fn protection(path: &Path) -> Result<bool, String> {
    let link = fs::symlink_metadata(path).map_err(|e| e.to_string())?;
    let bytes = shared::write::read_regular(path, crate::write::READ_CAP).map_err(|e| {
        if link.is_symlink() && e.kind() == std::io::ErrorKind::NotFound {
            "a dangling symlink".to_owned()
        } else {
            e.to_string()
        }
    })?;
    let text = String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_owned())?;
    let text = py::universal_newlines(&text);
    let data = match py::yaml::load_str(&text) {
        Ok(Value::Map(data)) => data,
        // Valid YAML that is not a mapping holds no ephemeral key.
        Ok(_) => return Ok(false),
        Err(_) => return Err("not valid YAML".to_owned()),
    };
    for k in ["domain_ephemeral", "instance_ephemeral"] {
        if let Some(v) = data.get_str(k) {
            return Ok(!v.truthy());
        }
    }
    Ok(false)
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

    #[test]
    fn dot_files_are_never_orphans_and_unknowable_ones_are_kept() {
        let d = tempfile::tempdir().unwrap();
        let hv = d.path().join("host_vars");
        fs::create_dir(&hv).unwrap();
        fs::write(hv.join(".m1.yml.tmp1-0"), "x").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("user@host.1234", hv.join(".#m1.yml")).unwrap();
        fs::write(hv.join("bad.yml"), "instance_ephemeral: false\n\tx: [").unwrap();
        fs::write(hv.join("gone.yml"), "instance_ephemeral: true\n").unwrap();
        let known = Known {
            domains: HashSet::new(),
            machines: HashSet::new(),
        };
        let found = detect(d.path(), ".", &known);
        let names: Vec<_> = found.iter().map(|o| o.shown.as_str()).collect();
        assert_eq!(names, ["host_vars/bad.yml", "host_vars/gone.yml"]);
        assert_eq!(found[0].keep.as_deref(), Some("not valid YAML"));
        assert_eq!((found[1].protected, &found[1].keep), (false, &None));
    }
}
