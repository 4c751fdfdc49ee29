//! Helpers shared by the PyYAML oracle tests.

use std::io::Write;
use std::process::{Command, Stdio};

/// Run `python3 -c script` with `input` on stdin and return its stdout;
/// the oracle script must succeed.
pub fn run_python(script: &str, input: String) -> Vec<u8> {
    let mut child = Command::new("python3")
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

/// Whether `python3` can import PyYAML, the oracle of these tests.
pub fn pyyaml_installed() -> bool {
    Command::new("python3")
        .args(["-c", "import yaml"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

pub mod emit_oracle;
pub mod fast_check;
pub mod load_oracle;
