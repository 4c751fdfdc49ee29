//! The hidden `fixture` and `bench` subcommands behind `bench/ember-repl.sh`.
//!
//! `bench` drives the same backend as the REPL and prints `key=value` lines:
//! resident memory before loading, load time, time to first token (cold
//! cache, whole prompt evaluated) and generation speed (tokens after the
//! first, end-of-text suppressed so every run makes the same number).

use crate::backend::llama::LlamaBackend;
use crate::backend::{Backend, GenParams};
use crate::cli::{Preset, Weights};
use crate::config::Settings;
use crate::gguf_writer::{self, Spec, WeightType};
use std::path::Path;

use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// Ways to break a fixture on purpose (tests of bad models).
#[derive(Debug, Clone, Default)]
pub struct Broken {
    pub tokenizer: String,
    pub duplicate_token: bool,
    /// `KEY=VALUE` integer metadata.
    pub overrides: Vec<String>,
}

pub fn fixture(
    out: &Path,
    preset: Preset,
    weights: Option<Weights>,
    broken: &Broken,
) -> shared::Result<()> {
    let mut spec = match preset {
        Preset::Tiny => Spec::tiny(),
        Preset::Bench => Spec::bench(),
    };
    if !broken.tokenizer.is_empty() {
        spec.tokenizer.clone_from(&broken.tokenizer);
    }
    spec.duplicate_token = broken.duplicate_token;
    for o in &broken.overrides {
        let (k, v) = o
            .split_once('=')
            .and_then(|(k, v)| Some((k, v.parse::<u32>().ok()?)))
            .ok_or_else(|| format!("--set {o}: expected KEY=VALUE with a whole number"))?;
        spec.overrides.push((k.to_owned(), v));
    }
    if let Some(w) = weights {
        spec.weights = match w {
            Weights::F32 => WeightType::F32,
            Weights::F16 => WeightType::F16,
            Weights::Q8_0 => WeightType::Q8_0,
        };
    }
    gguf_writer::write(out, &spec).map_err(|e| shared::err!("cannot write {}: {e}", out.display()))
}

/// Resident set size in kB, from /proc (0 when unavailable).
pub fn rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

pub fn bench(
    settings: &Settings,
    model: &Path,
    prompt_file: &Path,
    tokens: u32,
    runs: u32,
) -> shared::Result<()> {
    static CANCEL: AtomicBool = AtomicBool::new(false);
    let prompt = crate::safe_read::read_capped(prompt_file, crate::prompts::MAX_BYTES)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|e| format!("prompt file {} {e}", prompt_file.display()))?;
    shared::outln!("rss_before_load_kb={}", rss_kb());
    let mut backend =
        LlamaBackend::new(&CANCEL, false).with_cpu_variant(settings.cpu_variant.clone());
    let params = crate::backend::LoadParams {
        model: model.to_path_buf(),
        threads: settings.threads.value,
        ctx: settings.ctx.value,
        batch: settings.batch.value,
        rope_freq_base: None,
        rope_freq_scale: None,
    };
    let info = backend.load(&params).map_err(|e| e.to_string())?;
    shared::outln!("load_ms={:.1}", info.load_time.as_secs_f64() * 1000.0);
    shared::outln!("cpu_features={}", backend.cpu_features());
    shared::outln!(
        "threads={} ctx={} batch={}",
        params.threads,
        params.ctx,
        params.batch
    );
    let gen = GenParams {
        max_tokens: tokens,
        temperature: settings.temperature.value,
        top_p: settings.top_p.value,
        timeout: Duration::from_secs(3600),
        ignore_eos: true,
    };
    let mut rates = Vec::new();
    for run in 0..runs.max(1) {
        // A different first word each run defeats the prefix cache: every
        // run evaluates its whole prompt, like a cold start.
        let text = format!("Run {run}. {prompt}");
        let c = backend
            .complete(&text, &gen, &mut |_| {})
            .map_err(|e| e.to_string())?;
        let gen_secs = (c.total - c.first_token).as_secs_f64();
        let rate = if gen_secs > 0.0 {
            f64::from(c.tokens.saturating_sub(1)) / gen_secs
        } else {
            0.0
        };
        let pp = f64::from(c.evaluated_tokens) / c.first_token.as_secs_f64().max(1e-9);
        shared::outln!(
            "run={run} prompt_tokens={} ttft_ms={:.1} prompt_tok_s={pp:.1} gen_tokens={} gen_tok_s={rate:.1}",
            c.prompt_tokens,
            c.first_token.as_secs_f64() * 1000.0,
            c.tokens
        );
        rates.push(rate);
    }
    rates.sort_by(f64::total_cmp);
    shared::outln!(
        "gen_tok_s_median={:.1}",
        rates.get(rates.len() / 2).copied().unwrap_or(0.0)
    );
    shared::outln!("rss_after_kb={}", rss_kb());
    Ok(())
}
