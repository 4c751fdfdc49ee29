//! The portable build's CPU kernels, chosen at run time.
//!
//! ggml's CPU backend is built once per instruction-set level, each a
//! library `libggml-cpu-<variant>.so` (x86-64: x64, sse42, sandybridge,
//! ivybridge, piledriver, haswell, skylakex, ..., zen4, alderlake,
//! sapphirerapids; Arm: armv8.0_1 to armv9.2_2). Before the first model
//! load, ggml asks each library's score function, which checks the CPU's
//! CPUID bits against what the library was compiled for, and loads the
//! best one: an older CPU never meets an instruction it lacks, a newer one
//! never runs the baseline. `EMBER_CPU_VARIANT=<variant>` loads that one
//! instead (to check the fallback, or to step around a broken variant).
//!
//! The libraries are looked for in `<binary's folder>/../lib/ember-repl`
//! (the Debian package and `make build-ember-portable`'s tree), then in the
//! build's own folder (cargo run, cargo test).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Forces one variant by name.
pub const FORCE_VAR: &str = "EMBER_CPU_VARIANT";
const PREFIX: &str = "libggml-cpu-";
const SUFFIX: &str = ".so";

/// The variant in use and how it was chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub variant: String,
    pub forced: bool,
}

impl Choice {
    /// For `/status` and the bench: `haswell variant, picked at run time`.
    pub fn describe(&self) -> String {
        if self.forced {
            format!("{} variant, forced by {FORCE_VAR}", self.variant)
        } else {
            format!("{} variant, picked at run time", self.variant)
        }
    }
}

/// Loads the CPU backend once per process (ggml's registry is global),
/// `force` being `EMBER_CPU_VARIANT` as `config` read it; later calls
/// return the first outcome.
pub fn ensure(force: Option<&str>) -> Result<&'static Choice, String> {
    static LOADED: OnceLock<Result<Choice, String>> = OnceLock::new();
    LOADED
        .get_or_init(|| {
            let exe = std::env::current_exe().ok();
            load(
                &search_dirs(exe.as_deref()),
                force.filter(|v| !v.is_empty()),
            )
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Where the variant libraries may be, in order.
fn search_dirs(exe: Option<&Path>) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(bin_dir) = exe.and_then(Path::parent) {
        dirs.push(bin_dir.join("../lib/ember-repl"));
    }
    if let Some(built) = option_env!("EMBER_BUILD_BACKENDS_DIR") {
        dirs.push(PathBuf::from(built));
    }
    dirs
}

/// The variant names present in `dir`, sorted.
fn variants_in(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| variant_of(Path::new(&e.ok()?.file_name())))
        .collect();
    names.sort();
    names
}

/// `haswell` for `.../libggml-cpu-haswell.so`.
fn variant_of(file: &Path) -> Option<String> {
    let name = file.file_name()?.to_str()?;
    let v = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    valid_name(v).then(|| v.to_string())
}

/// Variant names are plain words (`armv8.2_1`): no path can hide in one.
fn valid_name(v: &str) -> bool {
    !v.is_empty()
        && !v.starts_with('.')
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
}

fn load(dirs: &[PathBuf], force: Option<&str>) -> Result<Choice, String> {
    // Only the log hook: llama.cpp's own initialisation comes after the
    // CPU backend is registered (see ffi::init_backend).
    super::ffi::init_log();
    let shown = || {
        dirs.iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some((dir, found)) = dirs
        .iter()
        .map(|d| (d, variants_in(d)))
        .find(|(_, v)| !v.is_empty())
    else {
        return Err(format!(
            "no llama.cpp CPU backend ({PREFIX}*{SUFFIX}) in {}; reinstall ember-repl",
            shown()
        ));
    };
    let list = found.join(" ");
    if let Some(v) = force {
        if !found.iter().any(|f| f == v) {
            return Err(format!(
                "{FORCE_VAR}={v} is not a CPU variant in {} (there: {list}); unset it or pick one of those",
                dir.display()
            ));
        }
        if !super::ffi::load_backend(&dir.join(format!("{PREFIX}{v}{SUFFIX}"))) {
            return Err(format!(
                "{FORCE_VAR}={v}: this CPU cannot run that variant (or it did not load; \
                 EMBER_LOG_LEVEL=debug shows llama.cpp's reason); unset it to let ember-repl pick"
            ));
        }
    } else {
        super::ffi::load_best_backends(dir)?;
    }
    let file = super::ffi::cpu_backend_file().ok_or_else(|| {
        format!(
            "none of the CPU backends in {} ({list}) runs on this CPU",
            dir.display()
        )
    })?;
    let variant = variant_of(&file).unwrap_or_else(|| file.display().to_string());
    Ok(Choice {
        variant,
        forced: force.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variant_names_come_from_plain_file_names_only() {
        let of = |f: &str| variant_of(Path::new(f));
        assert_eq!(
            of("/usr/lib/ember-repl/libggml-cpu-haswell.so").as_deref(),
            Some("haswell")
        );
        assert_eq!(of("libggml-cpu-armv8.2_1.so").as_deref(), Some("armv8.2_1"));
        for not in [
            "libggml-base.so",
            "libggml-cpu-.so",
            "libggml-cpu-x64.so.0",
            "libggml-cpu-..so",
        ] {
            assert_eq!(of(not), None, "{not}");
        }
        assert!(!valid_name("../x64") && !valid_name("a/b") && valid_name("x64"));
    }

    #[test]
    fn installed_folder_first_then_the_build() {
        let dirs = search_dirs(Some(Path::new("/usr/bin/ember-repl")));
        assert_eq!(dirs[0], Path::new("/usr/bin/../lib/ember-repl"));
        assert_eq!(
            dirs.len(),
            1 + usize::from(option_env!("EMBER_BUILD_BACKENDS_DIR").is_some())
        );
    }

    #[test]
    fn lists_the_variants_of_a_folder_sorted() {
        let tmp = tempfile::tempdir().expect("tmp");
        for f in [
            "libggml-cpu-x64.so",
            "libggml-cpu-haswell.so",
            "libggml-base.so.0",
            "libllama.so",
        ] {
            std::fs::write(tmp.path().join(f), b"").expect("write");
        }
        assert_eq!(variants_in(tmp.path()), ["haswell", "x64"]);
        assert!(variants_in(&tmp.path().join("missing")).is_empty());
    }

    #[test]
    fn a_missing_or_unknown_variant_is_a_clear_error() {
        let tmp = tempfile::tempdir().expect("tmp");
        let empty = load(&[tmp.path().to_path_buf()], None).expect_err("no libraries");
        assert!(
            empty.starts_with("no llama.cpp CPU backend (libggml-cpu-*.so) in "),
            "{empty}"
        );
        assert!(empty.ends_with("; reinstall ember-repl"), "{empty}");
        std::fs::write(tmp.path().join("libggml-cpu-x64.so"), b"").expect("write");
        let unknown = load(&[tmp.path().to_path_buf()], Some("haswell")).expect_err("unknown");
        assert!(
            unknown.starts_with("EMBER_CPU_VARIANT=haswell is not a CPU variant in "),
            "{unknown}"
        );
        assert!(
            unknown.ends_with("(there: x64); unset it or pick one of those"),
            "{unknown}"
        );
    }
}
