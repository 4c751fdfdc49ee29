//! What keeps snapshots and `history` in step, on the real Incus rig: an
//! unreachable daemon or remote records and trims nothing, an unwritable
//! state folder stops a run before Incus is touched, runs killed with
//! SIGKILL or SIGTERM at any point leak nothing (the next run's `history`
//! equals the set of `pre-apply-*` snapshots Incus holds for the
//! inventory), and a rollback that skips an instance names it and fails.

use e2e::rig::{self, Project};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A project folder with inventory/ for `hosts`, and a state folder.
struct Tree {
    dir: tempfile::TempDir,
    path: String,
}

impl Tree {
    fn new(hosts: &[String]) -> Tree {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("inventory")).unwrap();
        let lines: String = hosts.iter().map(|h| format!("        {h}:\n")).collect();
        std::fs::write(
            dir.path().join("inventory/g.yml"),
            format!("all:\n  children:\n    g:\n      hosts:\n{lines}"),
        )
        .unwrap();
        // Without ansible-inventory: the YAML reader, ~1 s less per run.
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let incus = on_path("incus").expect("incus on PATH").join("incus");
        std::os::unix::fs::symlink(incus, bin.join("incus")).unwrap();
        let system = std::env::var_os("PATH").unwrap_or_default();
        let dirs = std::iter::once(bin).chain(
            std::env::split_paths(&system).filter(|d| !d.join("ansible-inventory").exists()),
        );
        let path = std::env::join_paths(dirs).unwrap().into_string().unwrap();
        Tree { dir, path }
    }

    fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_snapshot-apply"));
        c.args(args)
            .current_dir(self.dir.path())
            .env("PATH", &self.path)
            .env("ANKLUME_PRE_APPLY_STATE_DIR", self.state_dir())
            .env_remove("ANKLUME_INCUS_REMOTE")
            .env_remove("ANKLUME_SNAPSHOT_LOCK_TIMEOUT")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> Output {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?} failed:\n{}", both(&out));
        out
    }

    fn history_text(&self) -> String {
        std::fs::read_to_string(self.state_dir().join("history")).unwrap_or_default()
    }

    fn history(&self) -> Vec<String> {
        self.history_text().lines().map(str::to_owned).collect()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn both(out: &Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

/// stderr without the `NOTE:` lines (the no-Ansible fallback says itself).
fn errors(out: &Output) -> String {
    text(&out.stderr)
        .lines()
        .filter(|l| !l.starts_with("  NOTE: "))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find(|d| d.join(program).is_file())
}

fn wait_for(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < limit, "timed out: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The `pre-apply-*` snapshots Incus holds on `instances`, as a set.
fn held(p: &Project, instances: &[String]) -> BTreeSet<String> {
    instances
        .iter()
        .flat_map(|i| p.snapshots(i))
        .filter(|s| s.starts_with("pre-apply-"))
        .collect()
}

fn instances(p: &Project, n: usize) -> Vec<String> {
    let names: Vec<String> = (0..n).map(|i| format!("{}-{i}", p.name())).collect();
    for name in &names {
        p.launch(name, false);
    }
    names
}

#[test]
fn unreachable_daemon_or_remote_records_and_trims_nothing() {
    if !rig::require() {
        return;
    }
    let p = Project::new("e2e-sa-unreach");
    let names = instances(&p, 1);
    let tree = Tree::new(&names);
    tree.ok(&["create"]);
    tree.ok(&["create"]);
    let history = tree.history_text();
    let before = held(&p, &names);
    assert_eq!(before.len(), 2);

    // A socket path where no daemon listens: not one of the error texts
    // the old check knew, so it used to count as "refused" and cleanup
    // said `OK Deleted` and trimmed history.
    for args in [&["cleanup", "--keep", "0"][..], &["create"], &["rollback"]] {
        let out = tree
            .command(args)
            .env("INCUS_SOCKET", "/nonexistent/incus.socket")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", both(&out));
        let err = errors(&out);
        assert!(
            err.starts_with("  ERROR: cannot reach the Incus daemon: "),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(!text(&out.stdout).contains("OK"), "{args:?}");
        assert_eq!(tree.history_text(), history, "{args:?}");
    }
    assert_eq!(held(&p, &names), before);

    // A remote whose host does not resolve, inside a network namespace of
    // our own (no traffic leaves it).
    if !Command::new("unshare")
        .args(["-n", "true"])
        .status()
        .is_ok_and(|s| s.success())
    {
        eprintln!("*** SKIPPED (part): cannot create a network namespace (unshare -n) ***");
        return;
    }
    let conf = tree.dir.path().join("incus-conf");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(
        conf.join("config.yml"),
        "default-remote: local\nremotes:\n  gone:\n    addr: https://gone.invalid:8443\n    \
         protocol: incus\n    public: false\n  local:\n    addr: unix://\n    public: false\n",
    )
    .unwrap();
    let out = Command::new("incus")
        .args(["remote", "generate-certificate"])
        .env("INCUS_CONF", &conf)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", both(&out));
    let remote_state = tree.state_dir().join("remote-gone");
    std::fs::create_dir_all(&remote_state).unwrap();
    let old = "pre-apply-20250101-000001\npre-apply-20250101-000002\n";
    std::fs::write(remote_state.join("history"), old).unwrap();
    for args in [&["cleanup", "--keep", "0"][..], &["create"]] {
        let mut c = tree.command(args);
        let program = c.get_program().to_owned();
        let mut unshared = Command::new("unshare");
        unshared
            .arg("-n")
            .arg(program)
            .args(["--remote", "gone"])
            .args(args)
            .current_dir(tree.dir.path())
            .envs(c.get_envs().filter_map(|(k, v)| Some((k, v?))))
            .env("INCUS_CONF", &conf);
        let out = unshared.output().unwrap();
        c.env_clear();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", both(&out));
        let err = errors(&out);
        assert!(
            err.starts_with("  ERROR: cannot reach Incus remote 'gone': "),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        assert_eq!(
            std::fs::read_to_string(remote_state.join("history")).unwrap(),
            old
        );
    }
}

/// `sh -c` that makes every write of a non-empty file fail (as on a full
/// disk), then runs the tool.
fn with_no_room(tree: &Tree, args: &[&str]) -> Output {
    let c = tree.command(args);
    let mut sh = Command::new("sh");
    sh.args(["-c", "trap '' XFSZ; ulimit -f 0; exec \"$@\"", "sh"])
        .arg(c.get_program())
        .args(args)
        .current_dir(tree.dir.path())
        .envs(c.get_envs().filter_map(|(k, v)| Some((k, v?))));
    sh.output().unwrap()
}

#[test]
fn an_unwritable_state_folder_stops_before_incus_is_touched() {
    if !rig::require() {
        return;
    }
    let p = Project::new("e2e-sa-full");
    let names = instances(&p, 2);
    let tree = Tree::new(&names);

    let out = with_no_room(&tree, &["create"]);
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    let err = errors(&out);
    assert!(err.starts_with("  ERROR: cannot write "), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(held(&p, &names).is_empty(), "no snapshot without a record");

    tree.ok(&["create"]);
    tree.ok(&["create"]);
    let history = tree.history_text();
    let before = held(&p, &names);
    let out = with_no_room(&tree, &["cleanup", "--keep", "0"]);
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    assert!(
        errors(&out).starts_with("  ERROR: cannot write "),
        "{}",
        both(&out)
    );
    assert_eq!(held(&p, &names), before, "nothing deleted");
    assert_eq!(tree.history_text(), history);
}

/// Pids of `pid`'s children, from every thread's `children` file.
fn children_of(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("children")).ok())
        .flat_map(|s| {
            s.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

fn is_gone(pid: u32) -> bool {
    // Reparented children are reaped by init; a zombie counts as gone.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

/// Stop `child` with `signal` once `when` says so; returns the children
/// it had just before, and its exit.
fn stop(child: Child, signal: nix::sys::signal::Signal) -> (Vec<u32>, Output) {
    let pid = child.id();
    let kids = children_of(pid);
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), signal).unwrap();
    (kids, child.wait_with_output().unwrap())
}

#[test]
fn killed_runs_leak_nothing_and_the_next_run_converges() {
    if !rig::require() {
        return;
    }
    use nix::sys::signal::Signal;
    let p = Project::new("e2e-sa-kill");
    let names = instances(&p, 6);
    let tree = Tree::new(&names);
    let mark = |t: &Tree| t.history_text().contains(" in-progress\n");
    let mut leaked_children = Vec::new();
    let mut snapshots_seen = 0;
    for round in 0..8u64 {
        let child = tree.command(&["--jobs", "2", "create"]).spawn().unwrap();
        // Kill at different points: before or while the mark is written,
        // and while snapshots are being made.
        if round % 4 != 0 {
            wait_for("the in-progress mark", Duration::from_secs(60), || {
                mark(&tree)
            });
        }
        std::thread::sleep(Duration::from_millis(round * 170 % 900));
        let signal = if round % 3 == 2 {
            Signal::SIGTERM
        } else {
            Signal::SIGKILL
        };
        let (kids, out) = stop(child, signal);
        if signal == Signal::SIGTERM && out.status.code() == Some(143) {
            let err = text(&out.stderr);
            assert!(err.contains("  ERROR: interrupted after "), "{err}");
        }
        leaked_children.extend(kids);
        snapshots_seen = snapshots_seen.max(held(&p, &names).len());
    }
    // No incus child outlives the run that started it.
    for pid in &leaked_children {
        wait_for(
            &format!("child {pid} to stop"),
            Duration::from_secs(30),
            || is_gone(*pid),
        );
    }
    // The daemon may still finish an operation a killed client started.
    wait_for(
        "the daemon's operations to end",
        Duration::from_secs(120),
        || {
            p.incus(&["operation", "list", "--format", "csv"])
                .trim()
                .is_empty()
        },
    );

    let out = tree.ok(&["list"]);
    let history = tree.history();
    assert!(
        history.iter().all(|l| !l.ends_with(" in-progress")),
        "{}",
        both(&out)
    );
    let tracked: BTreeSet<String> = history.iter().cloned().collect();
    assert_eq!(tracked, held(&p, &names), "{}", both(&out));
    assert_eq!(tracked.len(), history.len(), "each name once");

    // And one more full run on top, then cleanup removes everything.
    tree.ok(&["create"]);
    let out = tree.ok(&["cleanup", "--keep", "0"]);
    assert!(held(&p, &names).is_empty(), "{}", both(&out));
    assert!(tree.history().is_empty(), "{}", both(&out));
    eprintln!(
        "kill loop: {} children stopped, up to {snapshots_seen} snapshot names at once",
        leaked_children.len()
    );
}

#[test]
fn a_rollback_that_skips_an_instance_names_it_and_fails() {
    if !rig::require() {
        return;
    }
    let p = Project::new("e2e-sa-skip");
    let names = instances(&p, 2);
    let tree = Tree::new(&names);
    tree.ok(&["create"]);
    // One instance is deleted and made again: same name, no snapshot.
    p.incus(&["delete", &names[1]]);
    p.launch(&names[1], false);

    let out = tree.run(&["rollback"]);
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    let err = text(&out.stderr);
    let snap = tree.history()[0].clone();
    assert!(
        err.contains(&format!(
            "  WARNING: {}: not restored: it has no snapshot {snap}\n",
            names[1]
        )),
        "{err}"
    );
    assert!(
        err.contains("  ERROR: only 1 of 2 instance(s) were rolled back (1 not restored, named above); if that is what you want, pass --allow-partial\n"),
        "{err}"
    );
    let out = tree.ok(&["rollback", "--allow-partial"]);
    assert!(text(&out.stdout).contains("  1 instance(s) restored, 1 skipped"));
}
