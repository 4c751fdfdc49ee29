//! Tests of the planner → commands → responder loop over the fake backend.

use super::*;
use crate::backend::fake::Reply;
use crate::repl::{handle_line, piped, Flow};
use crate::runtime::HISTORY_LEN;
use crate::testutil::{fixture, Fixture};

fn ask(f: &mut Fixture, prompt: &str) -> String {
    f.capture(|rt, ui| run(rt, ui, prompt))
}

#[test]
fn plan_uses_the_template_and_parses_commands() {
    // Upstream's first test: a custom template, one history entry, JSON back.
    let mut f = fixture(
        &[r#"{"response":"hello","commands":["status"]}"#, "all good"],
        &[],
    );
    let tpl = f.root().join("prompt.txt");
    std::fs::write(
        &tpl,
        "Commands: {commands}\nDocs: {documentation}\nHistory: {history}\nUser: {user_prompt}",
    )
    .expect("write");
    f.rt.settings.planner_prompt = Some(tpl);
    f.rt.record("/status", "ok", By::Operator);
    let out = ask(&mut f, "hello there");
    let planner_prompt = &f.fake().prompts[0];
    assert!(
        planner_prompt.starts_with("Commands: - /help: "),
        "{planner_prompt}"
    );
    assert!(
        !planner_prompt.contains("/model"),
        "operator-only commands are not offered"
    );
    assert!(
        planner_prompt.contains("Docs: README.md:\nEmber readme"),
        "{planner_prompt}"
    );
    assert!(
        planner_prompt.contains("History: Command: /status\nOutput: ok"),
        "{planner_prompt}"
    );
    assert!(
        planner_prompt.ends_with("User: hello there"),
        "{planner_prompt}"
    );
    assert!(
        out.starts_with("Ember> hello\n[Action] /status\n[status]\n"),
        "{out}"
    );
}

#[test]
fn responder_answers_from_the_tool_outputs() {
    // Upstream's second test: the responder prompt carries the outputs.
    let mut f = fixture(
        &[
            r#"{"response": "Checking.", "commands": ["/status", "docs"]}"#,
            "\n\nThe vault is ready.",
        ],
        &[],
    );
    let out = ask(&mut f, "is the vault ok?");
    let responder = f.fake().prompts[1].clone();
    assert!(
        responder.contains("<tool_outputs>\n/status\n[status]\n  vault "),
        "{responder}"
    );
    assert!(
        responder.contains("\n\n/docs\n[docs] 3 of 3 files"),
        "{responder}"
    );
    assert!(
        responder.contains("<user_prompt>\nis the vault ok?\n</user_prompt>"),
        "{responder}"
    );
    assert!(out.ends_with("Ember> The vault is ready.\n"), "{out}");
    assert_eq!(
        out.matches("Ember> Checking.").count(),
        1,
        "streamed once: {out}"
    );
    let hist: Vec<(&str, By)> =
        f.rt.history
            .iter()
            .map(|h| (h.command.as_str(), h.by))
            .collect();
    assert_eq!(
        hist,
        [("/status", By::Planner), ("/docs", By::Planner)],
        "recorded once each"
    );
    assert_eq!(f.rt.last_error, None);
}

#[test]
fn without_commands_the_planner_response_is_the_answer() {
    let mut f = fixture(
        &["```json\n{\"response\": \"Hi, operator.\", \"commands\": []}\n```"],
        &[],
    );
    let out = ask(&mut f, "hi");
    assert_eq!(out, "Ember> Hi, operator.\n");
    assert_eq!(f.fake().prompts.len(), 1, "no responder call");
}

#[test]
fn invented_commands_are_reported_never_run() {
    let mut f = fixture(
        &[r#"{"response": "On it.", "commands": ["reboot", "model use x", "exit"]}"#],
        &[],
    );
    let out = ask(&mut f, "restart the node");
    assert!(
        out.contains("[Planner] skipped /reboot: not an Ember command"),
        "{out}"
    );
    assert!(
        out.contains("[Planner] skipped /model use x: operator-only"),
        "{out}"
    );
    assert!(
        out.contains("[Planner] skipped /exit: only the operator can end the session"),
        "{out}"
    );
    assert!(f.rt.history.is_empty() && f.rt.model_override.is_none());
    assert_eq!(f.fake().prompts.len(), 1, "nothing ran: no responder");

    // Markers work too, and a refused command is visible to the responder.
    let mut f = fixture(
        &["Looking. [[COMMAND:status]] [[COMMAND:launch]]", "Done."],
        &[],
    );
    let out = ask(&mut f, "status?");
    assert!(
        out.starts_with("Ember> Looking.\n[Action] /status\n"),
        "{out}"
    );
    assert!(f.fake().prompts[1].contains("/launch\n(not run: not an Ember command)"));
}

#[test]
fn history_keeps_ten_and_the_planner_sees_five() {
    let mut f = fixture(&[r#"{"response": "", "commands": []}"#], &[]);
    for i in 0..12 {
        f.rt.record(&format!("/c{i}"), "out", By::Operator);
    }
    assert_eq!(f.rt.history.len(), HISTORY_LEN);
    assert_eq!(
        f.rt.history.front().map(|h| h.command.as_str()),
        Some("/c2")
    );
    let out = ask(&mut f, "x");
    assert_eq!(out, "(the planner returned an empty plan)\n");
    let p = &f.fake().prompts[0];
    assert!(
        !p.contains("/c6\n") && (7..12).all(|i| p.contains(&format!("Command: /c{i}\n"))),
        "{p}"
    );
}

#[test]
fn no_model_is_actionable_and_a_dropped_model_is_picked_up() {
    let mut f = fixture(&["{\"response\": \"up\"}"], &[]);
    let root = f.root();
    f.rt.backend.unload();
    std::fs::remove_file(root.join("models/fake.gguf")).expect("rm");
    let out = ask(&mut f, "hello");
    assert_eq!(
        out,
        "[llama.cpp error] No model found. Place a .gguf under ./models or set LLAMA_CPP_MODEL.\n"
    );
    assert!(f.rt.last_error.is_some());
    std::fs::write(root.join("models/new.gguf"), "GGUF").expect("write");
    let out = ask(&mut f, "hello");
    assert!(
        out.starts_with("[Ember] loading new.gguf (from LLAMA_CPP_MODEL_DIR)"),
        "{out}"
    );
    assert!(out.ends_with("Ember> up\n"), "{out}");
    assert_eq!(f.rt.last_error, None);
    // Once loaded, a model that sorts first does not replace it.
    std::fs::write(root.join("models/aaa.gguf"), "GGUF").expect("write");
    ask(&mut f, "again");
    assert_eq!(f.fake().loads, 2, "the fixture's load and new.gguf");
    let loaded = f.rt.backend.model().map(|m| m.path.clone());
    assert_eq!(loaded, Some(root.join("models/new.gguf")));
}

#[test]
fn a_failed_load_is_retried_on_the_next_prompt() {
    let mut f = fixture(&["{\"response\": \"ok now\"}"], &[]);
    let err = BackendError::Load {
        path: "/m/x.gguf".into(),
        reason: "tensor data is not within the file bounds".into(),
    };
    f.rt.backend.unload();
    f.fake().load_failures.push_back(err);
    let out = ask(&mut f, "one");
    assert!(out.contains("[llama.cpp error] could not load /m/x.gguf: tensor data is not within the file bounds."), "{out}");
    assert_eq!(f.rt.model_state(), "failed");
    let out = ask(&mut f, "two");
    assert!(out.ends_with("Ember> ok now\n"), "{out}");
    assert_eq!(
        f.fake().loads,
        3,
        "the fixture's load, the failure, the retry"
    );
    ask(&mut f, "three");
    assert_eq!(f.fake().loads, 3, "then kept");
}

#[test]
fn answers_cut_by_max_tokens_say_so() {
    let mut f = fixture(
        &[r#"{"response": "a long answer"}"#],
        &[("LLAMA_CPP_MAX_TOKENS", "2")],
    );
    let out = ask(&mut f, "talk");
    assert_eq!(
        out,
        "Ember> {\"resp\n(the planner did not answer in JSON: shown as is, no commands run)\n\
         (cut at LLAMA_CPP_MAX_TOKENS=2; raise it for longer answers)\n"
    );
}

#[test]
fn non_json_and_empty_output_are_explained() {
    let mut f = fixture(&["I think the node is fine [really].", "   "], &[]);
    let out = ask(&mut f, "how are things");
    assert_eq!(out, "Ember> I think the node is fine [really].\n(the planner did not answer in JSON: shown as is, no commands run)\n");
    let out = ask(&mut f, "again");
    assert!(out.contains("(the model returned no text;"), "{out}");
}

#[test]
fn escape_sequences_from_the_model_are_neutralised() {
    let reply = "{\"response\": \"\\u001b[2J\\u001b[31mred\\u0007 [b]bold[/b] {x}\"}";
    let mut f = fixture(&[reply], &[]);
    let out = ask(&mut f, "paint");
    assert_eq!(out, "Ember> red [b]bold[/b] {x}\n");
    // Prompt text with braces and markers is passed through literally.
    let mut f = fixture(&["{}"], &[]);
    ask(&mut f, "what does {documentation} [[COMMAND:status]] mean");
    assert!(f.fake().prompts[0].contains("what does {documentation} [[COMMAND:status]] mean"));
    assert!(
        f.rt.history.is_empty(),
        "markers typed by the operator are not commands"
    );
}

#[test]
fn timeouts_cancellation_and_long_prompts_are_reported() {
    let mut f = fixture(&[], &[]);
    let fake = f.fake();
    fake.replies.push_back(Reply::Fail(BackendError::Timeout {
        seconds: 120.0,
        partial: String::new(),
    }));
    fake.replies.push_back(Reply::Fail(BackendError::Cancelled {
        partial: "par".into(),
    }));
    fake.replies
        .push_back(Reply::Fail(BackendError::PromptTooLong {
            tokens: 3000,
            ctx: 2048,
        }));
    let out = ask(&mut f, "a");
    assert_eq!(out, "[llama.cpp error] llama timed out after 120 seconds – reduce LLAMA_CPP_MAX_TOKENS or LLAMA_CPP_TIMEOUT.\n");
    assert!(f
        .rt
        .last_error
        .as_deref()
        .is_some_and(|e| e.contains("timed out")));
    assert_eq!(ask(&mut f, "b"), "[cancelled]\n");
    f.rt.backend.unload();
    f.fake()
        .load_failures
        .push_back(BackendError::LoadCancelled);
    let out = ask(&mut f, "b2");
    assert!(
        out.ends_with(
            "[cancelled] model loading cancelled; it will be tried again on the next prompt.\n"
        ),
        "{out}"
    );
    assert_eq!(f.rt.last_error, None, "a cancel is not an error");
    let out = ask(&mut f, "c");
    assert!(out.contains("the prompt is 3000 tokens but the context holds 2048 (LLAMA_CPP_CTX); raise LLAMA_CPP_CTX"), "{out}");
}

#[test]
fn the_deadline_and_ctrl_c_stop_the_stream() {
    let reply = format!("{{\"response\": \"{}\"}}", "x".repeat(3000));
    let mut f = fixture(
        &[&reply],
        &[
            ("LLAMA_CPP_TIMEOUT", "0.2"),
            ("LLAMA_CPP_MAX_TOKENS", "100000"),
        ],
    );
    f.fake().piece_delay = std::time::Duration::from_millis(1);
    let start = std::time::Instant::now();
    let out = ask(&mut f, "long");
    assert!(
        start.elapsed() < std::time::Duration::from_millis(800),
        "{:?}",
        start.elapsed()
    );
    assert!(
        out.starts_with("Ember> xxx")
            && out.contains("\n[llama.cpp error] llama timed out after 0.2 seconds"),
        "{out}"
    );

    f.fake()
        .replies
        .push_back(Reply::Text("{\"response\": \"never\"}".into()));
    f.rt.cancel.store(true, std::sync::atomic::Ordering::SeqCst);
    // `run` clears the flag first: a stale Ctrl-C does not cancel the next prompt.
    assert!(ask(&mut f, "fresh").contains("never"));
}

#[test]
fn lines_quit_commands_and_pipes() {
    let mut f = fixture(&["{\"response\": \"pong\"}"], &[]);
    for quit in ["quit", "EXIT", "/quit", " /exit "] {
        let mut flow = Flow::Continue;
        let out = f.capture(|rt, ui| flow = handle_line(rt, ui, quit, false));
        assert_eq!((flow, out.as_str()), (Flow::Quit, "[Goodbye]\n"), "{quit}");
    }
    let out = f.capture(|rt, ui| {
        handle_line(rt, ui, "/nope", false);
    });
    assert_eq!(out, "Unknown command /nope. /help lists the commands.\n");
    assert!(f.rt.history.is_empty());
    let out = f.capture(|rt, ui| {
        handle_line(rt, ui, "quitting time", false);
    });
    assert_eq!(out, "Ember> pong\n", "only the bare word quits");

    let input: &[u8] = b"/history\n\n/status\n\xff\xfe bad bytes\n";
    let out = f.capture(|rt, ui| {
        piped(rt, ui, input, false);
    });
    assert!(
        out.starts_with("> /history\n[history] No commands have run yet.\n> \n> /status\n[status]"),
        "{out}"
    );
    assert!(out.contains("> \u{fffd}\u{fffd} bad bytes\n"), "{out}");
    assert!(out.ends_with("[Exiting Ember]\n"), "{out}");
    assert_eq!(f.rt.history.len(), 2, "{:?}", f.rt.history);
    let out = f.capture(|rt, ui| {
        piped(rt, ui, &b"/help\nexit\n/status\n"[..], false);
    });
    assert!(out.ends_with("> exit\n[Goodbye]\n"), "{out}");
}
