//! Ember's tmux glue, driven for real: `scripts/ember_dev_run.sh` and
//! `scripts/tmux_pane.sh` in a private tmux server (`tmux -L <unique>`,
//! killed on drop), `templates/tmux.conf` rendered as provision.sh would
//! (the harness is `e2e::glue::Node`): one session, new windows and split
//! panes in the REPL, the skip variants, leaving the REPL, the HUD status
//! line, how the binary is found.
//!
//! The REPL is a stand-in shell script that follows ember-repl's contract
//! (banner, `> ` prompt, answers, `/status`, `/quit`, `hud`), so they stay
//! fast; `real_ember_repl_in_tmux` runs the real `target/debug/ember-repl`
//! with a tiny model it generates, through the same scripts.
//!
//! The rest of Ember's glue: `ember_glue_provision.rs` (provision.sh) and
//! `ember_glue_lint.rs` (shellcheck, hadolint, the Makefile, the zshrc wrapper).

use std::fs;
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

use e2e::glue::{have, write_exec, Node, STANDIN, WAIT};
use e2e::rig::workspace_root;

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
