//! The real-Incus test rig, seen from Rust.
//!
//! `scripts/incus-rig.sh setup` starts a throw-away Incus daemon with a `dir`
//! pool and a local busybox image. Tests call [`require`] first: it returns
//! `false` (after a loud skip message) when the rig is down, and panics
//! instead when `$CI` is set so CI can never silently skip. Each test then
//! works inside its own [`Project`], which deletes everything on drop.
//!
//! The rig's two other modes are reached through Incus remotes:
//! [`REMOTE`] (a second daemon over HTTPS on loopback) and [`CLUSTER`] (a
//! three-member cluster); [`require_mode`] checks them the same way, and
//! [`Project::on`] makes a project there.

use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The remote `scripts/incus-rig.sh remote` registers.
pub const REMOTE: &str = "rig-remote";
/// The remote `scripts/incus-rig.sh cluster` registers, and its members.
pub const CLUSTER: &str = "rig-cluster";
pub const MEMBERS: [&str; 3] = ["rig1", "rig2", "rig3"];

/// Incus limits project names to 63 characters.
const MAX_PROJECT_NAME: usize = 63;

/// Workspace root: the parent of this crate's manifest directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent directory")
        .to_path_buf()
}

/// The rig script, `scripts/incus-rig.sh`.
pub fn script() -> PathBuf {
    workspace_root().join("scripts/incus-rig.sh")
}

/// Image alias the rig imports (`RIG_IMAGE_ALIAS`, default `rig-busybox`).
pub fn image_alias() -> String {
    std::env::var("RIG_IMAGE_ALIAS")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "rig-busybox".to_owned())
}

/// True when the rig is ready. When it is not: panics under CI (`$CI` set and
/// non-empty), otherwise prints a loud skip message and returns false.
pub fn require() -> bool {
    ready(&["status"], "setup")
}

/// [`require`] for the `remote` or `cluster` mode of the rig.
pub fn require_mode(mode: &str) -> bool {
    ready(&[mode, "status"], mode)
}

/// Runs `incus-rig.sh <args>`; `setup` names the command that brings it up.
fn ready(args: &[&str], setup: &str) -> bool {
    let ready = rig_script(args).is_ok_and(|out| out.status.success());
    if ready {
        return true;
    }
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!(
            "the real Incus rig must be set up in CI: run `scripts/incus-rig.sh {setup}` \
             before the tests"
        );
    }
    // Write to the stderr handle directly: libtest captures `eprintln!` of
    // passing tests, and a skip must be seen.
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED: real Incus rig not running — run scripts/incus-rig.sh {setup} (as root) ***\n"
    );
    false
}

/// Runs the rig script with `args`.
pub fn rig_script(args: &[&str]) -> std::io::Result<Output> {
    Command::new("bash").arg(script()).args(args).output()
}

/// Runs `incus` with `args` without judging the outcome.
pub fn incus_output<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    Command::new("incus")
        .args(&args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run incus {args:?}: {e}"))
}

/// Runs `incus` with `args` and returns its stdout; panics with stderr on failure.
pub fn incus<I, S>(args: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let out = incus_output(&args);
    if !out.status.success() {
        panic!(
            "incus {args:?} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
    }
    String::from_utf8(out.stdout).expect("incus prints UTF-8")
}

/// A project name from `prefix`, the pid and a counter: only `[a-z0-9-]`, at
/// most 63 characters, never empty or starting with `-`.
pub fn project_name(prefix: &str, pid: u32, n: usize) -> String {
    let suffix = format!("-{pid}-{n}");
    let mut clean: String = prefix
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                '-'
            }
        })
        .collect();
    clean = clean.trim_start_matches('-').to_owned();
    if clean.is_empty() {
        clean.push('t');
    }
    clean.truncate(MAX_PROJECT_NAME - suffix.len());
    clean + &suffix
}

/// An Incus project owned by one test, with images and profiles shared from
/// the default project. Dropping it force-deletes its instances and itself.
#[derive(Debug)]
pub struct Project {
    name: String,
    /// `remote:` for a project on a remote, empty on the local daemon.
    prefix: String,
}

impl Project {
    /// Creates a uniquely named project (`prefix-<pid>-<counter>`).
    pub fn new(prefix: &str) -> Self {
        Self::create(prefix, String::new())
    }

    /// [`Project::new`] on Incus remote `remote` (say [`REMOTE`] or [`CLUSTER`]).
    pub fn on(remote: &str, prefix: &str) -> Self {
        Self::create(prefix, format!("{remote}:"))
    }

    fn create(prefix: &str, remote: String) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = project_name(prefix, std::process::id(), n);
        incus([
            "project",
            "create",
            &format!("{remote}{name}"),
            "-c",
            "features.images=false",
            "-c",
            "features.profiles=false",
        ]);
        Project {
            name,
            prefix: remote,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// `instance` as incus wants it: `remote:instance` on a remote.
    pub fn at(&self, instance: &str) -> String {
        format!("{}{instance}", self.prefix)
    }

    /// Runs `incus <args> --project <name>` and returns stdout. Instance
    /// names in `args` must carry the remote ([`Project::at`]).
    pub fn incus(&self, args: &[&str]) -> String {
        incus(args.iter().copied().chain(["--project", &self.name]))
    }

    /// Creates `instance` from the rig image; starts it when `start`.
    pub fn launch(&self, instance: &str, start: bool) {
        self.launch_on(instance, start, None);
    }

    /// [`Project::launch`] on cluster member `target` when given.
    pub fn launch_on(&self, instance: &str, start: bool, target: Option<&str>) {
        let verb = if start { "launch" } else { "init" };
        let (image, at) = (self.at(&image_alias()), self.at(instance));
        let mut args = vec![verb, &image, &at, "--quiet"];
        if let Some(member) = target {
            args.extend(["--target", member]);
        }
        self.incus(&args);
    }

    /// Runs `cmd` inside `instance` and returns its stdout.
    pub fn exec(&self, instance: &str, cmd: &[&str]) -> String {
        let at = self.at(instance);
        let mut args = vec!["exec", &at, "--project", &self.name, "--"];
        args.extend_from_slice(cmd);
        incus(args)
    }

    /// Waits until the file `path` inside `instance` holds `want`, reading it
    /// with `incus file pull` (not `exec cat`, whose output a loaded daemon
    /// has been seen to drop); panics with the last content after 60 s.
    pub fn wait_file(&self, instance: &str, path: &str, want: &str) {
        let src = format!("{}{path}", self.at(instance));
        let start = std::time::Instant::now();
        loop {
            let out = incus_output(["file", "pull", &src, "-", "--project", &self.name]);
            let got = String::from_utf8_lossy(&out.stdout);
            if out.status.success() && got == want {
                return;
            }
            assert!(
                start.elapsed() < std::time::Duration::from_secs(60),
                "{src} never held {want:?}; last read: {got:?} {}",
                String::from_utf8_lossy(&out.stderr).trim_end()
            );
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    }

    /// Copies the host file `src` to `dest` (absolute path) inside `instance`.
    pub fn push_file(&self, instance: &str, src: &Path, dest: &str) {
        let src = src.to_str().expect("UTF-8 path");
        let dest = format!("{}{dest}", self.at(instance));
        self.incus(&["file", "push", "--quiet", src, &dest]);
    }

    /// Names of the project's instances.
    pub fn instances(&self) -> Vec<String> {
        let mut args = vec!["list", "--format", "csv", "--columns", "n"];
        args.extend(Some(self.prefix.as_str()).filter(|p| !p.is_empty()));
        self.incus(&args).lines().map(str::to_owned).collect()
    }

    /// Snapshot names of `instance`, sorted.
    pub fn snapshots(&self, instance: &str) -> Vec<String> {
        let mut names: Vec<String> = self
            .incus(&[
                "snapshot",
                "list",
                &self.at(instance),
                "-f",
                "csv",
                "-c",
                "n",
            ])
            .lines()
            .map(str::to_owned)
            .collect();
        names.sort();
        names
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        // No `incus project delete --force`: with features.profiles=false,
        // Incus 6.0 would empty the default project's profile (lxc/incus#2416).
        let (name, prefix) = (&self.name, &self.prefix);
        let mut list = vec!["list", "--project", name, "-f", "csv", "-c", "n"];
        list.extend(Some(prefix.as_str()).filter(|p| !p.is_empty()));
        let listed = incus_output(list);
        let names = String::from_utf8_lossy(&listed.stdout).into_owned();
        let mut failures = Vec::new();
        for instance in names.lines() {
            let at = self.at(instance);
            let out = incus_output(["delete", "--force", "--project", name, &at]);
            if !out.status.success() {
                failures.push(String::from_utf8_lossy(&out.stderr).into_owned());
            }
        }
        let out = incus_output(["project", "delete", &format!("{prefix}{name}")]);
        if !out.status.success() {
            failures.push(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        // Never panic in drop (it may run during an unwind); warn instead.
        if !failures.is_empty() {
            eprintln!(
                "warning: cleanup of Incus project {} failed: {}",
                self.name,
                failures.join("; ").trim_end()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::project_name;

    #[test]
    fn project_names_are_valid() {
        assert_eq!(project_name("snap", 42, 0), "snap-42-0");
        assert_eq!(project_name("My_Test.x", 1, 2), "my-test-x-1-2");
        assert_eq!(project_name("--", 1, 2), "t-1-2");
        let long = project_name(&"a".repeat(100), 4_294_967_295, 12345);
        assert_eq!(long.len(), 63);
        assert!(long.ends_with("-4294967295-12345"));
    }
}
