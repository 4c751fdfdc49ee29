//! The REPL's state: settings, docs, command history, the model backend.
//!
//! Everything a slash command or a prompt needs is reachable from
//! [`Runtime`], so commands are plain functions over it and tests build one
//! with a fake backend and a temporary home.

use crate::backend::{self, Backend, BackendError, GenParams, LoadParams};
use crate::config::Settings;
use crate::docs::{self, DocSnippet};
use crate::home::Home;
use crate::models::{self, Discovery};
use crate::state::{self, Snapshot};
use crate::vault::{self, VaultState};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// Commands kept in the history; the planner sees the last [`PLANNER_HISTORY`].
pub const HISTORY_LEN: usize = 10;
pub const PLANNER_HISTORY: usize = 5;

/// Who ran a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Operator,
    Planner,
}

/// One executed command and its output.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandLog {
    pub command: String,
    pub output: String,
    pub by: By,
}

/// Where a loaded (or loading) model came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelChoice {
    pub path: PathBuf,
    pub origin: String,
}

pub struct Runtime {
    pub settings: Settings,
    pub home: Home,
    pub docs: Vec<DocSnippet>,
    pub history: VecDeque<CommandLog>,
    pub backend: Box<dyn Backend>,
    /// Set by `/model use`; wins over discovery until changed.
    pub model_override: Option<PathBuf>,
    pub last_error: Option<String>,
    pub cwd: Option<PathBuf>,
    /// Line-editor history file, for `/config`.
    pub history_file: Option<PathBuf>,
    /// Where the HUD snapshot is written (None in tests).
    pub state_file: Option<PathBuf>,
    /// Set by Ctrl-C; cleared before each generation.
    pub cancel: &'static AtomicBool,
}

impl Runtime {
    /// Builds the runtime: resolves the home and loads the docs.
    pub fn new(
        settings: Settings,
        home: Home,
        backend: Box<dyn Backend>,
        cancel: &'static AtomicBool,
    ) -> Runtime {
        let docs = home
            .dir
            .as_deref()
            .map(|d| docs::load(d, docs::MAX_CHARS))
            .unwrap_or_default();
        Runtime {
            settings,
            home,
            docs,
            history: VecDeque::new(),
            backend,
            model_override: None,
            last_error: None,
            cwd: std::env::current_dir().ok(),
            history_file: None,
            state_file: None,
            cancel,
        }
    }

    pub fn vault_path(&self) -> PathBuf {
        vault::resolve(&self.settings.vault_dir.value)
    }

    pub fn vault_state(&self) -> VaultState {
        vault::state(&self.settings.vault_dir.value)
    }

    /// A fresh discovery pass (cheap: a few directory listings).
    pub fn discovery(&self) -> Discovery {
        let dirs = models::search_dirs(self.settings.model_dir.as_deref(), self.cwd.as_deref());
        models::discover(self.settings.model.as_deref(), &dirs)
    }

    /// The model the next prompt will use: `/model use`, else discovery.
    pub fn model_choice(&self) -> Option<ModelChoice> {
        if let Some(p) = &self.model_override {
            return Some(ModelChoice {
                path: p.clone(),
                origin: "/model use".into(),
            });
        }
        self.discovery().chosen().map(|c| ModelChoice {
            path: c.path.clone(),
            origin: c.origin.clone(),
        })
    }

    pub fn load_params(&self, model: &Path) -> LoadParams {
        let s = &self.settings;
        LoadParams {
            model: model.to_path_buf(),
            threads: s.threads.value,
            ctx: s.ctx.value,
            batch: s.batch.value,
            rope_freq_base: s.rope_freq_base.value,
            rope_freq_scale: s.rope_freq_scale.value,
        }
    }

    pub fn gen_params(&self) -> GenParams {
        let s = &self.settings;
        GenParams {
            max_tokens: s.max_tokens.value,
            temperature: s.temperature.value,
            top_p: s.top_p.value,
            timeout: s.timeout(),
            ignore_eos: false,
        }
    }

    /// Makes sure the chosen model is loaded; `before_load` runs just before a
    /// (slow) load so the UI can say so. A failure is remembered and the load
    /// is tried again on the next call.
    pub fn ensure_model(
        &mut self,
        before_load: &mut dyn FnMut(&ModelChoice),
    ) -> Result<bool, BackendError> {
        // A loaded model stays until `/model use`: a file dropped into
        // ./models later must not swap the model under the operator.
        if self.model_override.is_none() && self.backend.model().is_some() {
            return Ok(false);
        }
        let Some(choice) = self.model_choice() else {
            self.backend.unload();
            return Err(BackendError::NoModel);
        };
        if backend::is_loaded(self.backend.as_ref(), &choice.path) {
            return Ok(false);
        }
        before_load(&choice);
        let params = self.load_params(&choice.path);
        self.backend.load(&params)?;
        Ok(true)
    }

    /// Records a command once, keeping the last [`HISTORY_LEN`].
    pub fn record(&mut self, command: &str, output: &str, by: By) {
        self.history.push_back(CommandLog {
            command: command.to_string(),
            output: output.to_string(),
            by,
        });
        while self.history.len() > HISTORY_LEN {
            self.history.pop_front();
        }
    }

    /// Problems an operator should know about; empty when healthy.
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        match self.vault_state() {
            VaultState::Ready => {}
            other => p.push(format!("vault {other}")),
        }
        if self.backend.model().is_none() && self.model_choice().is_none() {
            p.push("no model".into());
        }
        if self.last_error.is_some() {
            p.push("last prompt failed".into());
        }
        p
    }

    pub fn health(&self) -> String {
        let p = self.problems();
        if p.is_empty() {
            "ok".into()
        } else {
            format!("degraded: {}", p.join(", "))
        }
    }

    /// Writes the HUD snapshot (best effort: the HUD is a convenience).
    pub fn publish(&self, model_state: &str) {
        let Some(path) = &self.state_file else { return };
        let model = self
            .backend
            .model()
            .map(|m| m.path.clone())
            .or_else(|| self.model_choice().map(|c| c.path));
        let snap = Snapshot {
            pid: std::process::id(),
            vault: self.vault_path(),
            vault_state: self.vault_state().to_string(),
            model,
            model_state: model_state.to_string(),
            health: self.health(),
            error: self.last_error.clone().unwrap_or_default(),
        };
        let _ = state::write(path, &snap);
    }

    /// The word the HUD shows for the model.
    pub fn model_state(&self) -> &'static str {
        match (self.backend.model(), &self.last_error) {
            (Some(_), _) => "loaded",
            (None, Some(_)) => "failed",
            (None, None) => "not loaded",
        }
    }
}
