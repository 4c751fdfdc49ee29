//! The pinned Python oracles that tests and benches compare against.
//!
//! `scripts/dev-setup.sh` installs exact versions (PyYAML, ansible-core) into
//! a virtualenv: `.venv/` in the checkout, or `$ANKLUME_ORACLE_VENV`. A new
//! PyYAML release once changed merge keys (6.0.4), so an oracle of another
//! version would turn a correct loader red: tests talk only to the pinned
//! one. Where it is missing they fail under CI and skip loudly elsewhere.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The pins, read from the one file that holds them.
const REQUIREMENTS: &str = include_str!("../../scripts/oracle-requirements.txt");

/// The exact version pinned for `package` (as written in the requirements).
pub fn pinned(package: &str) -> Option<&'static str> {
    REQUIREMENTS.lines().find_map(|l| {
        let (name, version) = l.trim().split_once("==")?;
        name.eq_ignore_ascii_case(package).then_some(version)
    })
}

/// The oracle virtualenv's folder.
pub fn venv() -> PathBuf {
    match std::env::var_os("ANKLUME_ORACLE_VENV") {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv")),
    }
}

/// A Python interpreter whose PyYAML is exactly the pinned version: the
/// virtualenv's, else `python3` on PATH if it happens to match.
pub fn pyyaml_python() -> Result<PathBuf, String> {
    let want = pinned("PyYAML").unwrap_or("?");
    let mut seen = Vec::new();
    for python in [venv().join("bin/python3"), PathBuf::from("python3")] {
        let version = Command::new(&python)
            .args(["-c", "import yaml; print(yaml.__version__)"])
            .stderr(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
        match version {
            Some(v) if v == want => return Ok(python),
            Some(v) => seen.push(format!("{} has PyYAML {v}", python.display())),
            None => seen.push(format!("{} has no PyYAML", python.display())),
        }
    }
    Err(format!(
        "no Python with PyYAML {want} ({}); run scripts/dev-setup.sh",
        seen.join(", ")
    ))
}

/// `ansible-inventory` of the pinned ansible-core: the virtualenv's, else
/// the one on PATH if its version matches.
pub fn ansible_inventory() -> Result<PathBuf, String> {
    let want = pinned("ansible-core").unwrap_or("?");
    let mut seen = Vec::new();
    for bin in [
        venv().join("bin/ansible-inventory"),
        PathBuf::from("ansible-inventory"),
    ] {
        let first = Command::new(&bin)
            .arg("--version")
            .stderr(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .next()
                    .map(str::to_owned)
            });
        match first {
            // "ansible-inventory [core 2.18.12]"
            Some(l) if l.contains(&format!("[core {want}]")) => return Ok(bin),
            Some(l) => seen.push(format!("{}: {l}", bin.display())),
            None => seen.push(format!("{} not found", bin.display())),
        }
    }
    Err(format!(
        "no ansible-inventory of ansible-core {want} ({}); run scripts/dev-setup.sh",
        seen.join(", ")
    ))
}

/// The oracle, or `None` after a loud skip line; under CI a missing or
/// wrong-version oracle is a failure, never a skip.
pub fn or_skip(found: Result<PathBuf, String>) -> Option<PathBuf> {
    match found {
        Ok(p) => Some(p),
        Err(why) => {
            assert!(
                std::env::var_os("CI").is_none_or(|v| v.is_empty()),
                "oracle required in CI: {why}"
            );
            // Straight to the terminal: libtest captures `eprintln!` of
            // passing tests, and a skip must be seen.
            let _ = writeln!(std::io::stderr(), "\n*** SKIPPED: {why} ***\n");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn pins_are_exact() {
        assert_eq!(super::pinned("PyYAML"), Some("6.0.3"));
        assert_eq!(super::pinned("pyyaml"), Some("6.0.3"));
        assert!(super::pinned("ansible-core").is_some());
    }
}
