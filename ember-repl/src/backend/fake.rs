//! A scripted backend: replies come from a queue, prompts are recorded.
//!
//! Used by the tests of the planner/responder loop, the commands and the
//! REPL, where the content of the model's answer is what matters and a real
//! model would be random. It streams its replies in small pieces like a real
//! model and honours the cancel flag and the deadline between pieces.

use super::{Backend, BackendError, Completion, GenParams, LoadParams, ModelInfo, Stop};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// What the fake does on its next `complete` call.
#[derive(Debug, Clone)]
pub enum Reply {
    Text(String),
    Fail(BackendError),
}

pub struct FakeBackend {
    pub replies: VecDeque<Reply>,
    /// Every prompt received, in order.
    pub prompts: Vec<String>,
    /// Errors returned by the next `load` calls, in order; then loads succeed.
    pub load_failures: VecDeque<BackendError>,
    pub loads: u32,
    /// Delay between streamed pieces, to exercise deadlines and Ctrl-C.
    pub piece_delay: Duration,
    cancel: &'static AtomicBool,
    model: Option<ModelInfo>,
}

impl FakeBackend {
    pub fn new(cancel: &'static AtomicBool) -> FakeBackend {
        FakeBackend {
            replies: VecDeque::new(),
            prompts: Vec::new(),
            load_failures: VecDeque::new(),
            loads: 0,
            piece_delay: Duration::ZERO,
            cancel,
            model: None,
        }
    }

    /// Queues replies given as text.
    pub fn with_replies(cancel: &'static AtomicBool, replies: &[&str]) -> FakeBackend {
        let mut f = FakeBackend::new(cancel);
        f.replies
            .extend(replies.iter().map(|r| Reply::Text((*r).to_string())));
        f
    }
}

impl Backend for FakeBackend {
    fn name(&self) -> &'static str {
        "fake"
    }

    fn cpu_features(&self) -> String {
        "none (fake backend)".to_string()
    }

    fn model(&self) -> Option<&ModelInfo> {
        self.model.as_ref()
    }

    fn load(&mut self, params: &LoadParams) -> Result<ModelInfo, BackendError> {
        self.loads += 1;
        if let Some(e) = self.load_failures.pop_front() {
            self.model = None;
            return Err(e);
        }
        let info = ModelInfo {
            path: params.model.clone(),
            description: "fake model".into(),
            size_bytes: 0,
            n_params: 0,
            load_time: Duration::ZERO,
            ctx: params.ctx,
            notes: Vec::new(),
        };
        self.model = Some(info.clone());
        Ok(info)
    }

    fn unload(&mut self) {
        self.model = None;
    }

    #[cfg(test)]
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }

    fn complete(
        &mut self,
        prompt: &str,
        params: &GenParams,
        on_text: &mut dyn FnMut(&str),
    ) -> Result<Completion, BackendError> {
        let start = Instant::now();
        self.prompts.push(prompt.to_string());
        let text = match self.replies.pop_front() {
            Some(Reply::Text(t)) => t,
            Some(Reply::Fail(e)) => return Err(e),
            None => String::new(),
        };
        let chars: Vec<char> = text.chars().collect();
        let mut out = String::new();
        let mut tokens = 0u32;
        for piece in chars.chunks(3) {
            if tokens >= params.max_tokens {
                break;
            }
            if self.cancel.load(Ordering::Relaxed) {
                return Err(BackendError::Cancelled { partial: out });
            }
            if start.elapsed() >= params.timeout {
                return Err(BackendError::Timeout {
                    seconds: params.timeout.as_secs_f64(),
                    partial: out,
                });
            }
            std::thread::sleep(self.piece_delay);
            let piece: String = piece.iter().collect();
            on_text(&piece);
            out.push_str(&piece);
            tokens += 1;
        }
        let stop = if out.len() < text.len() {
            Stop::MaxTokens
        } else {
            Stop::EndOfText
        };
        let total = start.elapsed();
        Ok(Completion {
            text: out,
            prompt_tokens: u32::try_from(prompt.len() / 4).unwrap_or(u32::MAX),
            evaluated_tokens: 0,
            tokens,
            stop,
            first_token: total,
            total,
        })
    }
}
