//! llama.cpp in-process, through `llama-cpp-sys-2`.
//!
//! One model and one context live at a time. The tokens already in the
//! context's cache are remembered: the planner and responder prompts share
//! their long documentation prefix, so only the new tail of each prompt is
//! evaluated. Prompts are fed in chunks of at most `n_batch` tokens (a larger
//! decode aborts the process) and never past `n_ctx`. Ctrl-C and the deadline
//! are checked between tokens and, through llama.cpp's abort callback, inside
//! a long prompt evaluation.

pub mod cpu;
#[allow(unsafe_code)]
mod ffi;
pub mod log;
mod stop;
#[cfg(feature = "portable")]
pub mod variants;

use super::utf8::Utf8Stream;
use super::{Backend, BackendError, Completion, GenParams, LoadParams, ModelInfo, Stop};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};
use stop::Flags;

/// Sampling knobs the environment does not expose, matching llama-cpp-python's defaults.
const TOP_K: i32 = 40;
const MIN_P: f32 = 0.05;

/// A loaded model with its context. Field order is drop order: the context
/// and batch go before the model they use.
struct Loaded {
    ctx: ffi::Context,
    batch: ffi::Batch,
    model: ffi::Model,
    info: ModelInfo,
    /// Tokens in the context's cache, positions 0..len.
    cached: Vec<i32>,
}

/// The context holds its own reference to the flags its callback reads.
pub struct LlamaBackend {
    loaded: Option<Loaded>,
    flags: Arc<Flags>,
    /// `EMBER_CPU_VARIANT` (portable build): the CPU kernels to load.
    cpu_variant: Option<String>,
}

impl LlamaBackend {
    /// `cancel` is the flag Ctrl-C sets; `debug_log` echoes llama.cpp's log.
    pub fn new(cancel: &'static AtomicBool, debug_log: bool) -> LlamaBackend {
        log::set_echo(debug_log);
        LlamaBackend {
            flags: Arc::new(Flags::new(cancel)),
            loaded: None,
            cpu_variant: None,
        }
    }

    /// Loads this CPU variant instead of the best one (portable build).
    pub fn with_cpu_variant(mut self, variant: Option<String>) -> LlamaBackend {
        self.cpu_variant = variant;
        self
    }
}

impl Backend for LlamaBackend {
    fn name(&self) -> &'static str {
        "llama.cpp"
    }

    fn cpu_features(&self) -> String {
        cpu::features(self.cpu_variant.as_deref())
    }

    fn model(&self) -> Option<&ModelInfo> {
        self.loaded.as_ref().map(|l| &l.info)
    }

    fn load(&mut self, p: &LoadParams) -> Result<ModelInfo, BackendError> {
        let fail = |reason: String| BackendError::Load {
            path: p.model.clone(),
            reason,
        };
        let gguf = crate::gguf_check::check(&p.model).map_err(fail)?;
        let (n_ctx, notes) = fit_context(p.ctx, gguf.context_length);
        // Free the old model first: two at once may not fit in a small node's RAM.
        self.loaded = None;
        #[cfg(feature = "portable")]
        variants::ensure(self.cpu_variant.as_deref()).map_err(BackendError::CpuBackend)?;
        ffi::init_backend();
        let start = Instant::now();
        let mark = log::mark();
        let Some(model) = ffi::Model::load(&p.model, &self.flags) else {
            if self.flags.cancelled() {
                return Err(BackendError::LoadCancelled);
            }
            return Err(fail(log::reason_since(mark, "llama.cpp could not read it")));
        };
        let cp = ffi::ContextParams {
            n_ctx,
            n_batch: p.batch.min(n_ctx),
            threads: i32::try_from(p.threads).unwrap_or(1),
            rope_freq_base: p.rope_freq_base.unwrap_or(0.0),
            rope_freq_scale: p.rope_freq_scale.unwrap_or(0.0),
        };
        let Some(ctx) = ffi::Context::new(&model, &cp, Arc::clone(&self.flags)) else {
            let why = log::reason_since(mark, "llama.cpp refused the settings");
            return Err(BackendError::Context {
                ctx: n_ctx,
                reason: why,
            });
        };
        // llama.cpp may lower n_batch (never above n_ctx); size the batch to what it uses.
        let batch = ffi::Batch::new(ctx.n_batch().min(cp.n_batch));
        let info = ModelInfo {
            path: p.model.clone(),
            description: model.description(),
            size_bytes: model.size_bytes(),
            n_params: model.n_params(),
            load_time: start.elapsed(),
            ctx: ctx.n_ctx(),
            notes,
        };
        self.loaded = Some(Loaded {
            ctx,
            batch,
            model,
            info: info.clone(),
            cached: Vec::new(),
        });
        Ok(info)
    }

    fn unload(&mut self) {
        self.loaded = None;
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
        let deadline = start + params.timeout;
        let flags: &Flags = &self.flags;
        let Some(l) = self.loaded.as_mut() else {
            return Err(BackendError::NoModel);
        };
        flags.arm(deadline);
        let result = generate(l, flags, prompt, params, start, on_text);
        flags.disarm();
        result
    }
}

/// `LLAMA_CPP_CTX` capped at the context the model was trained for (more
/// only costs memory: 9 GB for a 600 KB model at 16 M tokens), with the
/// warning saying so.
fn fit_context(wanted: u32, trained: Option<u64>) -> (u32, Vec<String>) {
    match trained.filter(|&t| t > 0 && u64::from(wanted) > t) {
        Some(t) => {
            let capped = u32::try_from(t).unwrap_or(wanted);
            let note = format!(
                "LLAMA_CPP_CTX={wanted} is more than the {t} tokens this model was trained for; using {capped}"
            );
            (capped, vec![note])
        }
        None => (wanted, Vec::new()),
    }
}

/// The error for a stop requested by Ctrl-C or the deadline.
fn interrupted(flags: &Flags, params: &GenParams, partial: String) -> BackendError {
    if flags.cancelled() {
        BackendError::Cancelled { partial }
    } else {
        BackendError::Timeout {
            seconds: params.timeout.as_secs_f64(),
            partial,
        }
    }
}

fn generate(
    l: &mut Loaded,
    flags: &Flags,
    prompt: &str,
    params: &GenParams,
    start: Instant,
    on_text: &mut dyn FnMut(&str),
) -> Result<Completion, BackendError> {
    let mut tokens = l.model.tokenize(prompt).map_err(BackendError::Generation)?;
    if tokens.is_empty() {
        tokens.push(l.model.bos());
    }
    let n_ctx = l.ctx.n_ctx() as usize;
    if tokens.len() >= n_ctx {
        return Err(BackendError::PromptTooLong {
            tokens: tokens.len(),
            ctx: l.info.ctx,
        });
    }
    let evaluated = eval_prompt(l, flags, params, &tokens)?;

    let sampler_params = ffi::SamplerParams {
        temperature: params.temperature,
        top_p: params.top_p,
        top_k: TOP_K,
        min_p: MIN_P,
        banned: if params.ignore_eos {
            l.model.eog_tokens()
        } else {
            Vec::new()
        },
        n_vocab: l.model.n_vocab(),
    };
    let mut sampler = ffi::Sampler::new(&sampler_params)
        .ok_or_else(|| BackendError::Generation("could not create a sampler".into()))?;
    let (mut text, mut utf8, mut piece) = (String::new(), Utf8Stream::default(), Vec::new());
    let mut emit = |s: String, text: &mut String| {
        if !s.is_empty() {
            on_text(&s);
            text.push_str(&s);
        }
    };
    let (mut n_gen, mut first_token) = (0u32, None);
    let stop = loop {
        if n_gen >= params.max_tokens {
            break Stop::MaxTokens;
        }
        if flags.should_stop() {
            emit(utf8.finish(), &mut text);
            return Err(interrupted(flags, params, text));
        }
        let token = sampler.sample(&l.ctx);
        first_token.get_or_insert_with(|| start.elapsed());
        if l.model.is_eog(token) && !params.ignore_eos {
            break Stop::EndOfText;
        }
        n_gen += 1;
        piece.clear();
        l.model.piece(token, &mut piece);
        emit(utf8.push(&piece), &mut text);
        if l.cached.len() + 1 >= n_ctx || n_gen >= params.max_tokens {
            break if n_gen >= params.max_tokens {
                Stop::MaxTokens
            } else {
                Stop::ContextFull
            };
        }
        let pos = i32::try_from(l.cached.len()).unwrap_or(i32::MAX);
        l.batch.clear();
        l.batch.push(token, pos, true);
        match l.ctx.decode(&l.batch) {
            0 => l.cached.push(token),
            code => {
                reset_cache(l);
                emit(utf8.finish(), &mut text);
                if code == 2 {
                    return Err(interrupted(flags, params, text));
                }
                return Err(BackendError::Generation(format!(
                    "llama_decode returned {code}"
                )));
            }
        }
    };
    emit(utf8.finish(), &mut text);
    let total = start.elapsed();
    Ok(Completion {
        text,
        prompt_tokens: u32::try_from(tokens.len()).unwrap_or(u32::MAX),
        evaluated_tokens: evaluated,
        tokens: n_gen,
        stop,
        first_token: first_token.unwrap_or(total),
        total,
    })
}

/// Brings the cache to `tokens`, reusing the common prefix; returns how many
/// tokens were evaluated.
fn eval_prompt(
    l: &mut Loaded,
    flags: &Flags,
    params: &GenParams,
    tokens: &[i32],
) -> Result<u32, BackendError> {
    let mut keep = l
        .cached
        .iter()
        .zip(tokens)
        .take_while(|(a, b)| a == b)
        .count();
    // The last prompt token must be evaluated again to get fresh logits.
    keep = keep.min(tokens.len() - 1);
    if keep < l.cached.len() {
        let p0 = i32::try_from(keep).unwrap_or(0);
        if !l.ctx.truncate(p0) {
            reset_cache(l);
            keep = 0;
        }
        l.cached.truncate(keep);
    }
    let todo = &tokens[keep..];
    let cap = l.batch.capacity();
    for (ci, chunk) in todo.chunks(cap).enumerate() {
        if flags.should_stop() {
            return Err(interrupted(flags, params, String::new()));
        }
        l.batch.clear();
        for (i, &t) in chunk.iter().enumerate() {
            let pos = keep + ci * cap + i;
            let last = pos + 1 == tokens.len();
            l.batch
                .push(t, i32::try_from(pos).unwrap_or(i32::MAX), last);
        }
        match l.ctx.decode(&l.batch) {
            0 => l.cached.extend_from_slice(chunk),
            code => {
                reset_cache(l);
                if code == 2 {
                    return Err(interrupted(flags, params, String::new()));
                }
                let why = if code == 1 {
                    "no room left in the context (LLAMA_CPP_CTX)".into()
                } else {
                    format!("llama_decode returned {code}")
                };
                return Err(BackendError::Generation(why));
            }
        }
    }
    Ok(u32::try_from(todo.len()).unwrap_or(u32::MAX))
}

/// After an aborted or failed decode the cache content is uncertain: start over.
fn reset_cache(l: &mut Loaded) {
    l.ctx.clear();
    l.cached.clear();
}

/// How long a load took, for messages.
pub fn seconds(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

#[cfg(test)]
mod tests;
