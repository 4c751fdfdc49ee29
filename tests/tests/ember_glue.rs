//! Ember's operations glue, driven for real: `scripts/ember_dev_run.sh` and
//! `scripts/tmux_pane.sh` in a private tmux server (`tmux -L <unique>`,
//! killed on drop), `templates/tmux.conf` rendered as provision.sh would,
//! `scripts/provision.sh` against recording fakes of apk/adduser/rc-update/
//! cargo/curl/chown in a scratch `EMBER_ROOT`, shellcheck, hadolint and the
//! Makefile's Ember targets (`make -n`).
//!
//! The REPL is a stand-in shell script that follows ember-repl's contract
//! (banner, `> ` prompt, answers, `/status`, `/quit`, `hud`), so they stay
//! fast; `real_ember_repl_in_tmux` runs the real `target/debug/ember-repl`
//! with a tiny model it generates, through the same scripts.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::sleep;
use std::time::{Duration, Instant};

use e2e::rig::workspace_root;

const WAIT: Duration = Duration::from_secs(15);

/// True when `tool` runs; otherwise a loud skip, or a panic under `$CI`.
fn have(tool: &str, probe: &[&str]) -> bool {
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

fn write_exec(path: &Path, body: &str) {
    fs::write(path, body).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

/// The stand-in REPL: `hud` prints one line; otherwise a banner, `> ` per
/// line, `answer: …`, `/status`, `/quit`|`quit`|`exit` (0), `/crash` (7),
/// end of input (0).
const STANDIN: &str = r#"#!/bin/sh
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
struct Node {
    socket: String,
    dir: tempfile::TempDir,
    bin: PathBuf,
    conf: PathBuf,
    session: String,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl Node {
    /// Stand-in REPL as `EMBER_BIN`.
    fn new(tag: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("fake-ember-repl");
        write_exec(&bin, STANDIN);
        Self::with_bin(tag, dir, bin)
    }

    fn with_bin(tag: &str, dir: tempfile::TempDir, bin: PathBuf) -> Self {
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

    fn dev_run(&self, extra: &[(&str, &str)]) -> Output {
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

    fn start(&self) {
        let out = self.dev_run(&[]);
        assert!(
            out.status.success(),
            "ember_dev_run.sh: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn tmux(&self, args: &[&str]) -> String {
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

    fn target(&self, window: &str) -> String {
        format!("={}:{window}", self.session)
    }

    fn send(&self, window: &str, line: &str) {
        self.tmux(&["send-keys", "-t", &self.target(window), "-l", line]);
        self.tmux(&["send-keys", "-t", &self.target(window), "Enter"]);
    }

    fn capture(&self, window: &str) -> String {
        self.tmux(&["capture-pane", "-p", "-J", "-t", &self.target(window)])
    }

    /// Polls the pane until it shows `needle`.
    fn wait_for(&self, window: &str, needle: &str) -> String {
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

    fn window_count(&self) -> usize {
        self.tmux(&["list-windows", "-t", &format!("={}", self.session)])
            .lines()
            .count()
    }

    /// The status line as a client sees it: an outer tmux attaches a client
    /// to this server and we capture the outer pane.
    fn status_line(&self, needle: &str) -> String {
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

#[test]
fn dev_run_starts_one_session_running_the_repl() {
    if !have("tmux", &["-V"]) {
        return;
    }
    let node = Node::new("session");
    node.start();
    node.wait_for("0", "Ember stand-in");
    node.send("0", "hello ember");
    node.wait_for("0", "answer: hello ember");
    node.send("0", "/status");
    let repo = workspace_root();
    node.wait_for(
        "0",
        &format!("status: session={} repo={}", node.session, repo.display()),
    );
    // Re-running reuses the session instead of adding one.
    let again = node.dev_run(&[]);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("is running"));
    assert_eq!(node.tmux(&["list-sessions"]).lines().count(), 1);
    assert_eq!(node.window_count(), 1);
}

#[test]
fn new_windows_start_in_the_repl_and_skip_gives_a_shell() {
    if !have("tmux", &["-V"]) {
        return;
    }
    let node = Node::new("windows");
    node.start();
    node.wait_for("0", "Ember stand-in");

    node.tmux(&["new-window", "-t", &format!("={}:", node.session)]);
    node.wait_for("1", "Ember stand-in");
    node.send("1", "second window");
    node.wait_for("1", "answer: second window");

    node.tmux(&[
        "new-window",
        "-t",
        &format!("={}:", node.session),
        "-e",
        "EMBER_SKIP_AUTO_REPL=1",
    ]);
    node.send("2", "echo SHELL_$((40+2))");
    let screen = node.wait_for("2", "SHELL_42");
    assert!(
        !screen.contains("Ember stand-in"),
        "skip still started the REPL:\n{screen}"
    );

    // Split panes start in the REPL too.
    node.tmux(&["split-window", "-t", &node.target("1")]);
    let pane = format!("{}.1", node.target("1"));
    let start = Instant::now();
    while !node
        .tmux(&["capture-pane", "-p", "-t", &pane])
        .contains("Ember stand-in")
    {
        assert!(start.elapsed() < WAIT, "split pane has no REPL");
        sleep(Duration::from_millis(100));
    }

    // The key bindings for plain shells hand the switch over with -e.
    let keys = node.tmux(&["list-keys", "-T", "prefix"]);
    assert!(
        keys.lines()
            .any(|l| l.contains(" S ") && l.contains("new-window -e EMBER_SKIP_AUTO_REPL=1")),
        "prefix S binding missing:\n{keys}"
    );
    // Prefix is tmux's default Ctrl-b, as the README says.
    assert!(node.tmux(&["show-options", "-g", "prefix"]).contains("C-b"));
}

#[test]
fn leaving_the_repl_drops_to_a_shell_with_the_real_status() {
    if !have("tmux", &["-V"]) {
        return;
    }
    let node = Node::new("leave");
    node.start();
    node.wait_for("0", "Ember stand-in");
    node.send("0", "/crash");
    node.wait_for("0", "ember-repl exited with status 7");
    node.send("0", "echo AFTER_$((6*7))");
    node.wait_for("0", "AFTER_42");

    node.tmux(&["new-window", "-t", &format!("={}:", node.session)]);
    node.wait_for("1", "Ember stand-in");
    node.send("1", "/quit");
    node.wait_for("1", "ember-repl exited with status 0");

    node.tmux(&["new-window", "-t", &format!("={}:", node.session)]);
    node.wait_for("2", "> ");
    node.tmux(&["send-keys", "-t", &node.target("2"), "C-d"]);
    node.wait_for("2", "ember-repl exited with status 0");
    node.send("2", "echo CTRLD_OK");
    node.wait_for("2", "CTRLD_OK");
    assert_eq!(
        node.window_count(),
        3,
        "a pane closed instead of falling back to a shell"
    );
}

#[test]
fn status_line_is_the_hud() {
    if !have("tmux", &["-V"]) {
        return;
    }
    let node = Node::new("hud");
    node.start();
    node.wait_for("0", "Ember stand-in");
    assert_eq!(
        node.tmux(&["show-options", "-gv", "status-interval"])
            .trim(),
        "2"
    );
    let right = node.tmux(&["show-options", "-gv", "status-right"]);
    assert!(
        right.contains(&format!("#({} hud", node.bin.display())),
        "{right}"
    );
    let vault = node.dir.path().join("vault");
    let line = node.status_line("healthy");
    assert!(
        line.contains(&format!(
            "EMBER {} | vault {} ok | model stub.gguf | healthy",
            node.session,
            vault.display()
        )),
        "{line}"
    );
    // tmux adds the date and time after the HUD.
    let year = Command::new("date").arg("+%Y").output().unwrap();
    assert!(
        line.contains(String::from_utf8_lossy(&year.stdout).trim()),
        "{line}"
    );
}

#[test]
fn binary_lookup_order_and_errors() {
    if !have("tmux", &["-V"]) {
        return;
    }
    // No EMBER_BIN: APP_DIR's release build wins over this checkout's.
    let node = Node::new("lookup");
    let app = node.dir.path().join("app");
    fs::create_dir_all(app.join("target/release")).unwrap();
    write_exec(&app.join("target/release/ember-repl"), STANDIN);
    let out = node.dev_run(&[("EMBER_BIN", ""), ("APP_DIR", app.to_str().unwrap())]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    node.send("0", "/status");
    node.wait_for("0", &format!("repo={}", app.display()));

    // A bad EMBER_BIN is a clear error, before any tmux server starts.
    let bad = Node::new("badbin");
    let out = bad.dev_run(&[("EMBER_BIN", "/nonexistent/ember-repl")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("EMBER_BIN=/nonexistent/ember-repl"));

    // No tmux on PATH.
    let bin = node.dir.path().join("notmux");
    fs::create_dir_all(&bin).unwrap();
    for tool in ["bash", "dirname"] {
        let real = String::from_utf8(
            Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap();
        std::os::unix::fs::symlink(real.trim(), bin.join(tool)).unwrap();
    }
    let out = Command::new(bin.join("bash"))
        .arg(workspace_root().join("scripts/ember_dev_run.sh"))
        .env("PATH", &bin)
        .env("EMBER_NO_ATTACH", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("tmux is required"),
        "{out:?}"
    );
}

#[test]
fn real_ember_repl_in_tmux() {
    if !have("tmux", &["-V"]) {
        return;
    }
    // `cargo test --workspace` builds every binary before any test runs.
    let real = workspace_root().join("target/debug/ember-repl");
    assert!(
        real.is_file(),
        "{} is missing: run `cargo build -p ember-repl` (or `cargo test --workspace`) first",
        real.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("models/tiny.gguf");
    fs::create_dir_all(dir.path().join("models")).unwrap();
    let fixture = Command::new(&real)
        .arg("fixture")
        .arg(&model)
        .output()
        .unwrap();
    assert!(fixture.status.success(), "{fixture:?}");
    let vault = dir.path().join("vault");
    fs::create_dir_all(&vault).unwrap();
    let node = Node::with_bin("real", dir, real);
    let model = model.display().to_string();
    let vault = vault.display().to_string();
    let out = node.dev_run(&[
        ("LLAMA_CPP_MODEL", &model),
        ("VAULT_DIR", &vault),
        ("LLAMA_CPP_MAX_TOKENS", "8"),
        ("LLAMA_CPP_THREADS", "1"),
        ("LLAMA_CPP_CTX", "4096"),
        ("LLAMA_CPP_BATCH", "256"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    node.wait_for("0", "Ctrl-C cancels");
    // A natural-language prompt goes through real llama.cpp (random weights).
    node.send("0", "hello ember");
    node.wait_for("0", "model ready in");
    node.send("0", "/status");
    node.wait_for("0", "health");
    node.wait_for("0", "tiny.gguf");
    node.tmux(&["new-window", "-t", &format!("={}:", node.session)]);
    node.wait_for("1", "Ctrl-C cancels");
    node.send("0", "/quit");
    node.wait_for("0", "ember-repl exited with status 0");
    let line = node.status_line(&format!("EMBER {}", node.session));
    assert!(line.contains("vault") && line.contains("tiny"), "{line}");
}

// ── provision.sh ──────────────────────────────────────────

const FAKE: &str = r#"#!/bin/sh
printf '%s %s\n' "$(basename "$0")" "$*" >>"$FAKE_LOG"
case "$(basename "$0")" in
  adduser)
    for last; do :; done
    echo "$last:x:1000:1000::/home/$last:/bin/zsh" >>"$EMBER_ROOT/etc/passwd" ;;
  curl)
    while [ $# -gt 0 ]; do [ "$1" = -o ] && out="$2"; shift; done
    echo "fake gguf" >>"$out" ;;
esac
exit 0
"#;

struct Scratch {
    dir: tempfile::TempDir,
    fakes: PathBuf,
    log: PathBuf,
    root: PathBuf,
}

const INITTAB: &str = "::sysinit:/sbin/openrc sysinit\n\
tty1::respawn:/sbin/getty 38400 tty1\n\
tty2::respawn:/sbin/getty 38400 tty2\n\
::shutdown:/sbin/openrc shutdown\n";

impl Scratch {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let fakes = dir.path().join("fakes");
        let root = dir.path().join("root");
        fs::create_dir_all(&fakes).unwrap();
        fs::create_dir_all(root.join("etc")).unwrap();
        for tool in ["apk", "adduser", "rc-update", "cargo", "curl", "chown"] {
            write_exec(&fakes.join(tool), FAKE);
        }
        fs::write(
            root.join("etc/os-release"),
            "NAME=\"Alpine Linux\"\nID=alpine\n",
        )
        .unwrap();
        fs::write(root.join("etc/inittab"), INITTAB).unwrap();
        fs::write(root.join("etc/passwd"), "root:x:0:0:root:/root:/bin/ash\n").unwrap();
        let log = dir.path().join("calls.log");
        Scratch {
            dir,
            fakes,
            log,
            root,
        }
    }

    fn provision(&self, args: &[&str]) -> Output {
        let path = format!(
            "{}:{}",
            self.fakes.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let out = Command::new("sh")
            .arg(workspace_root().join("scripts/provision.sh"))
            .args(args)
            .env("PATH", path)
            .env("FAKE_LOG", &self.log)
            .env("EMBER_ROOT", &self.root)
            .env("EMBER_VAULT_DIR", "/srv/vault")
            .env("EMBER_MODEL_DIR", "/srv/models")
            .env(
                "EMBER_MODEL_URL",
                "https://models.invalid/tiny/tiny-q4.gguf?download=true",
            )
            .env("LLAMA_DIR", "/opt/llama")
            .env("APK_PRUNE", "nano openssh-server")
            .env("EMBER_SERVICE", "openrc")
            .env_remove("EMBER_USER")
            .env_remove("EMBER_SKIP_BUILD")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "provision.sh {args:?}:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn calls(&self) -> Vec<String> {
        fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn tree(&self) -> BTreeMap<PathBuf, (Vec<u8>, u32)> {
        fn walk(dir: &Path, base: &Path, out: &mut BTreeMap<PathBuf, (Vec<u8>, u32)>) {
            for entry in fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                let meta = fs::symlink_metadata(&path).unwrap();
                let rel = path.strip_prefix(base).unwrap().to_path_buf();
                if meta.is_dir() {
                    out.insert(rel.clone(), (Vec::new(), meta.permissions().mode()));
                    walk(&path, base, out);
                } else if meta.file_type().is_symlink() {
                    out.insert(
                        rel,
                        (
                            fs::read_link(&path)
                                .unwrap()
                                .into_os_string()
                                .into_encoded_bytes(),
                            0,
                        ),
                    );
                } else {
                    out.insert(rel, (fs::read(&path).unwrap(), meta.permissions().mode()));
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(&self.root, &self.root, &mut out);
        out
    }

    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }
}

#[test]
fn provision_renders_everything_into_ember_root() {
    let s = Scratch::new();
    s.provision(&[]);
    let repo = workspace_root();
    let repo = repo.to_str().unwrap();

    let tmux = s.read("home/ember/.tmux.conf");
    assert!(
        tmux.contains(&format!("default-command \"{repo}/scripts/tmux_pane.sh\"")),
        "{tmux}"
    );
    assert!(
        tmux.contains(&format!("#({repo}/target/release/ember-repl hud")),
        "{tmux}"
    );
    assert!(tmux.contains("default-shell \"/bin/zsh\""));
    let zshrc = s.read("home/ember/.zshrc");
    assert!(
        zshrc.contains("VAULT_DIR=\"${VAULT_DIR:-/srv/vault}\""),
        "{zshrc}"
    );
    assert!(
        zshrc.contains("LLAMA_CPP_MODEL=\"${LLAMA_CPP_MODEL:-/srv/models/tiny-q4.gguf}\""),
        "{zshrc}"
    );
    assert!(zshrc.contains("LLAMA_CPP_DIR=\"/opt/llama\""));
    assert!(zshrc.contains(&format!("EMBER_REPO_DIR=\"{repo}\"")));
    assert!(zshrc.contains("alias hud="));
    let zprofile = s.read("home/ember/.zprofile");
    assert!(zprofile.contains("EMBER_SKIP_AUTO_TMUX"));
    assert!(
        zprofile.contains(&format!("EMBER_REPO_DIR=\"{repo}\"")),
        "{zprofile}"
    );
    assert!(
        zprofile.contains("\"$EMBER_REPO_DIR/scripts/ember_dev_run.sh\""),
        "{zprofile}"
    );
    let service = s.read("etc/init.d/ember");
    assert!(service.starts_with("#!/sbin/openrc-run"));
    assert!(service.contains("ember_user=\"ember\""));
    let mode = fs::metadata(s.root.join("etc/init.d/ember"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o755);
    for rendered in [&tmux, &zshrc, &zprofile, &service] {
        assert!(!rendered.contains("{{"), "placeholder left:\n{rendered}");
    }

    let inittab = s.read("etc/inittab");
    assert_eq!(
        inittab,
        INITTAB.replace(
            "tty1::respawn:/sbin/getty 38400 tty1",
            "tty1::respawn:/sbin/agetty --autologin ember --noclear 38400 tty1 linux"
        )
    );
    assert_eq!(s.read("etc/inittab.ember.bak"), INITTAB);
    assert!(s.root.join("srv/vault").is_dir());
    assert_eq!(s.read("srv/models/tiny-q4.gguf"), "fake gguf\n");
    assert!(!s.root.join("srv/models/tiny-q4.gguf.part").exists());

    let calls = s.calls();
    let has = |prefix: &str| calls.iter().any(|c| c.starts_with(prefix));
    assert!(has("apk update"), "{calls:#?}");
    let add = calls
        .iter()
        .find(|c| c.starts_with("apk add"))
        .expect("apk add");
    for pkg in [
        "tmux",
        "zsh",
        "cargo",
        "rust",
        "cmake",
        "clang-dev",
        "build-base",
        "curl",
    ] {
        assert!(add.split(' ').any(|w| w == pkg), "{pkg} missing from {add}");
    }
    assert!(
        has("adduser -D -h /home/ember -s /bin/zsh ember"),
        "{calls:#?}"
    );
    assert!(has(&format!(
        "cargo build --release --locked -p ember-repl --manifest-path {repo}/Cargo.toml"
    )));
    let curl = calls.iter().find(|c| c.starts_with("curl")).expect("curl");
    assert!(
        curl.contains("-C -") && curl.contains(".gguf.part"),
        "{curl}"
    );
    assert!(has("rc-update add ember default"));
    assert!(has("apk del nano openssh-server"));
    assert!(
        !calls
            .iter()
            .any(|c| c.starts_with("chown") && c.trim_end().ends_with(repo)),
        "chowned the checkout under EMBER_ROOT: {calls:#?}"
    );
    assert_eq!(
        fs::read_link(s.root.join("usr/local/bin/ember-repl")).unwrap(),
        Path::new(repo).join("target/release/ember-repl")
    );
}

#[test]
fn provision_is_idempotent() {
    let s = Scratch::new();
    s.provision(&[]);
    let first = s.tree();
    let first_calls = s.calls().len();
    let mtime = |rel: &str| fs::metadata(s.root.join(rel)).unwrap().modified().unwrap();
    let zshrc_time = mtime("home/ember/.zshrc");
    let out = s.provision(&[]);
    assert_eq!(first, s.tree(), "second run changed files");
    assert_eq!(
        zshrc_time,
        mtime("home/ember/.zshrc"),
        "unchanged dotfile rewritten"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("tty1 autologin already configured"),
        "{stdout}"
    );
    assert!(stdout.contains("model present"), "{stdout}");
    let inittab = s.read("etc/inittab");
    assert_eq!(inittab.matches("--autologin ember").count(), 1);
    assert_eq!(inittab.matches("tty1::").count(), 1);
    let second: Vec<String> = s.calls()[first_calls..].to_vec();
    assert!(
        !second.iter().any(|c| c.starts_with("adduser")),
        "user created twice: {second:#?}"
    );
    assert!(
        !second.iter().any(|c| c.starts_with("curl")),
        "model downloaded twice: {second:#?}"
    );
    // Rebuilds go through cargo (incremental), never a clean.
    assert!(second
        .iter()
        .any(|c| c.starts_with("cargo build --release")));
    assert!(!s.calls().iter().any(|c| c.starts_with("cargo clean")));
}

#[test]
fn provision_resumes_a_partial_download() {
    let s = Scratch::new();
    fs::create_dir_all(s.root.join("srv/models")).unwrap();
    fs::write(s.root.join("srv/models/tiny-q4.gguf.part"), "half ").unwrap();
    s.provision(&[]);
    // The fake curl appends, as `curl -C -` does.
    assert_eq!(s.read("srv/models/tiny-q4.gguf"), "half fake gguf\n");
}

#[test]
fn provision_dry_run_changes_nothing() {
    let s = Scratch::new();
    let before = s.tree();
    let out = s.provision(&["--dry-run"]);
    assert_eq!(before, s.tree(), "--dry-run wrote files");
    assert!(
        s.calls().is_empty(),
        "--dry-run ran commands: {:#?}",
        s.calls()
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "[dry-run] apk add",
        "[dry-run] adduser",
        "[dry-run] cargo build",
        "[dry-run] curl",
        "[dry-run] edit",
        ".tmux.conf",
    ] {
        assert!(stdout.contains(expected), "{expected} not shown:\n{stdout}");
    }
    // And after a real run, a dry run still changes nothing.
    s.provision(&[]);
    let provisioned = s.tree();
    s.provision(&["-n"]);
    assert_eq!(provisioned, s.tree());
    let _ = &s.dir;
}

#[test]
fn provision_refuses_non_alpine() {
    let s = Scratch::new();
    fs::write(s.root.join("etc/os-release"), "ID=debian\n").unwrap();
    let out = Command::new("sh")
        .arg(workspace_root().join("scripts/provision.sh"))
        .env(
            "PATH",
            format!(
                "{}:{}",
                s.fakes.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("FAKE_LOG", &s.log)
        .env("EMBER_ROOT", &s.root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not Alpine"));
    assert!(s.calls().is_empty());
}

// ── Linters and the Makefile ──────────────────────────────

#[test]
fn shellcheck_every_script() {
    if !have("shellcheck", &["--version"]) {
        return;
    }
    let root = workspace_root();
    let run = |args: &[&str]| {
        let out = Command::new("sh")
            .current_dir(&root)
            .args(["-c", &format!("shellcheck {}", args.join(" "))])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "shellcheck {args:?}:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    };
    run(&["scripts/*.sh"]);
    run(&["-s", "sh", "scripts/provision.sh", "scripts/tmux_pane.sh"]);
    run(&["-s", "sh", "templates/zprofile", "templates/ember.openrc"]);
}

#[test]
fn hadolint_dockerfile() {
    if !have("hadolint", &["--version"]) {
        return;
    }
    let out = Command::new("hadolint")
        .current_dir(workspace_root())
        .arg("Dockerfile")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

fn make_n(args: &[&str]) -> String {
    let out = Command::new("make")
        .current_dir(workspace_root())
        .args(["-n", "--no-print-directory", "DOCKER=docker"])
        .args(args)
        .env_remove("MODEL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "make -n {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn makefile_ember_targets() {
    if !have("make", &["--version"]) {
        return;
    }
    let build = make_n(&["docker-build"]);
    assert!(
        build.contains("docker build -f Dockerfile -t ember-dev:latest ."),
        "{build}"
    );
    assert!(make_n(&["docker-rebuild"]).contains("docker build --no-cache"));
    let dev = make_n(&[
        "dev",
        "ENV_VARS=-e LLAMA_CPP_MODEL=/srv/ember/models/a.gguf",
    ]);
    assert!(dev.contains("docker run -d --rm --name ember-dev"), "{dev}");
    assert!(dev.contains(":/srv/ember\""), "{dev}");
    assert!(
        dev.contains("-e LLAMA_CPP_MODEL=/srv/ember/models/a.gguf"),
        "{dev}"
    );
    let repl = make_n(&[
        "repl",
        "MODEL=/srv/ember/models/b.gguf",
        "LLAMA_CPP_TIMEOUT=180",
        "LLAMA_CPP_THREADS=2",
    ]);
    assert!(repl.contains("exec -i"), "{repl}");
    assert!(
        repl.contains("-e 'LLAMA_CPP_MODEL=/srv/ember/models/b.gguf'"),
        "{repl}"
    );
    assert!(
        repl.contains("-e 'LLAMA_CPP_TIMEOUT=180'") && repl.contains("-e 'LLAMA_CPP_THREADS=2'"),
        "{repl}"
    );
    assert!(repl.contains("ember-dev ember-repl"), "{repl}");
    let local = make_n(&["repl-local", "MODEL=x.gguf"]);
    assert!(
        local.contains("LLAMA_CPP_MODEL=x.gguf target/release/ember-repl"),
        "{local}"
    );
}

/// The zshrc `tmux` wrapper turns `EMBER_SKIP_AUTO_REPL=1 tmux new-window`
/// into `tmux new-window -e EMBER_SKIP_AUTO_REPL=1`. zsh may be absent: the
/// function is plain sh plus `local`, so bash runs it.
#[test]
fn zshrc_tmux_wrapper_hands_over_skip() {
    let zshrc = fs::read_to_string(workspace_root().join("templates/zshrc")).unwrap();
    let start = zshrc.find("tmux() {").expect("tmux wrapper in zshrc");
    let end = start + zshrc[start..].find("\n}\n").expect("end of wrapper") + 3;
    let wrapper = &zshrc[start..end];
    let dir = tempfile::tempdir().unwrap();
    write_exec(
        &dir.path().join("tmux"),
        "#!/bin/sh\nprintf '%s|' \"$@\"; echo\n",
    );
    let run = |skip: Option<&str>, args: &str| {
        let mut cmd = Command::new("bash");
        cmd.args(["-c", &format!("{wrapper}\ntmux {args}")])
            .env("PATH", format!("{}:/usr/bin:/bin", dir.path().display()));
        match skip {
            Some(v) => cmd.env("EMBER_SKIP_AUTO_REPL", v),
            None => cmd.env_remove("EMBER_SKIP_AUTO_REPL"),
        };
        String::from_utf8(cmd.output().unwrap().stdout).unwrap()
    };
    assert_eq!(
        run(Some("1"), "new-window -n x").trim(),
        "new-window|-e|EMBER_SKIP_AUTO_REPL=1|-n|x|"
    );
    assert_eq!(
        run(Some("1"), "splitw -h").trim(),
        "splitw|-e|EMBER_SKIP_AUTO_REPL=1|-h|"
    );
    assert_eq!(run(None, "new-window").trim(), "new-window|");
    assert_eq!(run(Some("0"), "new-window").trim(), "new-window|");
    assert_eq!(run(Some("1"), "ls").trim(), "ls|");
}
