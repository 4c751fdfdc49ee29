//! The interactive REPL in a real terminal (a private tmux server): keys in,
//! screen out with `tmux capture-pane -p`.

mod common;

use common::{have_tmux, Scratch, Tmux, BIN};
use std::os::unix::fs::PermissionsExt;

macro_rules! need_tmux {
    () => {
        if !have_tmux() {
            eprintln!("tmux not installed: skipped");
            return;
        }
    };
}

#[test]
fn startup_completion_hint_and_quit() {
    need_tmux!();
    let s = Scratch::new();
    s.add_model("tiny.gguf");
    let t = Tmux::start(&s, &[]);
    let screen = t.wait_text("Ctrl-C cancels", 10);
    assert!(
        screen.contains("Ember · operator console") && screen.contains("╭─ Ember Runtime"),
        "{screen}"
    );
    t.wait_for("prompt", 5, |s| s.lines().any(|l| l == ">" || l == "> "));
    // Tab completes a unique prefix; the hint shows it beforehand.
    t.type_text("/sta");
    t.wait_text("> /status", 5);
    t.keys(&["Tab"]);
    t.keys(&["Enter"]);
    let screen = t.wait_text("health   ok", 5);
    assert!(screen.contains("[status]"), "{screen}");
    t.line("/quit");
    t.wait_text("[Goodbye]", 5);
    t.wait_for("exit", 5, |_| t.dead());
}

#[test]
fn ctrl_c_cancels_the_line_and_ctrl_l_clears() {
    need_tmux!();
    let s = Scratch::new();
    let t = Tmux::start(&s, &[]);
    t.wait_text("Ctrl-C cancels", 10);
    t.type_text("this line is abandoned");
    t.wait_text("abandoned", 5);
    t.keys(&["C-c"]);
    t.line("/help");
    let screen = t.wait_text("Keys: Tab completes", 5);
    assert!(
        !screen.contains("No model found"),
        "the abandoned line was not sent: {screen}"
    );
    assert!(!t.dead(), "Ctrl-C does not leave");
    t.keys(&["C-l"]);
    let screen = t.wait_for("clear", 5, |s| !s.contains("Keys: Tab"));
    assert!(screen.trim_start().starts_with('>'), "{screen}");
    t.keys(&["C-d"]);
    t.wait_text("[Exiting Ember]", 5);
    t.wait_for("exit", 5, |_| t.dead());
}

#[test]
fn ctrl_c_cancels_a_generation_and_the_hud_follows() {
    need_tmux!();
    let s = Scratch::new();
    s.add_model("tiny.gguf");
    let t = Tmux::start(
        &s,
        &[
            ("LLAMA_CPP_MAX_TOKENS", "1000000"),
            ("LLAMA_CPP_CTX", "65536"),
        ],
    );
    t.wait_text("Ctrl-C cancels", 10);
    t.line("tell me everything");
    // Random weights: the output may or may not stream; the status line shows either way.
    t.wait_for("generation", 20, |s| {
        s.contains("[Thinking]") || s.contains("Ember> ")
    });
    t.keys(&["C-c"]);
    t.wait_text("[cancelled]", 10);
    assert!(!t.dead());
    t.line("/status");
    let screen = t.wait_text("health   ok", 5);
    assert!(screen.contains("(loaded in"), "{screen}");

    let hud = std::process::Command::new(BIN)
        .args(["hud", "--session", "ops"])
        .env_clear()
        .envs(s.env())
        .output()
        .expect("hud");
    let line = String::from_utf8_lossy(&hud.stdout).into_owned();
    assert!(line.contains("| model tiny.gguf loaded | ok"), "{line}");
    t.line("exit");
    t.wait_text("[Goodbye]", 5);
}

#[test]
fn history_is_private_and_recalled_next_session() {
    need_tmux!();
    let s = Scratch::new();
    let t = Tmux::start(&s, &[]);
    t.wait_text("Ctrl-C cancels", 10);
    t.line("/docs");
    t.wait_text("[docs] 2 of 3", 5);
    t.line("quit");
    t.wait_for("exit", 5, |_| t.dead());
    drop(t);
    let file = s.root().join("state/history");
    let meta = std::fs::metadata(&file).expect("history file");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let text = std::fs::read_to_string(&file).expect("read");
    assert!(text.contains("/docs") && text.contains("quit"), "{text}");

    let t = Tmux::start(&s, &[]);
    t.wait_text("Ctrl-C cancels", 10);
    t.keys(&["Up", "Up"]);
    t.wait_for("recall", 5, |s| s.lines().any(|l| l.starts_with("> /docs")));
    t.keys(&["Enter"]);
    t.wait_text("[docs] 2 of 3", 5);
}

#[test]
fn a_model_dropped_in_while_running_is_used() {
    need_tmux!();
    let s = Scratch::new();
    let t = Tmux::start(&s, &[("LLAMA_CPP_MAX_TOKENS", "8")]);
    t.wait_text("Ctrl-C cancels", 10);
    t.line("hello");
    t.wait_text(
        "No model found. Place a .gguf under ./models or set LLAMA_CPP_MODEL.",
        10,
    );
    s.add_model("late.gguf");
    t.line("hello again");
    t.wait_text("[Ember] model ready in", 20);
    t.wait_for("answer", 20, |s| {
        s.contains("(the planner did not answer in JSON")
            || s.contains("(the model returned no text")
    });
}

#[test]
fn completion_never_writes_escape_sequences_from_model_names() {
    need_tmux!();
    let s = Scratch::new();
    let m = s.add_model("tiny.gguf");
    std::fs::rename(&m, s.root().join("models/x\u{1b}]2;TITLE\u{7}y.gguf")).expect("rename");
    let t = Tmux::start(&s, &[]);
    t.wait_text("Ctrl-C cancels", 10);
    let title =
        || common::stdout(&t.tmux(&["display-message", "-p", "-t", "ember", "#{pane_title}"]));
    let before = title();
    t.type_text("/model use x");
    t.keys(&["Tab"]);
    t.wait_text("> /model use xy.gguf", 5);
    t.keys(&["Enter"]);
    t.wait_text("[model] switched to", 5);
    assert_eq!(title(), before, "the pane was retitled");
    assert!(!title().contains("TITLE"));
}

#[test]
fn a_history_setting_pointing_elsewhere_is_refused_untouched() {
    need_tmux!();
    let s = Scratch::new();
    let notes = s.root().join("notes.txt");
    let text = "line \\ one\n".repeat(1500);
    std::fs::write(&notes, &text).expect("write");
    std::fs::set_permissions(&notes, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let link = s.root().join("history-link");
    std::os::unix::fs::symlink(&notes, &link).expect("link");
    let t = Tmux::start(&s, &[("EMBER_HISTORY_FILE", link.to_str().expect("utf8"))]);
    t.wait_text("history is not saved this session", 10);
    t.line("/docs");
    t.wait_text("[docs] 2 of 3", 5);
    t.line("quit");
    t.wait_for("exit", 5, |_| t.dead());
    assert_eq!(std::fs::read_to_string(&notes).expect("read"), text);
    let mode = std::fs::metadata(&notes)
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o644);
}
