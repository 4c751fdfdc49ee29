//! The output rule (`shared::out`): a reader that closes the pipe ends
//! `snap` quietly with 141, a stdout that cannot be written is one
//! `ERROR:` line and exit 1. Against a fake `incus` on PATH.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A fake incus listing `n` instances. `snapshot list` waits (up to 60 s)
/// for the file `go`, so that the test can close the pipe first.
fn fake_bin(dir: &Path, n: usize) {
    let list: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"name":"vm{i}","project":"default","snapshots":[]}}"#))
        .collect();
    std::fs::write(dir.join("list.json"), format!("[{}]", list.join(","))).unwrap();
    let script = format!(
        "#!/bin/sh\ncase \"$1\" in\n\
         list) cat '{d}/list.json';;\n\
         snapshot) i=0; while [ ! -e '{d}/go' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done\n\
         echo '+------+'; echo '| NAME |';;\n\
         esac\nexit 0\n",
        d = dir.display()
    );
    let path = dir.join("incus");
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn snap(dir: &Path, args: &[&str]) -> Command {
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut c = Command::new(env!("CARGO_BIN_EXE_snap"));
    c.args(args)
        .env("PATH", path)
        .env("HOSTNAME", "host")
        .env_remove("ANKLUME_INCUS_REMOTE");
    c
}

/// `snap list | head -1` over many instances: no panic message (it was
/// `failed printing to stdout: Broken pipe`, exit 101), exit 141 as the
/// script's shell reports, and no `incus` call once the reader is gone.
#[test]
fn list_into_a_closed_pipe_ends_quietly() {
    let d = tempfile::tempdir().unwrap();
    fake_bin(d.path(), 500);
    let mut child = snap(d.path(), &["list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert_eq!(first, "=== vm0 (project: default) ===\n");
    drop(stdout);
    std::fs::write(d.path().join("go"), "").unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "snap list did not end");
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(stderr, "");
    assert_eq!(status.code(), Some(141));
}

/// `snap list > /dev/full`: one line, exit 1.
#[test]
fn list_into_a_full_disk_is_one_error_line() {
    let d = tempfile::tempdir().unwrap();
    fake_bin(d.path(), 3);
    std::fs::write(d.path().join("go"), "").unwrap();
    for args in [&["list"][..], &["list", "--json"], &["help"]] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = snap(d.path(), args).stdout(full).output().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "ERROR: cannot write the report to stdout: No space left on device (os error 28)\n",
            "{args:?}"
        );
        assert_eq!(out.status.code(), Some(1), "{args:?}");
    }
}
