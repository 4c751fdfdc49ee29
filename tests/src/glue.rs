//! Harness for Ember's glue tests (`tests/tests/ember_glue_*.rs`): [`have`]
//! (a tool runs, or a loud skip), [`write_exec`], the stand-in REPL
//! [`STANDIN`], and [`Node`], a private tmux server (`tmux -L <unique>`,
//! killed on drop) with `templates/tmux.conf` rendered as provision.sh would,
//! started through `scripts/ember_dev_run.sh`.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

use crate::rig::workspace_root;

/// How long [`Node`] polls a pane or the status line before failing.
pub const WAIT: Duration = Duration::from_secs(60);

/// True when `tool` runs; otherwise a loud skip, or a panic under `$CI`.
pub fn have(tool: &str, probe: &[&str]) -> bool {
    let ok = Command::new(tool)
        .args(probe)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) && tool != "hadolint" {
            panic!("{tool} must be installed in CI");
        }
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED: {tool} not installed ***\n"
        );
    }
    ok
}

/// Writes `body` to `path`, executable (0755).
pub fn write_exec(path: &Path, body: &str) {
    fs::write(path, body).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

/// The stand-in REPL: `hud` prints one line; otherwise a banner, `> ` per
/// line, `answer: …`, `/status`, `/quit`|`quit`|`exit` (0), `/crash` (7),
/// end of input (0).
pub const STANDIN: &str = r#"#!/bin/sh
if [ "${1:-}" = hud ]; then
  echo "EMBER ${EMBER_SESSION:-none} | vault ${VAULT_DIR:-none} ok | model stub.gguf | healthy"
  exit 0
fi
echo "Ember stand-in"
while printf '> ' && IFS= read -r line; do
  case "$line" in
    /quit | quit | exit) exit 0 ;;
    /crash) exit 7 ;;
    /status) echo "status: session=${EMBER_SESSION:-none} repo=${EMBER_REPO_DIR:-none}" ;;
    *) echo "answer: $line" ;;
  esac
done
exit 0
"#;

/// A private tmux server plus a scratch folder; the server dies on drop.
pub struct Node {
    socket: String,
    pub dir: tempfile::TempDir,
    pub bin: PathBuf,
    conf: PathBuf,
    pub session: String,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl Node {
    /// Stand-in REPL as `EMBER_BIN`.
    pub fn new(tag: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("fake-ember-repl");
        write_exec(&bin, STANDIN);
        Self::with_bin(tag, dir, bin)
    }

    /// `bin` as `EMBER_BIN`; `dir` is the scratch folder (tmux.conf, vault,
    /// `TMUX_TMPDIR`, `HOME`).
    pub fn with_bin(tag: &str, dir: tempfile::TempDir, bin: PathBuf) -> Self {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let socket = format!("ember-glue-{}-{tag}-{n}", std::process::id());
        let conf = dir.path().join("tmux.conf");
        let vault = dir.path().join("vault");
        fs::create_dir_all(&vault).unwrap();
        let template = fs::read_to_string(workspace_root().join("templates/tmux.conf")).unwrap();
        let rendered = template
            .replace("{{REPO_DIR}}", workspace_root().to_str().unwrap())
            .replace("{{EMBER_BIN}}", bin.to_str().unwrap())
            .replace("{{VAULT_DIR}}", vault.to_str().unwrap())
            .replace("{{SHELL}}", "/bin/sh");
        assert!(
            !rendered.contains("{{"),
            "unrendered placeholder:\n{rendered}"
        );
        fs::write(&conf, rendered).unwrap();
        Node {
            socket,
            dir,
            bin,
            conf,
            session: format!("ember-{tag}"),
        }
    }

    /// Runs `scripts/ember_dev_run.sh` for this server without attaching;
    /// `extra` sets variables, an empty value removes one.
    pub fn dev_run(&self, extra: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(workspace_root().join("scripts/ember_dev_run.sh"));
        cmd.env_remove("TMUX")
            .env("TMUX_TMPDIR", self.dir.path())
            .env("HOME", self.dir.path())
            .env("SESSION", &self.session)
            .env("EMBER_TMUX_SOCKET", &self.socket)
            .env("EMBER_TMUX_CONF", &self.conf)
            .env("EMBER_BIN", &self.bin)
            .env("EMBER_NO_ATTACH", "1")
            .env_remove("EMBER_SKIP_AUTO_REPL")
            .env_remove("EMBER_PANE_SHELL");
        for (k, v) in extra {
            if v.is_empty() {
                cmd.env_remove(k);
            } else {
                cmd.env(k, v);
            }
        }
        cmd.output().unwrap()
    }

    /// [`Node::dev_run`] with no extra variables; it must succeed.
    pub fn start(&self) {
        let out = self.dev_run(&[]);
        assert!(
            out.status.success(),
            "ember_dev_run.sh: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `tmux <args>` on this server; it must succeed. Returns stdout.
    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .env_remove("TMUX")
            .env("TMUX_TMPDIR", self.dir.path())
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `=<session>:<window>`, an exact tmux target.
    pub fn target(&self, window: &str) -> String {
        format!("={}:{window}", self.session)
    }

    /// Types `line` into `window`, then Enter.
    pub fn send(&self, window: &str, line: &str) {
        self.tmux(&["send-keys", "-t", &self.target(window), "-l", line]);
        self.tmux(&["send-keys", "-t", &self.target(window), "Enter"]);
    }

    /// The pane's text, wrapped lines joined.
    pub fn capture(&self, window: &str) -> String {
        self.tmux(&["capture-pane", "-p", "-J", "-t", &self.target(window)])
    }

    /// Polls the pane until it shows `needle`.
    pub fn wait_for(&self, window: &str, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture(window);
            if screen.contains(needle) {
                return screen;
            }
            if start.elapsed() > WAIT {
                panic!("window {window} never showed {needle:?}; screen:\n{screen}");
            }
            sleep(Duration::from_millis(100));
        }
    }

    /// How many windows the session has.
    pub fn window_count(&self) -> usize {
        self.tmux(&["list-windows", "-t", &format!("={}", self.session)])
            .lines()
            .count()
    }

    /// The status line as a client sees it: an outer tmux attaches a client
    /// to this server and we capture the outer pane.
    pub fn status_line(&self, needle: &str) -> String {
        let outer = format!("{}-outer", self.socket);
        let _guard = Server(outer.clone(), self.dir.path().to_path_buf());
        let attach = format!("tmux -L {} attach -t ={}", self.socket, self.session);
        let run = |args: &[&str]| {
            Command::new("tmux")
                .env_remove("TMUX")
                .env("TMUX_TMPDIR", self.dir.path())
                .args(["-L", &outer, "-f", "/dev/null"])
                .args(args)
                .output()
                .unwrap()
        };
        let out = run(&[
            "new-session",
            "-d",
            "-x",
            "220",
            "-y",
            "12",
            "env",
            "-u",
            "TMUX",
            "sh",
            "-c",
            &attach,
        ]);
        assert!(
            out.status.success(),
            "outer tmux: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let start = Instant::now();
        loop {
            let screen = String::from_utf8_lossy(&run(&["capture-pane", "-p"]).stdout).into_owned();
            let last = screen
                .lines()
                .rfind(|l| !l.trim().is_empty())
                .unwrap_or("")
                .to_owned();
            if last.contains(needle) {
                return last;
            }
            if start.elapsed() > WAIT {
                panic!("status line never showed {needle:?}; screen:\n{screen}");
            }
            sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .env_remove("TMUX")
            .env("TMUX_TMPDIR", self.dir.path())
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

/// Kills a tmux server (socket name, TMUX_TMPDIR) on drop.
struct Server(String, PathBuf);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .env_remove("TMUX")
            .env("TMUX_TMPDIR", &self.1)
            .args(["-L", &self.0, "kill-server"])
            .output();
    }
}
