//! `ember-repl hud`: one short status line for tmux's status bar.
//!
//! Called every 2 s by tmux (`#(ember-repl hud --session '#S')`), so it must
//! be fast: no model load, no llama.cpp initialisation, a handful of stats.
//! The live REPL's snapshot (see `state`) provides the model and health; when
//! no REPL runs, the line is built from the environment and model discovery.

use crate::config::expand_home;
use crate::models;
use crate::state::{self, Snapshot};
use crate::vault;
use std::path::{Path, PathBuf};

/// The HUD line for `session`, reading the environment through `env`.
pub fn line(session: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    let live = state::dir(env).and_then(|d| state::freshest_live(&d));
    let snap = live.unwrap_or_else(|| offline(env));
    render(session, &snap)
}

/// What can be known without a running REPL.
fn offline(env: &dyn Fn(&str) -> Option<String>) -> Snapshot {
    let get = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    let vault_dir =
        get("VAULT_DIR").map_or_else(|| PathBuf::from("/vault"), |v| expand_home(&v, env));
    let vault_state = vault::state(&vault_dir);
    let pinned = get("LLAMA_CPP_MODEL").map(|p| expand_home(&p, env));
    let model_dir = get("LLAMA_CPP_MODEL_DIR").map(|p| expand_home(&p, env));
    let cwd = std::env::current_dir().ok();
    let dirs = models::search_dirs(model_dir.as_deref(), cwd.as_deref());
    let probes = crate::probe::Cache::load(state::dir(env).as_deref());
    let model = models::first(pinned.as_deref(), &dirs, &|p| probes.bad(p));
    let health = if model.is_none() {
        "no model"
    } else {
        "repl off"
    };
    Snapshot {
        pid: 0,
        vault: vault_dir,
        vault_state: vault_state.to_string(),
        model,
        model_state: String::new(),
        health: health.into(),
        error: String::new(),
    }
}

fn render(session: &str, s: &Snapshot) -> String {
    let model = match &s.model {
        Some(p) => {
            let name = short(&file_name(p), 28);
            if s.model_state.is_empty() {
                name
            } else {
                format!("{name} {}", s.model_state)
            }
        }
        None => "none".into(),
    };
    let health = if !s.error.is_empty() {
        format!("error: {}", short(&s.error, 40))
    } else if s.health.starts_with("degraded: ") {
        s.health.trim_start_matches("degraded: ").to_string()
    } else {
        s.health.clone()
    };
    let text = format!(
        "EMBER {} | vault {} {} | model {model} | {health}",
        short(session, 20),
        short(&s.vault.to_string_lossy(), 32),
        s.vault_state
    );
    // tmux would read `#` as the start of a format; newlines end the line.
    crate::render::sanitize_name(&text).replace('#', "_")
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// At most `max` characters, with an ellipsis when cut.
fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_live_and_offline_states() {
        let tmp = tempfile::tempdir().expect("tmp");
        let t = tmp.path().to_path_buf();
        let state_dir = t.join("state");
        let env = {
            let t = t.clone();
            move |k: &str| match k {
                "EMBER_STATE_DIR" => Some(t.join("state").display().to_string()),
                "VAULT_DIR" => Some(t.display().to_string()),
                "LLAMA_CPP_MODEL_DIR" => Some(t.join("m").display().to_string()),
                _ => None,
            }
        };
        let offline_line = line("ops", &env);
        assert!(
            offline_line.starts_with("EMBER ops | vault "),
            "{offline_line}"
        );
        assert!(
            offline_line.ends_with(" ready | model none | no model"),
            "{offline_line}"
        );

        state::ensure_dir(&state_dir).expect("mkdir");
        let snap = Snapshot {
            pid: std::process::id(),
            vault: "/vault".into(),
            vault_state: "missing".into(),
            model: Some("/m/tiny#1.gguf".into()),
            model_state: "loaded".into(),
            health: "degraded: vault missing".into(),
            error: String::new(),
        };
        state::write(&state::snapshot_path(&state_dir, snap.pid), &snap).expect("write");
        assert_eq!(
            line("ops", &env),
            "EMBER ops | vault /vault missing | model tiny_1.gguf loaded | vault missing"
        );
        let failed = Snapshot {
            error: "x".repeat(100),
            ..snap
        };
        let l = render("s", &failed);
        assert!(l.ends_with(&format!("error: {}…", "x".repeat(39))), "{l}");
    }
}
