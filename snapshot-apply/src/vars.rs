//! The two variables read from the generated Ansible tree: a host's
//! `instance_name` (`host_vars/<host>.yml`; the Incus name carries the
//! nesting prefix, the inventory name does not) and, only when Incus cannot
//! list all projects, a group's `incus_project` (`group_vars/<group>.yml`,
//! the file the generator writes; the script looked for
//! `group_vars/<group>/vars.yml`, found nothing and always used `default`).

use crate::out;
use py::yaml::Value;
use std::path::{Path, PathBuf};

/// `instance_name` of `host`, when its host_vars file sets one.
pub fn instance_name(host: &str) -> Option<String> {
    string_var(&candidates("host_vars", host), "instance_name")
}

/// `incus_project` of `group`, when its group_vars file sets one.
pub fn group_project(group: &str) -> Option<String> {
    string_var(&candidates("group_vars", group), "incus_project")
}

/// `<dir>/<name>.yml`, `.yaml`, and the `<dir>/<name>/vars.yml` folder form.
/// A name that could leave the folder gives no candidates at all.
fn candidates(dir: &str, name: &str) -> Vec<PathBuf> {
    if name.is_empty() || name.starts_with('.') || name.contains(['/', '\\', '\0']) {
        return Vec::new();
    }
    let base = Path::new(dir);
    vec![
        base.join(format!("{name}.yml")),
        base.join(format!("{name}.yaml")),
        base.join(name).join("vars.yml"),
    ]
}

/// The first candidate file that exists decides; a file we cannot read is
/// reported once and treated as not setting the variable.
fn string_var(files: &[PathBuf], key: &str) -> Option<String> {
    let file = files.iter().find(|f| f.is_file())?;
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            out::warn(format!("cannot read {}: {e}", file.display()));
            return None;
        }
    };
    match py::yaml::load_str(&text) {
        Ok(doc) => match doc.get(key) {
            Some(Value::Str(s)) if !s.is_empty() => Some(s.clone()),
            _ => None,
        },
        Err(e) => {
            out::warn(format!("{}: {e}; ignoring its {key}", file.display()));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_existing_file_wins_and_names_stay_inside() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("a.yml");
        let b = d.path().join("b.yml");
        std::fs::write(&b, "---\ninstance_name: x-web\ninstance_type: lxc\n").unwrap();
        assert_eq!(
            string_var(&[a.clone(), b.clone()], "instance_name").as_deref(),
            Some("x-web")
        );
        std::fs::write(&a, "instance_type: lxc\n").unwrap();
        assert_eq!(string_var(&[a.clone(), b], "instance_name"), None);
        std::fs::write(&a, "instance_name: [\n").unwrap();
        assert_eq!(string_var(&[a], "instance_name"), None);
        assert!(candidates("host_vars", "../etc/passwd").is_empty());
        assert!(candidates("host_vars", ".hidden").is_empty());
        assert_eq!(candidates("group_vars", "pro").len(), 3);
    }
}
