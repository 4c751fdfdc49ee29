//! What one input line does: leave, run a slash command, or ask the model.

use crate::commands::{self, Vetted, QUIT_WORDS};
use crate::render::{Style, Ui};
use crate::runtime::{By, Runtime};
use crate::term::SigintGuard;

/// Whether the loop goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

/// Handles one line typed (or piped) by the operator.
pub fn handle_line(rt: &mut Runtime, ui: &mut Ui, raw: &str, catch_ctrl_c: bool) -> Flow {
    let line = raw.trim();
    if line.is_empty() {
        return Flow::Continue;
    }
    let lower = line.to_lowercase();
    let bare = lower.strip_prefix('/').unwrap_or(&lower).trim();
    if QUIT_WORDS.contains(&bare) && (line.starts_with('/') || QUIT_WORDS.contains(&lower.as_str()))
    {
        ui.line(Style::Plain, "[Goodbye]");
        return Flow::Quit;
    }
    if line.starts_with('/') {
        run_slash(rt, ui, line);
        return Flow::Continue;
    }
    // Ctrl-C while the model works raises a flag instead of killing Ember.
    let _guard = catch_ctrl_c.then(SigintGuard::install);
    crate::turn::run(rt, ui, line);
    Flow::Continue
}

fn run_slash(rt: &mut Runtime, ui: &mut Ui, line: &str) {
    if line.trim() == "/" {
        return run_slash(rt, ui, "/help");
    }
    match commands::vet(line, false) {
        Vetted::Run { line, name, args } => {
            let output = commands::run(rt, name, &args);
            ui.line(Style::Plain, &output);
            rt.record(&line, &output, By::Operator);
        }
        Vetted::Refuse { line, .. } => {
            ui.line(
                Style::Warn,
                &format!("Unknown command {line}. /help lists the commands."),
            );
        }
    }
}
