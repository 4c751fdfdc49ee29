//! Which files the audit reads: upstream's `pathlib` globs, reproduced.
//!
//! The totals depend on details of Python 3.11's `Path.glob`/`rglob` that a
//! shell glob would get wrong: `*` also matches names starting with a dot; a
//! match may be a folder or a dangling symlink (then it is a "file" of 0
//! lines); `rglob` does not descend into symlinked folders, except that a
//! symlinked role folder is walked when the role itself is measured, since
//! `role_dir.rglob` starts inside it. Names are matched as bytes so no file
//! name can make us fail.
//!
//! A folder whose path is longer than the kernel accepts (4,096 bytes)
//! cannot be listed by path; such folders are kept in [`Plan::too_long`]
//! so the run can say what it did not count.
//!
//! The result is a plan: every path to read exactly once, and each category
//! as indices into that list (a role's `*.yml` files are in two categories).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use walkdir::{DirEntry, WalkDir};

/// A path to read, and whether the listing said it is a regular file (known
/// for free from the directory entry; anything else is checked before
/// opening, see [`crate::count`]).
#[derive(Debug, Clone)]
pub struct Target {
    pub path: PathBuf,
    pub regular: bool,
}

/// A matched entry of a flat folder: its name and its index in [`Plan::paths`].
#[derive(Debug, Clone)]
pub struct Named {
    pub name: String,
    pub file: usize,
}

/// One folder under `roles/` and the `*.yml` / `*.j2` files below it.
#[derive(Debug, Clone, Default)]
pub struct RoleFiles {
    pub name: String,
    pub files: Vec<usize>,
}

/// Every file to read, and which categories each belongs to.
#[derive(Debug, Default)]
pub struct Plan {
    pub paths: Vec<Target>,
    /// `scripts/*.py`, sorted by name.
    pub scripts_py: Vec<Named>,
    /// `scripts/*.sh`, sorted by name.
    pub scripts_sh: Vec<Named>,
    /// `tests/*.py`, sorted by name.
    pub tests_py: Vec<Named>,
    /// `roles/**/*.yml`.
    pub roles_yml: Vec<usize>,
    /// `*.yml` at the top of the project.
    pub config_yml: Vec<usize>,
    /// Folders of `roles/`, sorted by name.
    pub roles: Vec<RoleFiles>,
    /// Folders not listed because their path is too long for the kernel.
    pub too_long: Vec<PathBuf>,
}

/// The plan being built, and who hears of each file as soon as it is
/// listed (the counters start reading while the walk goes on).
struct Walker<'a> {
    plan: Plan,
    on_add: &'a mut dyn FnMut(usize, &Target),
}

impl Walker<'_> {
    fn add(&mut self, path: PathBuf, regular: bool) -> usize {
        let index = self.plan.paths.len();
        let target = Target { path, regular };
        (self.on_add)(index, &target);
        self.plan.paths.push(target);
        index
    }

    fn add_flat(&mut self, dir: &Path, ext: &[u8]) -> Vec<Named> {
        list_flat(dir, ext)
            .into_iter()
            .map(|(name, path, regular)| Named {
                name: name.to_string_lossy().into_owned(),
                file: self.add(path, regular),
            })
            .collect()
    }
}

/// Build the plan for `project` (nothing is read yet, only listed).
pub fn plan(project: &Path) -> Plan {
    plan_with(project, &mut |_, _| {})
}

/// [`plan`], calling `on_add` with each file's index and target as soon as
/// it is listed.
pub fn plan_with(project: &Path, on_add: &mut dyn FnMut(usize, &Target)) -> Plan {
    let mut w = Walker {
        plan: Plan::default(),
        on_add,
    };
    let scripts = project.join("scripts");
    w.plan.scripts_py = w.add_flat(&scripts, b".py");
    w.plan.scripts_sh = w.add_flat(&scripts, b".sh");
    w.plan.tests_py = w.add_flat(&project.join("tests"), b".py");
    w.plan.config_yml = w
        .add_flat(project, b".yml")
        .into_iter()
        .map(|n| n.file)
        .collect();
    plan_roles(&mut w, &project.join("roles"));
    w.plan
}

/// `sorted(dir.glob("*<ext>"))`: entries of any type whose name ends with
/// `ext`; nothing when `dir` is not a folder or cannot be listed.
fn list_flat(dir: &Path, ext: &[u8]) -> Vec<(OsString, PathBuf, bool)> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(OsString, PathBuf, bool)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().as_bytes().ends_with(ext))
        .map(|e| {
            let regular = e.file_type().is_ok_and(|t| t.is_file());
            (e.file_name(), e.path(), regular)
        })
        .collect();
    found.sort();
    found
}

fn is_yml(name: &[u8]) -> bool {
    name.ends_with(b".yml")
}

fn is_j2(name: &[u8]) -> bool {
    name.ends_with(b".j2")
}

/// One walk of `roles/` serves both `roles/**/*.yml` and the per-role sizes;
/// symlinked role folders get a walk of their own for the latter only.
fn plan_roles(w: &mut Walker, roles_dir: &Path) {
    if !roles_dir.is_dir() {
        return;
    }
    let mut roles: BTreeMap<OsString, RoleFiles> = BTreeMap::new();
    let mut linked: Vec<(OsString, PathBuf)> = Vec::new();
    // The walk lists a folder's contents right after the folder, so
    // everything deeper than 1 belongs to the latest entry of depth 1.
    let mut current: OsString = OsString::new();
    // Unreadable folders are skipped, as `rglob` skips them.
    let mut too_long = Vec::new();
    let entries = WalkDir::new(roles_dir).min_depth(1).into_iter();
    for entry in entries.filter_map(|e| listed(e, &mut too_long)) {
        let name = entry.file_name().as_bytes();
        if entry.depth() == 1 {
            entry.file_name().clone_into(&mut current);
            let kind = entry.file_type();
            if kind.is_dir() {
                roles.insert(entry.file_name().to_owned(), RoleFiles::default());
            } else if kind.is_symlink() && entry.path().is_dir() {
                roles.insert(entry.file_name().to_owned(), RoleFiles::default());
                linked.push((entry.file_name().to_owned(), entry.path().to_path_buf()));
            }
        }
        let (yml, j2) = (is_yml(name), is_j2(name));
        // `*.j2` only counts inside a role folder.
        let wanted = yml || (j2 && entry.depth() >= 2);
        if !wanted {
            continue;
        }
        let file = w.add(entry.path().to_path_buf(), entry.file_type().is_file());
        if yml {
            w.plan.roles_yml.push(file);
        }
        if entry.depth() >= 2 {
            if let Some(role) = roles.get_mut(&current) {
                role.files.push(file);
            }
        }
    }
    for (name, dir) in linked {
        let entries = WalkDir::new(&dir).min_depth(1).into_iter();
        for entry in entries.filter_map(|e| listed(e, &mut too_long)) {
            let n = entry.file_name().as_bytes();
            if is_yml(n) || is_j2(n) {
                let file = w.add(entry.path().to_path_buf(), entry.file_type().is_file());
                if let Some(role) = roles.get_mut(&name) {
                    role.files.push(file);
                }
            }
        }
    }
    w.plan.too_long = too_long;
    w.plan.roles = roles
        .into_iter()
        .map(|(name, files)| RoleFiles {
            name: name.to_string_lossy().into_owned(),
            files: files.files,
        })
        .collect();
}

/// The entry, or `None` for an error, keeping the folders whose path is
/// too long to be listed.
fn listed(entry: walkdir::Result<DirEntry>, too_long: &mut Vec<PathBuf>) -> Option<DirEntry> {
    match entry {
        Ok(e) => Some(e),
        Err(e) => {
            let long = e
                .io_error()
                .and_then(std::io::Error::raw_os_error)
                .is_some_and(|code| code == nix::libc::ENAMETOOLONG);
            if let (true, Some(path)) = (long, e.path()) {
                too_long.push(path.to_path_buf());
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn touch(root: &Path, rel: &str) {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, "x\n").unwrap();
    }

    #[test]
    fn globs_match_hidden_names_and_folders() {
        let t = tempfile::tempdir().unwrap();
        touch(t.path(), "scripts/b.py");
        touch(t.path(), "scripts/.a.py");
        fs::create_dir_all(t.path().join("scripts/dir.py")).unwrap();
        touch(t.path(), "scripts/x.pyc");
        let plan = plan(t.path());
        let names: Vec<_> = plan.scripts_py.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, [".a.py", "b.py", "dir.py"]);
    }

    #[test]
    fn folders_too_long_to_list_are_kept() {
        let t = tempfile::tempdir().unwrap();
        touch(t.path(), "roles/a/tasks/main.yml");
        // Built one level at a time, relative to the previous folder: the
        // whole path is too long to create in one go.
        let mut dir = fs::File::open(t.path().join("roles/a")).unwrap();
        let part = "d".repeat(250);
        for _ in 0..20 {
            nix::sys::stat::mkdirat(
                &dir,
                part.as_str(),
                nix::sys::stat::Mode::from_bits_truncate(0o755),
            )
            .unwrap();
            let fd = nix::fcntl::openat(
                &dir,
                part.as_str(),
                nix::fcntl::OFlag::O_RDONLY | nix::fcntl::OFlag::O_DIRECTORY,
                nix::sys::stat::Mode::empty(),
            )
            .unwrap();
            dir = fs::File::from(fd);
        }
        let plan = plan(t.path());
        assert_eq!(plan.roles_yml.len(), 1);
        assert_eq!(plan.too_long.len(), 1, "{:?}", plan.too_long.len());
        assert!(plan.too_long[0].as_os_str().len() > 4096);
    }

    #[test]
    fn roles_walk_skips_symlinked_folders_except_role_roots() {
        let t = tempfile::tempdir().unwrap();
        touch(t.path(), "roles/a/tasks/main.yml");
        touch(t.path(), "roles/a/templates/x.j2");
        touch(t.path(), "roles/top.yml");
        touch(t.path(), "elsewhere/tasks/main.yml");
        symlink(t.path().join("elsewhere"), t.path().join("roles/linked")).unwrap();
        symlink(t.path().join("elsewhere"), t.path().join("roles/a/deep")).unwrap();
        let plan = plan(t.path());
        assert_eq!(plan.roles_yml.len(), 2, "a/tasks/main.yml and top.yml");
        let roles: Vec<_> = plan
            .roles
            .iter()
            .map(|r| (r.name.as_str(), r.files.len()))
            .collect();
        assert_eq!(roles, [("a", 2), ("linked", 1)]);
    }
}
