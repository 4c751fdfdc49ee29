//! A hostile or unusual file system under the base dir (issue 14): links,
//! devices, FIFOs, permissions, a lost stdout, interruption, concurrent
//! runs. Each case says what upstream does; ours refuses before writing,
//! or converges.

mod common;

use common::{Project, BIN};
use std::collections::HashMap;
use std::fs;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const INFRA: &str = "\
project_name: m
global:
  base_subnet: \"10.100\"
domains:
  lab:
    subnet_id: 1
    machines:
      lab-a: {ip: 10.100.1.10, description: first}
";

fn command(p: &Project, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(&p.dir)
        .env("ANKLUME_SKIP_HOST_SUBNET_CHECK", "1")
        .env("ANKLUME_CONTEXT_DIR", &p.context)
        .env("ANKLUME_HOST_RESOURCES", "none")
        .env_remove("ANKLUME_GENERATE_NO_WAIT");
    cmd
}

fn mkfifo(p: &Path) {
    let ok = Command::new("mkfifo").arg(p).status();
    assert!(ok.is_ok_and(|s| s.success()), "mkfifo");
}

/// Every file of the tree but infra.yml, by path (dot files included).
fn files(root: &Path) -> HashMap<String, Vec<u8>> {
    let mut out = HashMap::new();
    for dir in ["inventory", "group_vars", "host_vars"] {
        let Ok(entries) = fs::read_dir(root.join(dir)) else {
            continue;
        };
        for e in entries {
            let e = e.unwrap();
            let rel = format!("{dir}/{}", e.file_name().to_string_lossy());
            out.insert(rel, fs::read(e.path()).unwrap());
        }
    }
    out
}

/// Case 1: upstream writes YAML into the device; as root, ours used to
/// replace /dev/null's link target with a regular file.
#[test]
fn a_link_to_a_device_is_refused() {
    let p = Project::with_infra(INFRA);
    fs::create_dir(p.path("host_vars")).unwrap();
    symlink("/dev/null", p.path("host_vars/lab-a.yml")).unwrap();
    let r = p.run(&["infra.yml"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        "ERROR: cannot read host_vars/lab-a.yml: it is a character device, not a regular file\n"
    );
    assert!(!p.exists("inventory"), "nothing written");
    use std::os::unix::fs::FileTypeExt;
    assert!(fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
}

/// Case 5: a FIFO hangs upstream; /dev/zero makes it run out of memory.
#[test]
fn fifos_and_endless_devices_are_errors_not_hangs() {
    let p = Project::with_infra(INFRA);
    fs::create_dir(p.path("host_vars")).unwrap();
    mkfifo(&p.path("host_vars/lab-a.yml"));
    let r = p.run(&["infra.yml"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            1,
            "ERROR: cannot read host_vars/lab-a.yml: it is a FIFO, not a regular file\n"
        )
    );
    fs::remove_file(p.path("host_vars/lab-a.yml")).unwrap();
    symlink("/dev/zero", p.path("host_vars/lab-a.yml")).unwrap();
    let r = p.run(&["infra.yml"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("character device"), "{}", r.stderr);
    // An orphan FIFO is neither read nor deleted.
    fs::remove_file(p.path("host_vars/lab-a.yml")).unwrap();
    mkfifo(&p.path("host_vars/gone.yml"));
    let r = p.run(&["--clean-orphans", "infra.yml"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("  Skipped (cannot tell whether it is protected: it is a FIFO, not a regular file): host_vars/gone.yml"), "{}", r.stdout);
    assert!(p.path("host_vars/gone.yml").exists());
}

/// Case 6: upstream exits 0 with its report lost.
#[test]
fn a_report_that_cannot_be_written_fails_the_run() {
    let p = Project::with_infra(INFRA);
    let full = fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = command(&p, &["--dry-run", "--diff", "infra.yml"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "ERROR: cannot write the report to stdout: No space left on device (os error 28)\n"
    );
    // A reader that goes away early is not an error worth a message.
    let mut child = command(&p, &["--dry-run", "--diff", "infra.yml"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// Case 7: upstream writes 4 files, then fails on the long name; with
/// host_vars a regular file it writes 3, then names the wrong path.
#[test]
fn a_failed_run_writes_nothing() {
    let long = "m".repeat(300);
    let p = Project::with_infra(&INFRA.replace("lab-a:", &format!("{long}:")));
    let r = p.run(&["infra.yml"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("name is 300 characters long"),
        "{}",
        r.stderr
    );
    assert!(!p.exists("inventory"));

    let p = Project::with_infra(INFRA);
    p.write("host_vars", "not a folder\n");
    let r = p.run(&["infra.yml"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        "ERROR: cannot write host_vars/lab-a.yml: ./host_vars is not a folder\n"
    );
    assert!(
        !p.exists("inventory") && !p.exists("group_vars"),
        "nothing written"
    );
}

/// Case 3, as an unprivileged user (dropped to nobody with setpriv):
/// upstream refuses a 0444 file and keeps a root-owned one's owner; ours
/// used to replace both (the root-owned one then belonged to the user).
#[test]
fn per_file_permissions_hold_for_an_unprivileged_user() {
    if euid() != 0 {
        eprintln!("SKIP per_file_permissions_hold_for_an_unprivileged_user: needs root");
        return;
    }
    let p = Project::with_infra(INFRA);
    p.generate();
    let open = |path: &Path, mode| fs::set_permissions(path, fs::Permissions::from_mode(mode));
    for dir in [p.dir.parent().unwrap(), &p.dir, &p.context] {
        open(dir, 0o755).unwrap();
    }
    for dir in ["inventory", "group_vars", "host_vars"] {
        open(&p.path(dir), 0o777).unwrap();
    }
    p.write("infra.yml", &INFRA.replace("first", "second"));
    open(&p.path("infra.yml"), 0o644).unwrap();
    // Root's and writable by all: rewritten, still root's.
    open(&p.path("host_vars/lab-a.yml"), 0o666).unwrap();
    open(&p.path("group_vars/lab.yml"), 0o666).unwrap();
    let setpriv = |args: &[&str]| {
        let cmd = command(&p, args);
        let env: Vec<_> = cmd
            .get_envs()
            .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned())))
            .collect();
        Command::new("setpriv")
            .args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "--",
                BIN,
            ])
            .args(args)
            .current_dir(&p.dir)
            .envs(env)
            .output()
            .unwrap()
    };
    let out = setpriv(&["infra.yml"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m = fs::metadata(p.path("host_vars/lab-a.yml")).unwrap();
    assert_eq!((m.uid(), m.mode() & 0o777), (0, 0o666));
    assert!(p.read("host_vars/lab-a.yml").contains("second"));
    // A read-only file: refused, left as it was.
    p.write("infra.yml", &INFRA.replace("first", "third"));
    open(&p.path("host_vars/lab-a.yml"), 0o444).unwrap();
    let out = setpriv(&["infra.yml"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "ERROR: cannot write host_vars/lab-a.yml: Permission denied (os error 13)\n"
    );
    assert!(p.read("host_vars/lab-a.yml").contains("second"));
}

/// This process's effective uid (the owner /proc gives its own entry).
fn euid() -> u32 {
    fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(u32::MAX)
}

/// Case 8: upstream has no lock; two `--clean-orphans` runs at once
/// deleted every inventory file in 19 of 30 tries.
#[test]
fn concurrent_runs_take_turns() {
    let p = Project::with_infra(INFRA);
    for _ in 0..10 {
        let a = command(&p, &["--clean-orphans", "infra.yml"]).output();
        let mut b = command(&p, &["--clean-orphans", "infra.yml"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        assert!(a.unwrap().status.success());
        assert!(b.wait().unwrap().success());
        assert!(p.read("inventory/lab.yml").contains("lab-a"));
        assert!(p.read("host_vars/lab-a.yml").contains("lab-a"));
    }
}

/// A second run waits for the first and says so; `--no-wait` (or
/// ANKLUME_GENERATE_NO_WAIT=1) fails at once instead.
#[test]
fn a_second_run_waits_or_fails_at_once() {
    let p = Project::with_infra(INFRA);
    let held = shared::lock::lock(&p.dir, shared::lock::Mode::Exclusive).unwrap();
    let r = p.run(&["--no-wait", "infra.yml"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        "ERROR: another generate run is using .; try again when it has finished \
         (without --no-wait, generate waits for it)\n"
    );
    let out = command(&p, &["infra.yml"])
        .env("ANKLUME_GENERATE_NO_WAIT", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let mut child = command(&p, &["infra.yml"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(
        line.starts_with("INFO: another generate run is using .; waiting"),
        "{line}"
    );
    assert!(!p.exists("inventory"), "still waiting");
    drop(held);
    assert!(child.wait().unwrap().success());
    assert!(p.exists("inventory/lab.yml"));
}

/// ~500 machines over 5 domains.
fn big_infra(tag: &str) -> String {
    let mut s = String::from("project_name: big\nglobal:\n  base_subnet: \"10.100\"\ndomains:\n");
    for d in 0..5 {
        s.push_str(&format!("  d{d}:\n    subnet_id: {d}\n    machines:\n"));
        for m in 0..100 {
            s.push_str(&format!(
                "      d{d}-m{m:03}: {{ip: 10.100.{d}.{}, description: {tag}}}\n",
                m + 10
            ));
        }
    }
    s
}

/// Case 4: kill -9 at any moment of a ~500-machine run leaves every file
/// old or new (never cut short or mixed); the next run converges and no
/// temp file survives.
#[test]
fn kill_9_leaves_each_file_old_or_new_and_a_rerun_converges() {
    let versions: Vec<HashMap<String, Vec<u8>>> = ["old", "new"]
        .iter()
        .map(|tag| {
            let p = Project::with_infra(&big_infra(tag));
            p.generate();
            files(&p.dir)
        })
        .collect();
    let p = Project::with_infra(&big_infra("old"));
    p.generate();
    let mut cut = 0;
    for i in 0..30u64 {
        p.write(
            "infra.yml",
            &big_infra(if i % 2 == 0 { "new" } else { "old" }),
        );
        let mut child = command(&p, &["infra.yml"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill points spread over the run (it takes tens of milliseconds).
        std::thread::sleep(Duration::from_millis(2 + i * 3));
        let _ = child.kill();
        let status = child.wait().unwrap();
        cut += usize::from(!status.success());
        for (rel, bytes) in files(&p.dir) {
            let name = rel.rsplit('/').next().unwrap();
            if name.starts_with('.') {
                continue; // a temp file caught between linkat and rename
            }
            assert!(
                versions.iter().any(|v| v.get(&rel) == Some(&bytes)),
                "{rel} is neither old nor new after kill {i}"
            );
        }
    }
    assert!(cut > 0, "no run was actually interrupted");
    p.write("infra.yml", &big_infra("new"));
    p.generate();
    assert_eq!(files(&p.dir), versions[1], "converged, no temp file left");
}
