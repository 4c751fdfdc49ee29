//! The binary against what it must survive: models that crash llama.cpp,
//! FIFOs and devices where files should be, escape sequences in names,
//! unusable settings and folders, Ctrl-C during a piped batch, thousands of
//! models.

mod common;

use common::{stdout, Scratch, BIN};
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Writes a tiny model with the hidden `fixture` command and `args`.
fn model(s: &Scratch, name: &str, args: &[&str]) -> std::path::PathBuf {
    let p = s.root().join("models").join(name);
    let out = Command::new(BIN)
        .arg("fixture")
        .arg(&p)
        .args(args)
        .output()
        .expect("fixture");
    assert!(out.status.success(), "{out:?}");
    p
}

fn mkfifo(path: &std::path::Path) {
    let st = Command::new("mkfifo").arg(path).status().expect("mkfifo");
    assert!(st.success());
}

/// [`Scratch::pipe`] that fails the test instead of hanging it.
fn pipe_within(s: &Scratch, secs: u64, stdin: &str, extra: &[(&str, &str)]) -> Output {
    use std::io::Write;
    let mut cmd = Command::new(BIN);
    cmd.current_dir(s.root())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(s.env());
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.as_bytes()).expect("write");
    drop(input);
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!("ember-repl hung; it had printed:\n{}", stdout(&out));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

#[test]
fn a_model_that_aborts_llama_cpp_is_reported_then_skipped() {
    let s = Scratch::new();
    // Passes the header check; llama.cpp asserts on it and aborts.
    let bad = model(
        &s,
        "a-experts.gguf",
        &["--set", "llama.expert_count=100000"],
    );
    model(&s, "b.gguf", &[]);
    let o = pipe_within(&s, 120, "hi\nhi\n", &[("LLAMA_CPP_MAX_TOKENS", "4")]);
    assert!(o.status.success(), "{o:?}");
    let out = stdout(&o);
    let want = format!(
        "[llama.cpp error] could not load {}: llama.cpp crashed on it (signal 6): GGML_ASSERT(",
        bad.display()
    );
    assert!(out.contains(&want), "{out}");
    assert!(
        out.contains("Replace the file, or pick another with /model use <name>.\n"),
        "{out}"
    );
    assert!(out.contains("[Ember] loading b.gguf"), "{out}");
    assert!(out.contains("[Ember] model ready in"), "{out}");
    // The next session knows: the panel shows b.gguf, /model says why not a.
    let o = pipe_within(&s, 60, "/model\n", &[]);
    let out = stdout(&o);
    assert!(
        out.contains("│ Model        b.gguf (LLAMA_CPP_MODEL_DIR)"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "skipped: {} (llama.cpp crashed on it (signal 6)",
            bad.display()
        )),
        "{out}"
    );
}

#[test]
fn models_the_header_check_refuses_never_reach_llama_cpp() {
    let s = Scratch::new();
    for (name, args, why) in [
        (
            "a0.gguf",
            &["--set", "llama.block_count=0"][..],
            "says it has 0 layers",
        ),
        (
            "a1.gguf",
            &["--set", "llama.block_count=2147483648"][..],
            "says it has 2147483648 layers",
        ),
        (
            "a2.gguf",
            &["--duplicate-token"][..],
            "lists token 300 twice",
        ),
        (
            "a3.gguf",
            &["--tokenizer", "bert"][..],
            "pairs the \"bert\" tokenizer",
        ),
        (
            "a4.gguf",
            &["--tokenizer", "rwkv"][..],
            "pairs the \"rwkv\" tokenizer",
        ),
    ] {
        model(&s, name, args);
        let o = pipe_within(&s, 60, "hello\n", &[("LLAMA_CPP_MAX_TOKENS", "4")]);
        assert!(o.status.success(), "{name}: {o:?}");
        let out = stdout(&o);
        assert!(
            out.contains(&format!(
                "could not load {}",
                s.root().join("models").join(name).display()
            )),
            "{out}"
        );
        assert!(out.contains(why), "{name}: {out}");
        assert!(out.contains("Replace the file"), "{out}");
    }
    // Every bad one is remembered: the good one is loaded at once.
    model(&s, "b.gguf", &[]);
    let o = pipe_within(&s, 60, "hello\n", &[("LLAMA_CPP_MAX_TOKENS", "4")]);
    let out = stdout(&o);
    assert!(out.contains("[Ember] loading b.gguf"), "{out}");
    assert!(!out.contains("could not load"), "{out}");
}

#[test]
fn fifos_and_devices_never_hang_a_start_a_prompt_or_config() {
    let s = Scratch::new();
    model(&s, "tiny.gguf", &[]);
    std::fs::remove_file(s.root().join("home/README.md")).expect("rm");
    mkfifo(&s.root().join("home/README.md"));
    let fifo = s.root().join("prompt.fifo");
    mkfifo(&fifo);
    let fifo_model = s.root().join("fifo.gguf");
    mkfifo(&fifo_model);
    let o = pipe_within(
        &s,
        60,
        "hello\nhello\n/config\n/model use fifo.gguf\n",
        &[
            ("LLAMA_PROMPT_PATH", fifo.to_str().expect("utf8")),
            ("LLAMA_RESPONDER_PROMPT_PATH", "/dev/zero"),
            ("LLAMA_CPP_MODEL", fifo_model.to_str().expect("utf8")),
            ("LLAMA_CPP_MAX_TOKENS", "4"),
        ],
    );
    assert!(o.status.success(), "{o:?}");
    let out = stdout(&o);
    let readme = s.root().join("home/README.md");
    assert!(
        out.contains(&format!(
            "warning: doc {} is a FIFO, not a regular file; left out\n",
            readme.display()
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "warning: LLAMA_CPP_MODEL={} is a FIFO, not a regular file; looking elsewhere\n",
            fifo_model.display()
        )),
        "{out}"
    );
    let warning = format!(
        "warning: LLAMA_PROMPT_PATH={} is a FIFO, not a regular file; using the next template\n",
        fifo.display()
    );
    assert_eq!(
        out.matches(&warning).count(),
        1,
        "one warning for two prompts:\n{out}"
    );
    assert!(out.contains("[Ember] model ready in"), "{out}");
    assert!(
        out.contains("is a FIFO, not a regular file; using the next template"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "[model] not switching: {} is a FIFO, not a .gguf file.",
            s.root().join("fifo.gguf").display()
        )),
        "{out}"
    );
}

#[test]
fn escape_sequences_in_model_names_never_reach_the_terminal() {
    let s = Scratch::new();
    model(&s, "x\u{1b}]2;TITLE\u{7}y.gguf", &[]);
    model(&s, "red\u{1b}[41m\u{202e}.gguf", &[]);
    let o = pipe_within(&s, 60, "/model\n/status\n/model use xy.gguf\n", &[]);
    let out = stdout(&o);
    for bad in ['\u{1b}', '\u{7}', '\u{202e}'] {
        assert!(!out.contains(bad), "{bad:?} reached the terminal:\n{out}");
    }
    assert!(out.contains("red.gguf"), "{out}");
    assert!(out.contains("[model] switched to"), "{out}");
}

#[test]
fn a_context_above_the_models_is_capped_with_a_warning() {
    let s = Scratch::new();
    model(&s, "tiny.gguf", &[]);
    let o = pipe_within(
        &s,
        60,
        "hi\n",
        &[("LLAMA_CPP_CTX", "16777216"), ("LLAMA_CPP_MAX_TOKENS", "4")],
    );
    let out = stdout(&o);
    assert!(
        out.contains("warning: LLAMA_CPP_CTX=16777216 is more than the 4096 tokens this model was trained for; using 4096\n"),
        "{out}"
    );
    assert!(out.contains("[Ember] model ready in"), "{out}");
}

#[test]
fn an_unusable_state_folder_is_one_warning() {
    let s = Scratch::new();
    let file = s.root().join("not-a-folder");
    std::fs::write(&file, "").expect("write");
    let o = pipe_within(
        &s,
        30,
        "/status\n",
        &[("EMBER_STATE_DIR", file.to_str().expect("utf8"))],
    );
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().filter(|l| l.contains("state folder")).collect();
    assert_eq!(lines.len(), 1, "{out}");
    assert!(
        lines[0].starts_with(&format!(
            "warning: state folder {} cannot be created (",
            file.display()
        )) && lines[0].ends_with("); history and the HUD are off this session"),
        "{out}"
    );
}

#[test]
fn ctrl_c_stops_a_piped_batch() {
    let s = Scratch::new();
    model(&s, "tiny.gguf", &[]);
    let mut cmd = Command::new(BIN);
    cmd.current_dir(s.root())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(s.env())
        .env("LLAMA_CPP_MAX_TOKENS", "100000")
        .env("LLAMA_CPP_TIMEOUT", "120");
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    {
        use std::io::Write;
        let mut input = child.stdin.take().expect("stdin");
        input.write_all(b"one\ntwo\nthree\n").expect("write");
    }
    let mut out = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let start = Instant::now();
    while !String::from_utf8_lossy(&seen).contains("Ember> ") {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{}",
            String::from_utf8_lossy(&seen)
        );
        if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(100)) {
            seen.extend(chunk);
        }
    }
    let pid = i32::try_from(child.id()).expect("pid");
    // SAFETY: signalling our own child.
    unsafe {
        libc::kill(pid, libc::SIGINT);
    }
    let status = child.wait().expect("wait");
    while let Ok(chunk) = rx.recv_timeout(Duration::from_secs(5)) {
        seen.extend(chunk);
    }
    let text = String::from_utf8_lossy(&seen);
    assert_eq!(
        status.code(),
        Some(130),
        "{status:?} {:?}\n{text}",
        status.signal()
    );
    assert!(text.contains("[cancelled]"), "{text}");
    assert!(text.ends_with("[Exiting Ember] interrupted\n"), "{text}");
    assert!(!text.contains("> two"), "{text}");
}

#[test]
fn hud_is_fast_with_thousands_of_models_and_ignores_fifos() {
    let s = Scratch::new();
    let first = model(&s, "a-0000.gguf", &[]);
    for i in 1..3000 {
        std::fs::write(s.root().join(format!("models/m-{i:04}.gguf")), b"GGUF").expect("write");
    }
    std::os::unix::fs::symlink(&first, s.root().join("models/z-link.gguf")).expect("link");
    mkfifo(
        &s.root()
            .join(format!("state/hud-{}.state", std::process::id())),
    );
    let hud = || {
        let mut cmd = Command::new(BIN);
        cmd.arg("hud")
            .current_dir(s.root())
            .env_clear()
            .envs(s.env());
        let start = Instant::now();
        let out = cmd.output().expect("hud");
        (start.elapsed(), out)
    };
    let mut times = Vec::new();
    for _ in 0..11 {
        let (took, out) = hud();
        assert!(out.status.success());
        assert!(
            stdout(&out).contains("model a-0000.gguf | repl off"),
            "{}",
            stdout(&out)
        );
        times.push(took);
    }
    times.sort();
    let median = times[5];
    eprintln!("hud with 3000 models: median {median:?} (debug build, process start included)");
    // Generous for a debug build on a busy runner; the release figure is
    // in the README.
    assert!(median < Duration::from_millis(500), "{median:?}");
}
