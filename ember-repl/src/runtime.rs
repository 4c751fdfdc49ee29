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
    /// Found while starting (docs, state folder), shown under the banner.
    pub warnings: Vec<String>,
    /// Probe verdicts, and the binary to run probes with (None: loads are
    /// not probed, as with the fake backend of the tests).
    pub probes: Option<(crate::probe::Cache, PathBuf)>,
    /// The last discovery pass and what it depended on.
    pub discovered: std::cell::RefCell<Option<(models::Stamp, Discovery)>>,
    /// Warnings already shown by [`Runtime::warn_once`].
    pub warned: std::collections::HashSet<String>,
}

impl Runtime {
    /// Builds the runtime: resolves the home and loads the docs.
    pub fn new(
        settings: Settings,
        home: Home,
        backend: Box<dyn Backend>,
        cancel: &'static AtomicBool,
    ) -> Runtime {
        let (docs, warnings) = home
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
            warnings,
            warned: std::collections::HashSet::new(),
            discovered: std::cell::RefCell::new(None),
            probes: None,
        }
    }

    pub fn vault_path(&self) -> PathBuf {
        vault::resolve(&self.settings.vault_dir.value)
    }

    pub fn vault_state(&self) -> VaultState {
        vault::state(&self.settings.vault_dir.value)
    }

    /// The discovery pass, redone only when a search folder or the pinned
    /// file changed (a few `stat`s otherwise): it runs before every line.
    pub fn discovery(&self) -> Discovery {
        let dirs = models::search_dirs(self.settings.model_dir.as_deref(), self.cwd.as_deref());
        let pinned = self.settings.model.as_deref();
        let cache = self.probes.as_ref().map(|(c, _)| c);
        let extra: Vec<&Path> = cache
            .and_then(crate::probe::Cache::file)
            .into_iter()
            .collect();
        let stamp = models::stamp(pinned, &dirs, &extra);
        if let Some((old, pass)) = &*self.discovered.borrow() {
            if *old == stamp {
                return pass.clone();
            }
        }
        let pass = models::discover(pinned, &dirs, &|p| cache.and_then(|c| c.bad(p)));
        *self.discovered.borrow_mut() = Some((stamp, pass.clone()));
        pass
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
        self.probe(&params)?;
        let loaded = self.backend.load(&params);
        if let Some((cache, _)) = &mut self.probes {
            match &loaded {
                // Remembered so discovery moves on to the next model: a bad
                // file sorting first must not be every session's first try.
                Err(BackendError::Load { reason, .. }) => {
                    cache.record(&params.model, Some(reason.clone()));
                    self.discovered.replace(None);
                }
                Ok(_) if !cache.good(&params.model) => cache.record(&params.model, None),
                _ => {}
            }
        }
        loaded?;
        Ok(true)
    }

    /// Tries the model in a child process first, unless it passed before:
    /// a file that crashes llama.cpp takes the child down, not us.
    fn probe(&mut self, params: &LoadParams) -> Result<(), BackendError> {
        let Some((cache, exe)) = &mut self.probes else {
            return Ok(());
        };
        let path = params.model.clone();
        let bad = |reason| BackendError::Load {
            path: path.clone(),
            reason,
        };
        if let Some(why) = cache.bad(&path) {
            return Err(bad(why));
        }
        if cache.good(&path) {
            return Ok(());
        }
        match crate::probe::run(exe, params, self.cancel) {
            crate::probe::Verdict::Safe => Ok(()),
            crate::probe::Verdict::Cancelled => Err(BackendError::LoadCancelled),
            crate::probe::Verdict::Bad(why) => {
                cache.record(&path, Some(why.clone()));
                self.discovered.replace(None);
                Err(bad(why))
            }
        }
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

    /// Shows `warning` unless it was shown before in this session: a bad
    /// template is met at every prompt, one line about it is enough.
    pub fn warn_once(&mut self, ui: &mut crate::render::Ui, warning: &str) {
        if self.warned.insert(warning.to_owned()) {
            ui.line(crate::render::Style::Warn, &format!("warning: {warning}"));
        }
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
