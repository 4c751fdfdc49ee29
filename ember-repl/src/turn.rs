//! One natural-language prompt: plan, run the planned commands, answer.
//!
//! 1. The model is loaded if needed (lazily; retried after a failure).
//! 2. The planner prompt (docs, last 5 commands, command list, the prompt)
//!    yields `{"response", "commands"}`; its `response` streams as it comes.
//! 3. Registered commands run in-process; their output is shown, recorded in
//!    the history and collected. Unknown or operator-only commands are
//!    reported and skipped.
//! 4. If any command ran, the responder prompt writes the final answer from
//!    those outputs, streamed token by token. Otherwise the planner's
//!    response is the answer.

use crate::backend::{BackendError, Completion, Stop};
use crate::commands::{self, Vetted};
use crate::docs;
use crate::planner::{self, Format, ResponseStream};
use crate::prompts::{self, Kind};
use crate::render::{Style, Ui};
use crate::runtime::{By, Runtime, PLANNER_HISTORY};
use std::sync::atomic::Ordering;

/// Command output beyond this is cut in prompts (it is shown in full).
const MAX_OUTPUT_IN_PROMPT: usize = 1500;

/// Answers one prompt, printing as it goes.
pub fn run(rt: &mut Runtime, ui: &mut Ui, prompt: &str) {
    rt.cancel.store(false, Ordering::SeqCst);
    if !load_model(rt, ui) {
        return;
    }
    let Some(plan) = plan(rt, ui, prompt) else {
        return;
    };
    let vetted = commands::vet_plan(&plan.commands);
    if vetted.is_empty() {
        finish(rt, None);
        return;
    }
    let mut chunks = Vec::new();
    let mut ran = 0;
    for v in vetted {
        match v {
            Vetted::Run { line, name, args } => {
                ui.line(Style::Label, &format!("[Action] {line}"));
                let output = commands::run(rt, name, &args);
                ui.line(Style::Plain, &output);
                rt.record(&line, &output, By::Planner);
                chunks.push(format!("{line}\n{}", cut(&output, MAX_OUTPUT_IN_PROMPT)));
                ran += 1;
            }
            Vetted::Refuse { line, reason } => {
                ui.line(Style::Warn, &format!("[Planner] skipped {line}: {reason}"));
                chunks.push(format!("{line}\n(not run: {reason})"));
            }
        }
    }
    if ran == 0 {
        finish(rt, None);
        return;
    }
    respond(rt, ui, prompt, &chunks.join("\n\n"));
}

/// Loads the model if needed; false (after reporting) when there is none.
fn load_model(rt: &mut Runtime, ui: &mut Ui) -> bool {
    let mut announced = false;
    let result = rt.ensure_model(&mut |choice| {
        let name = choice.path.file_name().map_or_else(
            || choice.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        ui.line(
            Style::Dim,
            &format!("[Ember] loading {name} (from {}) …", choice.origin),
        );
        announced = true;
    });
    match result {
        Ok(loaded) => {
            if loaded || announced {
                if let Some(m) = rt.backend.model() {
                    for note in &m.notes {
                        ui.line(Style::Warn, &format!("warning: {note}"));
                    }
                    let line = format!(
                        "[Ember] model ready in {} ({})",
                        crate::backend::llama::seconds(m.load_time),
                        m.description
                    );
                    ui.line(Style::Dim, &line);
                }
                rt.publish("loaded");
            }
            true
        }
        Err(e) => {
            report(rt, ui, &e);
            false
        }
    }
}

fn plan(rt: &mut Runtime, ui: &mut Ui, prompt: &str) -> Option<planner::Plan> {
    let home = rt.home.dir.clone();
    let template = prompts::load(
        Kind::Planner,
        rt.settings.planner_prompt.as_deref(),
        home.as_deref(),
    );
    if let Some(w) = &template.warning {
        rt.warn_once(ui, w);
    }
    let command_list: Vec<String> = commands::COMMANDS
        .iter()
        .filter(|c| c.planner)
        .map(|c| format!("- /{}: {}", c.name, c.summary))
        .collect();
    let history = planner_history(rt);
    let documentation = docs::context_text(&rt.docs);
    let text = prompts::render(
        &template.text,
        &[
            ("commands", &command_list.join("\n")),
            ("documentation", &documentation),
            ("history", &history),
            ("user_prompt", prompt),
        ],
    );
    ui.status("[Thinking] planning …");
    let params = rt.gen_params();
    let mut stream = ResponseStream::default();
    let mut started = false;
    let result = rt.backend.complete(&text, &params, &mut |piece| {
        let new = stream.feed(piece);
        if !new.is_empty() {
            if !started {
                ui.answer_prefix();
                started = true;
            }
            ui.stream(Style::Plain, &new);
        }
    });
    ui.clear_status();
    if started {
        ui.raw("\n");
    }
    let completion = match result {
        Ok(c) => c,
        Err(e) => {
            report(rt, ui, &e);
            return None;
        }
    };
    let plan = planner::parse(&completion.text);
    if plan.response != stream.emitted().trim() && !plan.response.is_empty() {
        ui.answer_prefix();
        ui.line(Style::Plain, &plan.response);
    }
    match plan.format {
        Format::Text => ui.line(
            Style::Dim,
            "(the planner did not answer in JSON: shown as is, no commands run)",
        ),
        Format::Empty => ui.line(
            Style::Dim,
            "(the model returned no text; try rephrasing, or raise LLAMA_CPP_MAX_TOKENS)",
        ),
        Format::Json if plan.response.is_empty() && plan.commands.is_empty() => {
            ui.line(Style::Dim, "(the planner returned an empty plan)");
        }
        _ => {}
    }
    stats(rt, ui, &completion);
    Some(plan)
}

fn respond(rt: &mut Runtime, ui: &mut Ui, prompt: &str, tool_outputs: &str) {
    let home = rt.home.dir.clone();
    let template = prompts::load(
        Kind::Responder,
        rt.settings.responder_prompt.as_deref(),
        home.as_deref(),
    );
    if let Some(w) = &template.warning {
        rt.warn_once(ui, w);
    }
    let documentation = docs::context_text(&rt.docs);
    let text = prompts::render(
        &template.text,
        &[
            ("documentation", &documentation),
            ("tool_outputs", tool_outputs),
            ("user_prompt", prompt),
        ],
    );
    ui.status("[Thinking] answering …");
    let params = rt.gen_params();
    let mut started = false;
    let mut leading = true;
    let result = rt.backend.complete(&text, &params, &mut |piece| {
        // Models often open with blank lines; they would push the answer off its prefix.
        let piece = if leading { piece.trim_start() } else { piece };
        if piece.is_empty() {
            return;
        }
        leading = false;
        if !started {
            ui.answer_prefix();
            started = true;
        }
        ui.stream(Style::Plain, piece);
    });
    ui.clear_status();
    if started {
        ui.raw("\n");
    }
    match result {
        Ok(c) => {
            if c.text.trim().is_empty() {
                ui.answer_prefix();
                ui.line(Style::Dim, "(no response)");
            }
            stats(rt, ui, &c);
            finish(rt, None);
        }
        Err(e) => report(rt, ui, &e),
    }
}

/// The last commands for the planner, outputs cut to size.
fn planner_history(rt: &Runtime) -> String {
    let skip = rt.history.len().saturating_sub(PLANNER_HISTORY);
    let entries: Vec<String> = rt
        .history
        .iter()
        .skip(skip)
        .map(|h| {
            format!(
                "Command: {}\nOutput: {}",
                h.command,
                cut(&h.output, MAX_OUTPUT_IN_PROMPT)
            )
        })
        .collect();
    if entries.is_empty() {
        "No commands executed yet.".into()
    } else {
        entries.join("\n\n")
    }
}

fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{} …(cut)", &s[..i]),
        None => s.to_string(),
    }
}

/// Reports a failure; it is remembered for `/status` and the HUD.
fn report(rt: &mut Runtime, ui: &mut Ui, e: &BackendError) {
    let cancelled = matches!(
        e,
        BackendError::Cancelled { .. } | BackendError::LoadCancelled
    );
    match e {
        BackendError::Cancelled { .. } => ui.line(Style::Warn, "[cancelled]"),
        BackendError::LoadCancelled => ui.line(Style::Warn, &format!("[cancelled] {e}")),
        _ => ui.line(Style::Error, &format!("[llama.cpp error] {e}")),
    }
    finish(rt, (!cancelled).then(|| e.to_string()));
}

fn finish(rt: &mut Runtime, error: Option<String>) {
    rt.last_error = error;
    rt.publish(rt.model_state());
}

/// Says when an answer was cut, then token counts and speed at
/// `EMBER_LOG_LEVEL=info` or `debug`.
fn stats(rt: &Runtime, ui: &mut Ui, c: &Completion) {
    match c.stop {
        Stop::MaxTokens => ui.line(
            Style::Dim,
            &format!(
                "(cut at LLAMA_CPP_MAX_TOKENS={}; raise it for longer answers)",
                rt.settings.max_tokens.value
            ),
        ),
        Stop::ContextFull => ui.line(
            Style::Dim,
            "(cut: the context is full; raise LLAMA_CPP_CTX)",
        ),
        Stop::EndOfText => {}
    }
    if rt.settings.log_level.value > crate::config::LogLevel::Info {
        return;
    }
    let gen_secs = (c.total - c.first_token).as_secs_f64();
    let rate = if gen_secs > 0.0 && c.tokens > 1 {
        f64::from(c.tokens - 1) / gen_secs
    } else {
        0.0
    };
    ui.line(
        Style::Dim,
        &format!(
            "({} prompt tokens, {} evaluated; {} generated; first token {:.0} ms; {rate:.1} tokens/s; stop: {:?})",
            c.prompt_tokens,
            c.evaluated_tokens,
            c.tokens,
            c.first_token.as_secs_f64() * 1000.0,
            c.stop
        ),
    );
}

#[cfg(test)]
#[path = "turn_tests.rs"]
mod tests;
