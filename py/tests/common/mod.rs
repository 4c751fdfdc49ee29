//! Helpers shared by the PyYAML oracle tests.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Run the pinned oracle's `python -c script` with `input` on stdin and
/// return its stdout; the oracle script must succeed.
pub fn run_python(python: &Path, script: &str, input: String) -> Vec<u8> {
    let mut child = Command::new(python)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 starts");
    let mut stdin = child.stdin.take().expect("piped stdin");
    // Write from a thread: a large batch would otherwise fill the pipes both ways.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("python3 runs");
    writer
        .join()
        .expect("writer thread")
        .expect("stdin written");
    assert!(output.status.success(), "oracle script failed");
    output.stdout
}

/// The interpreter with the pinned PyYAML, or `None` after a loud skip
/// (a failure under CI).
pub fn pyyaml() -> Option<PathBuf> {
    py::oracle::or_skip(py::oracle::pyyaml_python())
}

pub mod emit_oracle;
pub mod fast_check;
pub mod load_oracle;
