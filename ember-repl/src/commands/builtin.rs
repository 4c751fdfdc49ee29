//! The built-in slash commands. Each returns plain text: it is printed for
//! the operator and, when the planner asked for it, handed to the responder.

use crate::backend::llama::seconds;
use crate::docs::DOC_PATHS;
use crate::models::{self, human_size};
use crate::prompts::{self, Kind};
use crate::runtime::{By, Runtime};
use std::fmt::Write;

pub fn help(_rt: &mut Runtime, _args: &[&str]) -> String {
    let width = super::COMMANDS
        .iter()
        .map(|c| c.usage.len())
        .max()
        .unwrap_or(0)
        .max(17);
    let mut out = String::from("Commands:\n");
    for c in super::COMMANDS {
        let _ = writeln!(out, "  {:width$}  {}", c.usage, c.summary);
    }
    let _ = writeln!(out, "  {:width$}  leave (Ctrl-D too)", "quit, exit, /quit");
    out.push_str("Keys: Tab completes commands, Up/Down recall, Ctrl-C cancels the line or the answer, Ctrl-L clears.\n");
    out.push_str(
        "Anything else is a prompt for the model: it may run the commands above, then answers.",
    );
    out
}

/// One line about the model: what, whether loaded, or what to do.
fn model_line(rt: &Runtime) -> String {
    if let Some(m) = rt.backend.model() {
        return format!(
            "{} (loaded in {}; {}, {})",
            m.path.display(),
            seconds(m.load_time),
            human_size(m.size_bytes),
            m.description
        );
    }
    match rt.model_choice() {
        Some(c) => format!(
            "{} (from {}; loads on the next prompt)",
            c.path.display(),
            c.origin
        ),
        None => format!("none. {}", crate::backend::BackendError::NoModel),
    }
}

pub fn status(rt: &mut Runtime, _args: &[&str]) -> String {
    let s = &rt.settings;
    let names: Vec<&str> = rt.docs.iter().map(|d| d.source.as_str()).collect();
    let docs = if names.is_empty() {
        "0 cached".to_string()
    } else {
        format!("{} cached ({})", names.len(), names.join(", "))
    };
    let error = rt.last_error.clone().unwrap_or_else(|| "none".into());
    format!(
        "[status]\n  vault    {} ({})\n  mode     {}\n  model    {}\n  backend  {}, {} threads, context {}, max tokens {}\n  cpu      {}\n  docs     {docs}\n  error    {error}\n  health   {}",
        rt.vault_path().display(),
        rt.vault_state(),
        s.mode.value,
        model_line(rt),
        rt.backend.name(),
        s.threads.value,
        s.ctx.value,
        s.max_tokens.value,
        rt.backend.cpu_features(),
        rt.health()
    )
}

pub fn model(rt: &mut Runtime, args: &[&str]) -> String {
    match args {
        [] | ["list"] => model_list(rt),
        ["use" | "set", rest @ ..] if !rest.is_empty() => model_use(rt, &rest.join(" ")),
        _ => "[model] usage: /model (list) or /model use <name|path>".into(),
    }
}

fn model_list(rt: &Runtime) -> String {
    let discovery = rt.discovery();
    let active = rt
        .backend
        .model()
        .map(|m| m.path.clone())
        .or_else(|| rt.model_choice().map(|c| c.path));
    let mut out = String::from("[model] ");
    match (&active, rt.backend.model()) {
        (Some(p), Some(_)) => {
            let _ = writeln!(out, "active: {} (loaded)", p.display());
        }
        (Some(p), None) => {
            let _ = writeln!(out, "active: {} (loads on the next prompt)", p.display());
        }
        (None, _) => {
            let _ = writeln!(out, "no model. {}", crate::backend::BackendError::NoModel);
        }
    }
    if let Some((p, why)) = &discovery.pinned_problem {
        let _ = writeln!(out, "note: LLAMA_CPP_MODEL={} {why}", p.display());
    }
    for (p, why) in &discovery.skipped {
        let _ = writeln!(out, "skipped: {} ({why})", p.display());
    }
    if discovery.candidates.is_empty() {
        out.push_str("discovered: none in ");
        let dirs = models::search_dirs(rt.settings.model_dir.as_deref(), rt.cwd.as_deref());
        out.push_str(
            &dirs
                .iter()
                .map(|(_, o)| o.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        );
        return out;
    }
    out.push_str("discovered:\n");
    for c in &discovery.candidates {
        let mark = if active.as_deref() == Some(c.path.as_path()) {
            '*'
        } else {
            ' '
        };
        let size = std::fs::metadata(&c.path).map_or_else(|_| "?".into(), |m| human_size(m.len()));
        let name = c.path.file_name().map_or_else(
            || c.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let _ = writeln!(out, "  {mark} {name:30} {size:>9}  {}", c.origin);
    }
    out.push_str("/model use <name|path> switches; the new model loads on the next prompt.");
    out
}

fn model_use(rt: &mut Runtime, id: &str) -> String {
    let discovery = rt.discovery();
    let Some(path) = models::resolve_identifier(id, &discovery, rt.cwd.as_deref()) else {
        return format!(
            "[model] no model file or discovered model named {id:?}; /model lists them."
        );
    };
    if let Err(why) = crate::gguf_check::check(&path) {
        return format!("[model] not switching: {why}.");
    }
    rt.backend.unload();
    rt.model_override = Some(path.clone());
    rt.last_error = None;
    rt.publish(rt.model_state());
    format!(
        "[model] switched to {}; it loads on the next prompt.",
        path.display()
    )
}

pub fn config(rt: &mut Runtime, _args: &[&str]) -> String {
    let rows = rt.settings.rows();
    let width = rows.iter().map(|r| r.var.len()).max().unwrap_or(0);
    let vwidth = rows
        .iter()
        .map(|r| r.value.chars().count())
        .max()
        .unwrap_or(0)
        .min(40);
    let mut out = String::from("[config]\n");
    for r in &rows {
        let _ = writeln!(out, "  {:width$}  {:vwidth$}  {}", r.var, r.value, r.source);
    }
    let home = rt.home.dir.as_deref();
    let planner = prompts::load(Kind::Planner, rt.settings.planner_prompt.as_deref(), home);
    let responder = prompts::load(
        Kind::Responder,
        rt.settings.responder_prompt.as_deref(),
        home,
    );
    let _ = writeln!(out, "  {:width$}  {}", "planner template", planner.origin);
    let _ = writeln!(
        out,
        "  {:width$}  {}",
        "responder template", responder.origin
    );
    let home_text = home.map_or_else(|| "(none)".to_string(), |d| d.display().to_string());
    let _ = writeln!(
        out,
        "  {:width$}  {home_text} ({})",
        "Ember home", rt.home.how
    );
    let hist = rt
        .history_file
        .as_deref()
        .map_or_else(|| "(none)".to_string(), |p| p.display().to_string());
    let _ = write!(out, "  {:width$}  {hist}", "history file");
    let warnings: Vec<&String> = rt
        .settings
        .warnings
        .iter()
        .chain(&rt.warnings)
        .chain(&planner.warning)
        .chain(&responder.warning)
        .collect();
    if !warnings.is_empty() {
        out.push_str("\nwarnings:");
        for w in warnings {
            let _ = write!(out, "\n  {w}");
        }
    }
    out
}

pub fn history(rt: &mut Runtime, _args: &[&str]) -> String {
    if rt.history.is_empty() {
        return "[history] No commands have run yet.".into();
    }
    let n = rt.history.len();
    let mut out = format!(
        "[history] last {n} command{}, oldest first:",
        if n == 1 { "" } else { "s" }
    );
    for (i, h) in rt.history.iter().enumerate() {
        let who = match h.by {
            By::Operator => "you",
            By::Planner => "planner",
        };
        let first: String = h
            .output
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(70)
            .collect();
        let _ = write!(out, "\n  {:2}. {:24} ({who})  {first}", i + 1, h.command);
    }
    out
}

pub fn docs(rt: &mut Runtime, _args: &[&str]) -> String {
    let Some(home) = rt.home.dir.clone() else {
        return "[docs] No Ember home found (set EMBER_REPO_DIR); the model has no local documentation.".into();
    };
    let mut out = format!(
        "[docs] {} of {} files in the model's context, from {} ({}):",
        rt.docs.len(),
        DOC_PATHS.len(),
        home.display(),
        rt.home.how
    );
    for rel in DOC_PATHS {
        let path = home.join(rel);
        match rt.docs.iter().find(|d| d.path == path) {
            Some(d) => {
                let cut = if d.truncated {
                    ", first part of a longer file"
                } else {
                    ""
                };
                let _ = write!(
                    out,
                    "\n  {:12} {} chars{cut}",
                    d.source,
                    d.excerpt.chars().count()
                );
            }
            None => {
                let _ = write!(
                    out,
                    "\n  {:12} missing ({})",
                    rel.rsplit('/').next().unwrap_or(rel),
                    path.display()
                );
            }
        }
    }
    out
}
