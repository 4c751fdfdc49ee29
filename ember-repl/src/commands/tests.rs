//! Tests of the registry, vetting, and each built-in command.

use super::*;
use crate::runtime::By;
use crate::testutil::fixture;

fn run_line(rt: &mut Runtime, line: &str) -> String {
    match vet(line, false) {
        Vetted::Run { name, args, .. } => run(rt, name, &args),
        Vetted::Refuse { reason, .. } => panic!("refused {line}: {reason}"),
    }
}

#[test]
fn vetting_accepts_registered_names_with_or_without_slash() {
    let run = |l: &str| match vet(l, true) {
        Vetted::Run { line, name, args } => (line, name.to_string(), args),
        Vetted::Refuse { line, reason } => (line, format!("refused: {reason}"), vec![]),
    };
    assert_eq!(run("status"), ("/status".into(), "status".into(), vec![]));
    assert_eq!(
        run(" /STATUS "),
        ("/status".into(), "status".into(), vec![])
    );
    assert_eq!(
        run("history 3"),
        ("/history 3".into(), "history".into(), vec!["3".to_string()])
    );
    assert_eq!(run("rm -rf /").1, "refused: not an Ember command");
    assert_eq!(run("/reboot\u{1b}[2J").0, "/reboot[2j");
    assert!(run("model use x").1.contains("operator-only"));
    assert!(run("quit").1.contains("only the operator"));
    assert!(matches!(
        vet("/model use x", false),
        Vetted::Run { name: "model", .. }
    ));
    assert!(matches!(vet("", true), Vetted::Refuse { .. }));
}

#[test]
fn a_plan_runs_each_command_once_and_at_most_four() {
    let plan: Vec<String> = [
        "status", "/status", "docs", "help", "config", "history", "launch",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let v = vet_plan(&plan);
    let runs: Vec<&str> = v
        .iter()
        .filter_map(|x| {
            if let Vetted::Run { name, .. } = x {
                Some(*name)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(runs, ["status", "docs", "help", "config"]);
    let refused: Vec<String> = v
        .iter()
        .filter_map(|x| {
            if let Vetted::Refuse { line, reason } = x {
                Some(format!("{line}: {reason}"))
            } else {
                None
            }
        })
        .collect();
    assert_eq!(
        refused,
        [
            "/history: a plan runs at most 4 commands",
            "/launch: not an Ember command"
        ]
    );
}

#[test]
fn help_lists_every_command_and_the_keys() {
    let mut f = fixture(&[], &[]);
    let out = run_line(&mut f.rt, "/help");
    for c in COMMANDS {
        assert!(out.contains(c.usage), "{out}");
    }
    assert!(
        out.contains("quit, exit, /quit") && out.contains("Ctrl-C"),
        "{out}"
    );
}

#[test]
fn status_reports_vault_model_docs_error_health() {
    let mut f = fixture(&[], &[]);
    f.rt.backend.unload();
    let out = run_line(&mut f.rt, "/status");
    let root = f.root();
    assert!(
        out.contains(&format!(
            "vault    {} (ready)",
            root.join("vault").display()
        )),
        "{out}"
    );
    assert!(
        out.contains("fake.gguf (from LLAMA_CPP_MODEL_DIR; loads on the next prompt)"),
        "{out}"
    );
    assert!(
        out.contains("docs     3 cached (README.md, AGENTS.md, ROADMAP.md)"),
        "{out}"
    );
    assert!(
        out.contains("error    none") && out.contains("health   ok"),
        "{out}"
    );
    assert!(out.contains("\n  cpu      none (fake backend)\n"), "{out}");

    std::fs::remove_dir(root.join("vault")).expect("rmdir");
    std::fs::remove_file(root.join("models/fake.gguf")).expect("rm");
    f.rt.last_error = Some("boom".into());
    let out = run_line(&mut f.rt, "/status");
    assert!(
        out.contains("(missing)") && out.contains("error    boom"),
        "{out}"
    );
    assert!(
        out.contains(
            "model    none. No model found. Place a .gguf under ./models or set LLAMA_CPP_MODEL."
        ),
        "{out}"
    );
    assert!(
        out.contains("health   degraded: vault missing, no model, last prompt failed"),
        "{out}"
    );
}

#[test]
fn model_lists_and_switches() {
    let mut f = fixture(&[], &[]);
    f.rt.backend.unload();
    let root = f.root();
    crate::gguf_writer::write(
        &root.join("models/other.gguf"),
        &crate::gguf_writer::Spec::tiny(),
    )
    .expect("gguf");
    std::fs::write(root.join("models/broken.gguf"), "<html>nope</html>").expect("write");
    let out = run_line(&mut f.rt, "/model");
    assert!(
        out.contains("active: ") && out.contains("broken.gguf (loads on the next prompt)"),
        "{out}"
    );
    assert!(
        out.contains("* broken.gguf") && out.contains("  other.gguf"),
        "{out}"
    );

    let out = run_line(&mut f.rt, "/model use broken");
    assert!(
        out.contains("not switching") && out.contains("HTML"),
        "{out}"
    );
    let out = run_line(&mut f.rt, "/model use nothing-here");
    assert!(
        out.contains("no model file or discovered model named \"nothing-here\""),
        "{out}"
    );
    let out = run_line(&mut f.rt, "/model use other");
    assert!(
        out.contains("switched to") && out.contains("other.gguf"),
        "{out}"
    );
    assert_eq!(f.rt.model_choice().expect("choice").origin, "/model use");
    assert!(run_line(&mut f.rt, "/model").contains("* other.gguf"));
    assert!(run_line(&mut f.rt, "/model frobnicate").contains("usage"));
}

#[test]
fn config_shows_values_sources_templates_and_warnings() {
    let mut f = fixture(
        &[],
        &[
            ("LLAMA_CPP_MAX_TOKENS", "64"),
            ("LLAMA_CPP_THREADS", "many"),
        ],
    );
    let out = run_line(&mut f.rt, "/config");
    let line = |var: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(var))
            .unwrap_or("")
            .to_string()
    };
    assert!(
        line("LLAMA_CPP_MAX_TOKENS").ends_with("env LLAMA_CPP_MAX_TOKENS"),
        "{out}"
    );
    assert!(
        line("LLAMA_CPP_THREADS").ends_with("default (LLAMA_CPP_THREADS rejected)"),
        "{out}"
    );
    assert!(line("LLAMA_CPP_TEMPERATURE").contains("0.2"), "{out}");
    assert!(line("planner template").ends_with("built-in"), "{out}");
    assert!(line("Ember home").contains("(EMBER_REPO_DIR)"), "{out}");
    assert!(
        out.contains("warnings:\n  LLAMA_CPP_THREADS=\"many\""),
        "{out}"
    );
}

#[test]
fn history_and_docs() {
    let mut f = fixture(&[], &[]);
    assert_eq!(
        run_line(&mut f.rt, "/history"),
        "[history] No commands have run yet."
    );
    f.rt.record("/status", "vault ok\nmore", By::Planner);
    f.rt.record("/docs", "3 files", By::Operator);
    let out = run_line(&mut f.rt, "/history");
    assert!(
        out.contains("1. /status") && out.contains("(planner)  vault ok"),
        "{out}"
    );
    assert!(out.contains("2. /docs") && out.contains("(you)"), "{out}");

    let out = run_line(&mut f.rt, "/docs");
    assert!(out.starts_with("[docs] 3 of 3 files"), "{out}");
    assert!(out.contains("README.md    40 chars"), "{out}");
    f.rt.home.dir = None;
    assert!(run_line(&mut f.rt, "/docs").contains("No Ember home found"));
}

#[test]
fn completions_cover_commands_and_quit() {
    let c = completions();
    assert!(c.contains(&"/status".to_string()) && c.contains(&"/quit".to_string()));
}
