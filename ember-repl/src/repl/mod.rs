//! The REPL: start-up screen, then a line editor (terminal) or a line reader
//! (pipe) feeding [`handler::handle_line`].
//!
//! - `completer`: Tab completion of `/commands` and model names;
//! - `highlighter`: command colouring and the inline hint;
//! - `prompt`: the `> ` prompt;
//! - `handler`: what a line does.
//!
//! On a terminal, rustyline provides editing, history (saved after every
//! line to a 0600 file), Ctrl-L (clear), Ctrl-C (drop the line), Ctrl-D
//! (leave). With stdin not a terminal, each input line is echoed after the
//! prompt and handled the same way, so scripts get a readable transcript.

mod completer;
mod handler;
mod highlighter;
mod prompt;

pub use handler::{handle_line, Flow};

use crate::backend::llama::LlamaBackend;
use crate::config::{LogLevel, Settings};
use crate::history::HistoryFile;
use crate::render::{self, Style, Ui};
use crate::runtime::Runtime;
use crate::{commands, home, state, term};
use rustyline::config::{ColorMode, CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Editor, Helper};
use std::cell::RefCell;
use std::io::BufRead;

/// rustyline's view of Ember: completion, hints, colours.
pub struct EmberHelper {
    pub color: bool,
    /// File names of discovered models (sanitised: completion writes them
    /// to the terminal), refreshed before each line.
    pub model_names: RefCell<Vec<String>>,
}

impl Validator for EmberHelper {}
impl Helper for EmberHelper {}

/// Runs the REPL until the operator leaves; returns the exit code.
pub fn run(settings: Settings) -> i32 {
    let cancel = &term::INTERRUPTED;
    let home = home::find_for_process(settings.repo_dir.as_deref());
    let debug = settings.log_level.value == LogLevel::Debug;
    let backend =
        Box::new(LlamaBackend::new(cancel, debug).with_cpu_variant(settings.cpu_variant.clone()));
    let mut rt = Runtime::new(settings, home, backend, cancel);
    let usable = match rt.settings.state_dir.clone() {
        Some(dir) => match state::ensure_dir(&dir) {
            Ok(()) => Some(dir),
            Err(why) => {
                rt.warnings
                    .push(format!("{why}; history and the HUD are off this session"));
                None
            }
        },
        None => {
            rt.warnings.push(
                "no state folder (EMBER_STATE_DIR, XDG_STATE_HOME and HOME unset); history and the HUD are off this session"
                    .into(),
            );
            None
        }
    };
    if let Ok(exe) = std::env::current_exe() {
        rt.probes = Some((crate::probe::Cache::load(usable.as_deref()), exe));
    }
    if let Some(dir) = &usable {
        state::remove_stale(dir);
        rt.state_file = Some(state::snapshot_path(dir, std::process::id()));
    }
    let history = rt.settings.history_file.clone();
    rt.history_file = history.or_else(|| usable.map(|d| d.join("history")));
    let (tty_in, tty_out) = (term::stdin_is_tty(), term::stdout_is_tty());
    let color = tty_out && rt.settings.color;
    // The terminal is the line editor's; a pipe or a file gets the shared
    // output layer (a closed pipe ends the batch quietly, exit 141).
    let mut terminal = std::io::stdout();
    let mut layer = shared::out::Stdout;
    let sink: &mut dyn std::io::Write = if tty_out { &mut terminal } else { &mut layer };
    let mut ui = Ui::new(sink, tty_out, color);
    print_startup(&rt, &mut ui);
    rt.publish(rt.model_state());
    let code = if tty_in {
        interactive(&mut rt, &mut ui);
        0
    } else {
        piped(&mut rt, &mut ui, std::io::stdin().lock(), true)
    };
    if let Some(p) = &rt.state_file {
        let _ = std::fs::remove_file(p);
    }
    code
}

/// Banner, warnings, runtime panel, hints.
pub fn print_startup(rt: &Runtime, ui: &mut Ui) {
    let vault = format!("{} ({})", rt.vault_path().display(), rt.vault_state());
    ui.raw(&render::banner(
        &render::sanitize(&vault),
        &render::sanitize(&rt.settings.mode.value),
    ));
    for w in rt.settings.warnings.iter().chain(&rt.warnings) {
        ui.line(Style::Warn, &format!("warning: {w}"));
    }
    let discovery = rt.discovery();
    if let Some((p, why)) = &discovery.pinned_problem {
        ui.line(
            Style::Warn,
            &format!(
                "warning: LLAMA_CPP_MODEL={} {why}; looking elsewhere",
                p.display()
            ),
        );
    }
    ui.raw("\n");
    let model = match rt.model_choice() {
        Some(c) => {
            let name = c.path.file_name().map_or_else(
                || c.path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            format!("{name} ({})", c.origin)
        }
        None => "none: place a .gguf under ./models or set LLAMA_CPP_MODEL".into(),
    };
    let names: Vec<String> = commands::COMMANDS
        .iter()
        .map(|c| format!("/{}", c.name))
        .collect();
    let mut cmds = names.iter().take(6).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > 6 {
        cmds.push_str(" …");
    }
    let s = &rt.settings;
    let rows = [
        ("Model", model),
        ("Max tokens", s.max_tokens.value.to_string()),
        ("Threads", s.threads.value.to_string()),
        ("Docs cached", rt.docs.len().to_string()),
        ("Commands", cmds),
    ];
    ui.raw(&render::panel("Ember Runtime", &rows));
    for h in render::HINTS {
        ui.line(Style::Dim, h);
    }
    ui.raw("\n");
}

/// Lines from a pipe or file, one prompt each; stops at the end of input,
/// or after a Ctrl-C (which stopped the answer or load under way: the
/// operator wants the batch stopped, not the next line started). Returns
/// the exit code: 130 after a Ctrl-C, as a shell reports one.
pub fn piped(rt: &mut Runtime, ui: &mut Ui, mut input: impl BufRead, catch_ctrl_c: bool) -> i32 {
    let mut buf = Vec::new();
    loop {
        // Nobody reads the answers any more (`| head`): stop the batch.
        if shared::out::closed() {
            return 0;
        }
        buf.clear();
        match input.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        // Invalid UTF-8 becomes U+FFFD rather than an error.
        let line = String::from_utf8_lossy(&buf);
        let line = line.trim_end_matches(['\n', '\r']);
        ui.raw(prompt::PLAIN);
        ui.line(Style::Plain, line);
        if handle_line(rt, ui, line, catch_ctrl_c) == Flow::Quit {
            return 0;
        }
        if catch_ctrl_c && rt.cancel.load(std::sync::atomic::Ordering::SeqCst) {
            ui.line(Style::Plain, "[Exiting Ember] interrupted");
            return 130;
        }
    }
    ui.line(Style::Plain, "[Exiting Ember]");
    0
}

fn interactive(rt: &mut Runtime, ui: &mut Ui) {
    let config = Config::builder()
        .auto_add_history(false)
        .history_ignore_space(true)
        .completion_type(CompletionType::List)
        .color_mode(if ui.color {
            ColorMode::Enabled
        } else {
            ColorMode::Disabled
        });
    let config = config
        .max_history_size(1000)
        .and_then(|c| c.history_ignore_dups(true))
        .map(|c| c.build());
    let editor = config.and_then(Editor::<EmberHelper, DefaultHistory>::with_config);
    let mut ed = match editor {
        Ok(ed) => ed,
        Err(e) => {
            ui.line(
                Style::Warn,
                &format!("warning: no line editor ({e}); reading plain lines"),
            );
            piped(rt, ui, std::io::stdin().lock(), true);
            return;
        }
    };
    ed.set_helper(Some(EmberHelper {
        color: ui.color,
        model_names: RefCell::new(Vec::new()),
    }));
    let mut history = rt
        .history_file
        .as_deref()
        .and_then(|h| match HistoryFile::open(h) {
            Ok((file, lines)) => {
                for l in lines {
                    let _ = ed.add_history_entry(l);
                }
                Some(file)
            }
            Err(why) => {
                ui.line(Style::Warn, &format!("warning: {why}"));
                None
            }
        });
    let prompt = prompt::prompt(ui.color);
    loop {
        if let Some(helper) = ed.helper() {
            let names = rt
                .discovery()
                .candidates
                .iter()
                .filter_map(|c| c.path.file_name())
                .map(|n| render::sanitize_name(&n.to_string_lossy()))
                .collect();
            *helper.model_names.borrow_mut() = names;
        }
        match ed.readline(&prompt) {
            Ok(line) => {
                if !line.trim().is_empty() && ed.add_history_entry(line.as_str()).unwrap_or(false) {
                    if let Some(Err(why)) = history.as_ref().map(|h| h.append(&line)) {
                        ui.line(Style::Warn, &format!("warning: {why}"));
                        history = None;
                    }
                }
                if handle_line(rt, ui, &line, true) == Flow::Quit {
                    return;
                }
            }
            // Ctrl-C at the prompt drops the line; Ember stays.
            Err(ReadlineError::Interrupted) => {}
            Err(ReadlineError::Eof) => {
                ui.line(Style::Plain, "[Exiting Ember]");
                return;
            }
            Err(e) => {
                ui.line(
                    Style::Error,
                    &format!("[Exiting Ember] terminal error: {e}"),
                );
                return;
            }
        }
    }
}
