//! The binary with stdin not a terminal: piped prompts, one per line.

mod common;

use common::{stderr, stdout, Scratch, BIN};
use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn startup_screen_then_commands_then_exit_message() {
    let s = Scratch::new();
    s.add_model("tiny.gguf");
    let o = s.pipe("/status\n/docs\n", &[]);
    assert!(o.status.success());
    let out = stdout(&o);
    let vault = s.root().join("vault");
    assert!(
        out.contains(&format!(
            "Vault dir : {} (ready)\nMode      : local\n",
            vault.display()
        )),
        "{out}"
    );
    for row in [
        "│ Model        tiny.gguf (LLAMA_CPP_MODEL_DIR)",
        "│ Max tokens   128",
        "│ Threads      1",
        "│ Docs cached  2",
    ] {
        assert!(out.contains(row), "{row}\n{out}");
    }
    assert!(
        out.contains("│ Commands     /help, /status, /model, /config, /history, /docs │"),
        "{out}"
    );
    assert!(out.contains("Type /help for Ember's commands;"), "{out}");
    assert!(out.contains("> /status\n[status]\n"), "{out}");
    assert!(out.contains("> /docs\n[docs] 2 of 3 files"), "{out}");
    assert!(out.ends_with("[Exiting Ember]\n"), "{out}");
    assert_eq!(stderr(&o), "");
    let hist = s.root().join("state");
    assert!(
        std::fs::read_dir(&hist).expect("state").next().is_none(),
        "snapshot removed on exit"
    );
}

#[test]
fn prompts_reach_llama_cpp_quietly() {
    let s = Scratch::new();
    s.add_model("tiny.gguf");
    let o = s.pipe(
        "hello [there] \u{1b}[2J\n/history\n",
        &[("LLAMA_CPP_MAX_TOKENS", "16")],
    );
    let out = stdout(&o);
    assert!(
        out.contains("> hello [there] \n[Ember] loading tiny.gguf"),
        "{out}"
    );
    assert!(out.contains("[Ember] model ready in "), "{out}");
    // Random weights never produce JSON: the text is shown, with a note.
    assert!(
        out.contains("(the planner did not answer in JSON")
            || out.contains("(the model returned no text"),
        "{out}"
    );
    assert!(
        !out.contains('\u{1b}'),
        "no escape sequence reaches a pipe: {out:?}"
    );
    assert_eq!(stderr(&o), "", "llama.cpp's log stays quiet");

    let o = s.pipe(
        "hi\n",
        &[("LLAMA_CPP_MAX_TOKENS", "4"), ("EMBER_LOG_LEVEL", "debug")],
    );
    assert!(
        stderr(&o).contains("llama_model_loader"),
        "debug shows llama.cpp's log"
    );
    assert!(stdout(&o).contains("prompt tokens"), "and timing lines");
}

#[test]
fn bad_settings_warn_and_missing_models_explain() {
    let s = Scratch::new();
    let o = s.pipe(
        "hello\n/status\n",
        &[
            ("LLAMA_CPP_THREADS", "zero"),
            ("LLAMA_CPP_TIMEOUT", "soon"),
            ("LLAMA_CPP_MODEL", "/nope.gguf"),
        ],
    );
    assert!(o.status.success());
    let out = stdout(&o);
    assert!(out.contains("warning: LLAMA_CPP_THREADS=\"zero\" is not a whole number from 1 to 1024; using the default"), "{out}");
    assert!(out.contains("warning: LLAMA_CPP_TIMEOUT=\"soon\""), "{out}");
    assert!(
        out.contains("warning: LLAMA_CPP_MODEL=/nope.gguf does not exist; looking elsewhere"),
        "{out}"
    );
    assert!(
        out.contains("│ Model        none: place a .gguf under ./models or set LLAMA_CPP_MODEL"),
        "{out}"
    );
    assert!(out.contains("> hello\n[llama.cpp error] No model found. Place a .gguf under ./models or set LLAMA_CPP_MODEL.\n"), "{out}");
    assert!(
        out.contains("health   degraded: no model, last prompt failed"),
        "{out}"
    );
}

#[test]
fn a_corrupt_model_is_explained_and_the_session_goes_on() {
    let s = Scratch::new();
    let good = s.add_model("b.gguf");
    let bytes = std::fs::read(&good).expect("read");
    std::fs::write(s.root().join("models/a.gguf"), &bytes[..bytes.len() / 3]).expect("truncate");
    let o = s.pipe("hi\n/model use b\nhi\n", &[("LLAMA_CPP_MAX_TOKENS", "4")]);
    let out = stdout(&o);
    assert!(out.contains("[llama.cpp error] could not load "), "{out}");
    assert!(
        out.contains("a.gguf: ") && out.contains("pick another with /model use <name>."),
        "{out}"
    );
    assert!(out.contains("[model] switched to"), "{out}");
    assert!(out.contains("[Ember] model ready in"), "{out}");
    assert_eq!(stderr(&o), "");
}

#[test]
fn the_timeout_is_reported_with_its_advice() {
    let s = Scratch::new();
    s.add_model("tiny.gguf");
    let start = Instant::now();
    let o = s.pipe(
        "go\n",
        &[
            ("LLAMA_CPP_MAX_TOKENS", "1000000"),
            ("LLAMA_CPP_TIMEOUT", "0.3"),
            ("LLAMA_CPP_CTX", "32768"),
        ],
    );
    assert!(start.elapsed() < Duration::from_secs(20));
    let out = stdout(&o);
    assert!(out.contains("[llama.cpp error] llama timed out after 0.3 seconds – reduce LLAMA_CPP_MAX_TOKENS or LLAMA_CPP_TIMEOUT."), "{out}");
}

#[test]
fn hud_prints_one_line_fast_without_loading_a_model() {
    let s = Scratch::new();
    s.add_model("tiny.gguf");
    let run = || {
        let mut cmd = Command::new(BIN);
        cmd.arg("hud")
            .arg("--session")
            .arg("ops")
            .current_dir(s.root())
            .env_clear()
            .envs(s.env());
        let start = Instant::now();
        let o = cmd.output().expect("hud");
        (o, start.elapsed())
    };
    let (o, _) = run();
    let line = stdout(&o);
    assert_eq!(line.lines().count(), 1, "{line}");
    let want = format!(
        "EMBER ops | vault {} ready | model tiny.gguf | repl off\n",
        s.root().join("vault").display()
    );
    assert_eq!(line, want);
    let fastest = (0..5).map(|_| run().1).min().unwrap_or_default();
    // Generous for a debug build on a busy machine; the bench measures release.
    assert!(fastest < Duration::from_millis(100), "{fastest:?}");
}

/// `hud > /dev/full`: one error line and exit 1 (tmux shows nothing
/// either way, but a script checking the status learns of it).
#[test]
fn hud_into_a_full_disk_is_one_error_line() {
    let s = Scratch::new();
    let full = std::fs::File::options()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let o = Command::new(BIN)
        .arg("hud")
        .current_dir(s.root())
        .env_clear()
        .envs(s.env())
        .stdout(full)
        .output()
        .expect("hud");
    assert_eq!(
        stderr(&o),
        "ERROR: cannot write the report to stdout: No space left on device (os error 28)\n"
    );
    assert_eq!(o.status.code(), Some(1));
}

/// A piped batch whose reader goes away (`| head -1`) stops at the next
/// line, quietly, with 141 as a shell reports for a script killed by
/// SIGPIPE.
#[test]
fn piped_batch_into_a_closed_pipe_ends_quietly() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::Stdio;
    let s = Scratch::new();
    let mut child = Command::new(BIN)
        .current_dir(s.root())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(s.env())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = String::new();
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    out.read_line(&mut first).expect("first line");
    drop(out);
    // Stdin stays open: without the rule the REPL would wait for more.
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"/status\n/status\n").expect("stdin");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        assert!(Instant::now() < deadline, "the REPL kept reading");
        std::thread::sleep(Duration::from_millis(20));
    };
    drop(stdin);
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("stderr");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(status.code(), Some(141), "{err}");
}
