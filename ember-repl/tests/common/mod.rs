//! Shared helpers: a scratch Ember setup (home, vault, models, state) and a
//! private tmux server to drive the REPL in a real terminal.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_ember-repl");

/// A scratch directory laid out like a node: home with docs, vault, models.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Scratch {
        let dir = tempfile::tempdir().expect("tmp");
        let root = dir.path();
        std::fs::create_dir_all(root.join("home/docs")).expect("mkdir");
        std::fs::write(root.join("home/README.md"), "Ember test home.").expect("write");
        std::fs::write(root.join("home/AGENTS.md"), "Agents.").expect("write");
        std::fs::create_dir_all(root.join("vault")).expect("mkdir");
        std::fs::create_dir_all(root.join("models")).expect("mkdir");
        std::fs::create_dir_all(root.join("state")).expect("mkdir");
        Scratch { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Writes the tiny random model with the binary's hidden `fixture` command.
    pub fn add_model(&self, name: &str) -> PathBuf {
        let p = self.root().join("models").join(name);
        let out = Command::new(BIN)
            .arg("fixture")
            .arg(&p)
            .output()
            .expect("run fixture");
        assert!(out.status.success(), "{out:?}");
        p
    }

    /// Environment for the REPL: everything points inside the scratch dir.
    pub fn env(&self) -> Vec<(String, String)> {
        let r = self.root();
        [
            ("EMBER_REPO_DIR", r.join("home")),
            ("VAULT_DIR", r.join("vault")),
            ("EMBER_STATE_DIR", r.join("state")),
            ("LLAMA_CPP_MODEL_DIR", r.join("models")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.display().to_string()))
        .chain([
            // The tiny model's vocabulary tokenizes the docs into many tokens.
            ("LLAMA_CPP_CTX".to_string(), "4096".to_string()),
            ("LLAMA_CPP_BATCH".to_string(), "256".to_string()),
            // One thread: ggml's spinning barrier crawls on a busy 2-core runner.
            ("LLAMA_CPP_THREADS".to_string(), "1".to_string()),
            ("HOME".to_string(), r.display().to_string()),
            ("TERM".to_string(), "xterm-256color".to_string()),
        ])
        // The portable build's shared libraries, where cargo put them.
        .chain(std::env::var("LD_LIBRARY_PATH").map(|v| ("LD_LIBRARY_PATH".to_string(), v)))
        .collect()
    }

    /// Runs the REPL with `stdin` piped; `extra` env wins over the defaults.
    pub fn pipe(&self, stdin: &str, extra: &[(&str, &str)]) -> Output {
        use std::io::Write;
        let mut cmd = Command::new(BIN);
        cmd.current_dir(self.root())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default());
        cmd.envs(self.env());
        for (k, v) in extra {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write stdin");
        child.wait_with_output().expect("wait")
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn have_tmux() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A tmux server of our own (its own socket), killed on drop.
pub struct Tmux {
    socket: String,
}

static SERVERS: AtomicU32 = AtomicU32::new(0);

impl Tmux {
    /// Starts the REPL in a new 120x40 session; `extra` env wins.
    pub fn start(s: &Scratch, extra: &[(&str, &str)]) -> Tmux {
        let n = SERVERS.fetch_add(1, Ordering::SeqCst);
        let t = Tmux {
            socket: format!("ember-test-{}-{n}", std::process::id()),
        };
        let mut env: Vec<(String, String)> = s.env();
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let exports: String = env.iter().map(|(k, v)| format!("{k}='{v}' ")).collect();
        let cmd = format!("cd '{}' && env {exports}'{BIN}'", s.root().display());
        let ok = t.tmux(&[
            "new-session",
            "-d",
            "-s",
            "ember",
            "-x",
            "120",
            "-y",
            "40",
            &cmd,
        ]);
        assert!(ok.status.success(), "{ok:?}");
        // Keep the pane after the REPL exits so its last screen can be read.
        t.tmux(&["set-option", "-t", "ember", "remain-on-exit", "on"]);
        t
    }

    pub fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .arg("-f")
            .arg("/dev/null")
            .args(args)
            .output()
            .expect("tmux")
    }

    /// Types literal text (no Enter).
    pub fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "ember", "-l", text]);
    }

    /// Sends key names (`Enter`, `C-c`, `Tab`, `Up`).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "ember"];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Types `text` and Enter at a fresh prompt. Keys sent before the editor
    /// is back in raw mode are cooked by the terminal: Enter then arrives as
    /// Ctrl-J, which the editor takes as a newline inside the line.
    pub fn line(&self, text: &str) {
        self.wait_for("a fresh prompt", 60, |s| {
            s.lines().rfind(|l| !l.trim().is_empty()).map(str::trim) == Some(">")
        });
        self.type_text(text);
        self.keys(&["Enter"]);
    }

    pub fn screen(&self) -> String {
        stdout(&self.tmux(&["capture-pane", "-p", "-t", "ember"]))
    }

    /// Waits until the screen satisfies `pred`; panics with the screen after
    /// `secs`, but never less than 60 s: a loaded 2-core machine can be that
    /// slow, and a passing wait returns as soon as the screen shows it.
    pub fn wait_for(&self, what: &str, secs: u64, pred: impl Fn(&str) -> bool) -> String {
        let secs = secs.max(60);
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(secs),
                "timed out waiting for {what}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn wait_text(&self, text: &str, secs: u64) -> String {
        self.wait_for(text, secs, |s| s.contains(text))
    }

    /// Whether the REPL process has exited.
    pub fn dead(&self) -> bool {
        stdout(&self.tmux(&["display-message", "-p", "-t", "ember", "#{pane_dead}"])).trim() == "1"
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        // kill-server leaves the socket file behind: remove it too.
        let socket = stdout(&self.tmux(&["display-message", "-p", "#{socket_path}"]));
        self.tmux(&["kill-server"]);
        if !socket.trim().is_empty() {
            let _ = std::fs::remove_file(socket.trim());
        }
    }
}
