//! Model discovery: which `.gguf` Ember will load, and what else is on disk.
//!
//! Order (as the Python runtime): `LLAMA_CPP_MODEL`, then `*.gguf` sorted by
//! name in `LLAMA_CPP_MODEL_DIR`, `./models`, `/srv/ember/models`,
//! `/opt/ember-app/models`, `/opt/llama.cpp/models`. The first existing file
//! wins. Discovery runs again before every load attempt, so a model dropped
//! into `./models` is picked up without a restart.

use std::path::{Path, PathBuf};

/// Fixed directories searched after `LLAMA_CPP_MODEL_DIR` and `./models`.
pub const SYSTEM_DIRS: [&str; 3] = [
    "/srv/ember/models",
    "/opt/ember-app/models",
    "/opt/llama.cpp/models",
];

/// One model file and why it is on the list.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub path: PathBuf,
    pub origin: String,
}

/// The outcome of a discovery pass.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Discovery {
    /// Every existing candidate, in priority order, without duplicates.
    pub candidates: Vec<Candidate>,
    /// `LLAMA_CPP_MODEL` when it names nothing: worth a warning.
    pub pinned_missing: Option<PathBuf>,
}

impl Discovery {
    /// The model that would be loaded now.
    pub fn chosen(&self) -> Option<&Candidate> {
        self.candidates.first()
    }
}

/// The search directories, in order, given the settings and the cwd.
pub fn search_dirs(model_dir: Option<&Path>, cwd: Option<&Path>) -> Vec<(PathBuf, String)> {
    let mut dirs = Vec::new();
    if let Some(d) = model_dir {
        dirs.push((d.to_path_buf(), "LLAMA_CPP_MODEL_DIR".to_string()));
    }
    let local = cwd.map_or_else(|| PathBuf::from("models"), |c| c.join("models"));
    dirs.push((local, "./models".to_string()));
    dirs.extend(
        SYSTEM_DIRS
            .iter()
            .map(|d| (PathBuf::from(d), (*d).to_string())),
    );
    dirs
}

/// Runs discovery over `pinned` (`LLAMA_CPP_MODEL`) and `dirs`.
pub fn discover(pinned: Option<&Path>, dirs: &[(PathBuf, String)]) -> Discovery {
    let mut out = Discovery::default();
    if let Some(p) = pinned {
        if p.is_file() {
            out.candidates.push(Candidate {
                path: p.to_path_buf(),
                origin: "LLAMA_CPP_MODEL".into(),
            });
        } else {
            out.pinned_missing = Some(p.to_path_buf());
        }
    }
    for (dir, origin) in dirs {
        for path in gguf_files(dir) {
            if !out.candidates.iter().any(|c| same_file(&c.path, &path)) {
                out.candidates.push(Candidate {
                    path,
                    origin: origin.clone(),
                });
            }
        }
    }
    out
}

/// `*.gguf` regular files (or links to them) in `dir`, sorted by name.
pub fn gguf_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("gguf"))
                && p.is_file()
        })
        .collect();
    files.sort();
    files
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}

/// Resolves `/model use <name|path>`: an existing path, else a discovered
/// model matched by file name or by name without `.gguf`.
pub fn resolve_identifier(id: &str, discovery: &Discovery, cwd: Option<&Path>) -> Option<PathBuf> {
    let direct = PathBuf::from(id);
    let direct = match (direct.is_absolute(), cwd) {
        (false, Some(c)) => c.join(&direct),
        _ => direct,
    };
    if direct.is_file() {
        return Some(direct);
    }
    let matches = |c: &&Candidate| {
        c.path.file_name().is_some_and(|n| n == id) || c.path.file_stem().is_some_and(|n| n == id)
    };
    discovery
        .candidates
        .iter()
        .find(matches)
        .map(|c| c.path.clone())
}

/// A short human size: `12.3 MB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    // Display only: f64 precision is plenty.
    #[allow(clippy::cast_precision_loss)]
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1000.0 && unit < UNITS.len() - 1 {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path) {
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, b"GGUF").expect("write");
    }

    #[test]
    fn pinned_model_then_dirs_in_order_sorted() {
        let tmp = tempfile::tempdir().expect("tmp");
        let t = tmp.path();
        touch(&t.join("envdir/b.gguf"));
        touch(&t.join("envdir/a.gguf"));
        touch(&t.join("envdir/notes.txt"));
        touch(&t.join("cwd/models/c.GGUF"));
        touch(&t.join("pinned.gguf"));
        let dirs = search_dirs(Some(&t.join("envdir")), Some(&t.join("cwd")));
        assert_eq!(dirs[1].1, "./models");
        assert_eq!(dirs.len(), 5);

        let d = discover(Some(&t.join("pinned.gguf")), &dirs);
        let names: Vec<_> = d
            .candidates
            .iter()
            .map(|c| c.path.file_name().expect("name").to_owned())
            .collect();
        assert_eq!(names, ["pinned.gguf", "a.gguf", "b.gguf", "c.GGUF"]);
        assert_eq!(d.chosen().expect("chosen").origin, "LLAMA_CPP_MODEL");

        let d = discover(Some(&t.join("gone.gguf")), &dirs);
        assert_eq!(
            d.pinned_missing.as_deref(),
            Some(t.join("gone.gguf").as_path())
        );
        assert_eq!(d.chosen().expect("chosen").path, t.join("envdir/a.gguf"));
        // The pinned file found again in a directory is listed once.
        let d = discover(Some(&t.join("envdir/a.gguf")), &dirs);
        assert_eq!(d.candidates.len(), 3);

        assert_eq!(
            resolve_identifier("b", &d, None),
            Some(t.join("envdir/b.gguf"))
        );
        assert_eq!(
            resolve_identifier("b.gguf", &d, None),
            Some(t.join("envdir/b.gguf"))
        );
        let abs = t.join("pinned.gguf");
        assert_eq!(
            resolve_identifier(abs.to_str().expect("utf8"), &d, None),
            Some(abs)
        );
        assert_eq!(
            resolve_identifier("pinned.gguf", &d, Some(t)),
            Some(t.join("pinned.gguf"))
        );
        assert_eq!(resolve_identifier("zzz", &d, Some(t)), None);
        assert!(discover(None, &[]).chosen().is_none());
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_size(12), "12 B");
        assert_eq!(human_size(12_345_678), "12.3 MB");
    }
}
