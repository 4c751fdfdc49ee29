//! The model behind Ember: a [`Backend`] loads a model and streams completions.
//!
//! Two implementations: [`llama::LlamaBackend`] (llama.cpp in-process) and
//! [`fake::FakeBackend`] (scripted replies, for tests of the REPL's logic).
//! Cancellation is a flag set by the Ctrl-C handler and polled between
//! tokens; the deadline (`LLAMA_CPP_TIMEOUT`) is checked the same way, so a
//! generation returns at its deadline instead of running to completion.

#[cfg(test)]
pub mod fake;
pub mod llama;
pub mod utf8;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How to load a model (`LLAMA_CPP_*` knobs).
#[derive(Debug, Clone, PartialEq)]
pub struct LoadParams {
    pub model: PathBuf,
    pub threads: u32,
    pub ctx: u32,
    pub batch: u32,
    pub rope_freq_base: Option<f32>,
    pub rope_freq_scale: Option<f32>,
}

/// How to generate one completion.
#[derive(Debug, Clone, PartialEq)]
pub struct GenParams {
    pub max_tokens: u32,
    pub temperature: f32,
    pub top_p: f32,
    pub timeout: Duration,
    /// Keep going past end-of-generation tokens (benchmarks only).
    pub ignore_eos: bool,
}

/// A loaded model, for `/status`, `/model` and the HUD.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    pub path: PathBuf,
    pub description: String,
    pub size_bytes: u64,
    pub n_params: u64,
    pub load_time: Duration,
    pub ctx: u32,
    /// Settings adjusted to the model, each a warning line.
    pub notes: Vec<String>,
}

/// Why generation stopped normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    EndOfText,
    MaxTokens,
    ContextFull,
}

/// A finished completion and its timings.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub text: String,
    pub prompt_tokens: u32,
    /// Prompt tokens actually evaluated (the rest came from the cache).
    pub evaluated_tokens: u32,
    pub tokens: u32,
    pub stop: Stop,
    /// From the call to the first generated token.
    pub first_token: Duration,
    pub total: Duration,
}

/// Everything that can go wrong, each with a message that says what to do.
#[derive(Debug, Clone, PartialEq)]
pub enum BackendError {
    /// No model file anywhere Ember looks.
    NoModel,
    /// The file exists but llama.cpp (or the header check) rejected it.
    Load { path: PathBuf, reason: String },
    /// Ctrl-C while loading.
    LoadCancelled,
    /// The model loaded but llama.cpp refused a context of that size.
    Context { ctx: u32, reason: String },
    /// The prompt does not fit in the context window.
    PromptTooLong { tokens: usize, ctx: u32 },
    /// `LLAMA_CPP_TIMEOUT` reached; `partial` is what was generated.
    Timeout { seconds: f64, partial: String },
    /// Ctrl-C during generation.
    Cancelled { partial: String },
    /// llama.cpp failed mid-way (tokenizer, decode).
    Generation(String),
    /// The portable build found no CPU backend library it can run.
    #[cfg(feature = "portable")]
    CpuBackend(String),
}

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackendError::NoModel => f.write_str("No model found. Place a .gguf under ./models or set LLAMA_CPP_MODEL."),
            BackendError::Load { path, reason } => write!(
                f,
                "could not load {}: {reason}. Replace the file, or pick another with /model use <name>.",
                path.display()
            ),
            BackendError::LoadCancelled => f.write_str("model loading cancelled; it will be tried again on the next prompt."),
            BackendError::Context { ctx, reason } => write!(
                f,
                "could not create a context of {ctx} tokens ({reason}); lower LLAMA_CPP_CTX."
            ),
            BackendError::PromptTooLong { tokens, ctx } => write!(
                f,
                "the prompt is {tokens} tokens but the context holds {ctx} (LLAMA_CPP_CTX); \
                 raise LLAMA_CPP_CTX or shorten the prompt."
            ),
            BackendError::Timeout { seconds, .. } => write!(
                f,
                "llama timed out after {seconds} seconds – reduce LLAMA_CPP_MAX_TOKENS or LLAMA_CPP_TIMEOUT."
            ),
            BackendError::Cancelled { .. } => f.write_str("cancelled."),
            BackendError::Generation(msg) => write!(f, "generation failed: {msg}"),
            #[cfg(feature = "portable")]
            BackendError::CpuBackend(msg) => write!(f, "llama.cpp has no CPU backend: {msg}."),
        }
    }
}

/// A model runtime. Loading is explicit so the caller decides when (lazily,
/// on the first prompt) and can retry after a failure.
pub trait Backend {
    /// "llama.cpp" or "fake", for `/status`.
    fn name(&self) -> &'static str;
    /// The CPU features the backend's kernels were built with, for `/status`.
    fn cpu_features(&self) -> String;
    /// The loaded model, if any.
    fn model(&self) -> Option<&ModelInfo>;
    /// Loads (or replaces) the model.
    fn load(&mut self, params: &LoadParams) -> Result<ModelInfo, BackendError>;
    /// Frees the model (after `/model use`, before loading another).
    fn unload(&mut self);
    /// For tests to reach the concrete backend.
    #[cfg(test)]
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any;
    /// Generates a completion of `prompt`, passing each piece of text to `on_text`.
    fn complete(
        &mut self,
        prompt: &str,
        params: &GenParams,
        on_text: &mut dyn FnMut(&str),
    ) -> Result<Completion, BackendError>;
}

/// Whether `path` is the model `backend` has loaded.
pub fn is_loaded(backend: &dyn Backend, path: &Path) -> bool {
    backend.model().is_some_and(|m| m.path == path)
}
