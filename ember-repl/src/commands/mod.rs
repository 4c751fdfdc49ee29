//! The slash-command registry: the only commands that can ever run.
//!
//! The operator types `/name args`; the planner names commands with or
//! without the slash. Both go through [`vet`]: a name that is not in
//! [`COMMANDS`] is reported and never executed, and commands marked
//! operator-only (`/model`, which switches models) are refused to the planner.

mod builtin;

use crate::runtime::Runtime;

/// A registered command.
pub struct Spec {
    pub name: &'static str,
    pub usage: &'static str,
    pub summary: &'static str,
    /// Whether the planner may run it.
    pub planner: bool,
    pub run: fn(&mut Runtime, &[&str]) -> String,
}

/// Every command, in `/help` order.
pub const COMMANDS: &[Spec] = &[
    Spec {
        name: "help",
        usage: "/help",
        summary: "list commands and keys",
        planner: true,
        run: builtin::help,
    },
    Spec {
        name: "status",
        usage: "/status",
        summary: "vault, model, docs, last error, health",
        planner: true,
        run: builtin::status,
    },
    Spec {
        name: "model",
        usage: "/model [use <name|path>]",
        summary: "list discovered models or switch to one",
        planner: false,
        run: builtin::model,
    },
    Spec {
        name: "config",
        usage: "/config",
        summary: "effective settings and where each came from",
        planner: true,
        run: builtin::config,
    },
    Spec {
        name: "history",
        usage: "/history",
        summary: "the last commands and their output",
        planner: true,
        run: builtin::history,
    },
    Spec {
        name: "docs",
        usage: "/docs",
        summary: "documentation in the model's context",
        planner: true,
        run: builtin::docs,
    },
];

/// Words that end the session (typed bare or after a slash).
pub const QUIT_WORDS: [&str; 2] = ["quit", "exit"];

/// The most commands one plan may run: a confused model cannot loop.
pub const MAX_PLANNED: usize = 4;

pub fn find(name: &str) -> Option<&'static Spec> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// A command line checked against the registry.
#[derive(Debug, PartialEq, Eq)]
pub enum Vetted {
    /// Runnable: the canonical line (`/status`), the name and the arguments.
    Run {
        line: String,
        name: &'static str,
        args: Vec<String>,
    },
    /// Not runnable, with the reason to report.
    Refuse { line: String, reason: String },
}

/// Checks one command line (`status`, `/status`, `/model use x`).
pub fn vet(raw: &str, for_planner: bool) -> Vetted {
    let trimmed = raw.trim();
    let body = trimmed.strip_prefix('/').unwrap_or(trimmed).trim();
    let mut words = body.split_whitespace();
    let name = words.next().unwrap_or("").to_lowercase();
    let args: Vec<String> = words.map(str::to_string).collect();
    let line = format!(
        "/{}",
        std::iter::once(name.as_str())
            .chain(args.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let line: String = line.chars().filter(|c| !c.is_control()).take(120).collect();
    if QUIT_WORDS.contains(&name.as_str()) && for_planner {
        return Vetted::Refuse {
            line,
            reason: "only the operator can end the session".into(),
        };
    }
    match find(&name) {
        None => Vetted::Refuse {
            line,
            reason: "not an Ember command".into(),
        },
        Some(spec) if for_planner && !spec.planner => Vetted::Refuse {
            line,
            reason: "operator-only; type it yourself if you want it".into(),
        },
        Some(spec) => Vetted::Run {
            line,
            name: spec.name,
            args,
        },
    }
}

/// Vets a plan's commands: duplicates dropped, at most [`MAX_PLANNED`] runnable.
pub fn vet_plan(commands: &[String]) -> Vec<Vetted> {
    let mut out: Vec<Vetted> = Vec::new();
    let mut runnable = 0;
    for raw in commands {
        let v = vet(raw, true);
        let line = match &v {
            Vetted::Run { line, .. } | Vetted::Refuse { line, .. } => line.clone(),
        };
        let seen = out.iter().any(|o| matches!(o, Vetted::Run { line: l, .. } | Vetted::Refuse { line: l, .. } if *l == line));
        if seen {
            continue;
        }
        if matches!(v, Vetted::Run { .. }) {
            if runnable == MAX_PLANNED {
                out.push(Vetted::Refuse {
                    line,
                    reason: format!("a plan runs at most {MAX_PLANNED} commands"),
                });
                continue;
            }
            runnable += 1;
        }
        out.push(v);
    }
    out
}

/// Runs a vetted command and returns its output.
pub fn run(rt: &mut Runtime, name: &str, args: &[String]) -> String {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match find(name) {
        Some(spec) => (spec.run)(rt, &args),
        None => format!("Unknown command /{name}. /help lists the commands."),
    }
}

/// Names offered by tab completion, with their slash.
pub fn completions() -> Vec<String> {
    COMMANDS
        .iter()
        .map(|c| format!("/{}", c.name))
        .chain(QUIT_WORDS.iter().map(|q| format!("/{q}")))
        .collect()
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
