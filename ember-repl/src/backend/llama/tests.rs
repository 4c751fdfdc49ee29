//! Tests against the real llama.cpp, on GGUF files generated here.
//!
//! They run one at a time (llama.cpp's log capture is process-wide, and the
//! timing assertions want the CPU to themselves).

use super::*;
use crate::backend::{BackendError, LoadParams, Stop};
use crate::gguf_writer::{self, Spec};
use crate::testutil::flag;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Mutex;

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn tiny(dir: &Path) -> PathBuf {
    let p = dir.join("tiny.gguf");
    gguf_writer::write(&p, &Spec::tiny()).expect("write gguf");
    p
}

fn load_params(model: &Path, ctx: u32, batch: u32) -> LoadParams {
    // One thread: ggml's spinning thread barrier crawls when other tests and
    // builds share the two cores of a CI runner.
    LoadParams {
        model: model.to_path_buf(),
        threads: 1,
        ctx,
        batch,
        rope_freq_base: None,
        rope_freq_scale: None,
    }
}

fn gen(max_tokens: u32, timeout_ms: u64) -> GenParams {
    GenParams {
        max_tokens,
        temperature: 0.2,
        top_p: 0.95,
        timeout: Duration::from_millis(timeout_ms),
        ignore_eos: true,
    }
}

#[test]
fn loads_generates_streams_and_reuses_the_prompt_cache() {
    let _s = serial();
    let tmp = tempfile::tempdir().expect("tmp");
    let model = tiny(tmp.path());
    let mut b = LlamaBackend::new(flag(), false);
    let info = b.load(&load_params(&model, 512, 16)).expect("load");
    assert!(info.n_params > 10_000 && info.ctx == 512, "{info:?}");
    assert!(b.model().is_some());

    let prompt = "the ember vault status is ready and the node is ok. ".repeat(4);
    let mut streamed = String::new();
    let c = b
        .complete(&prompt, &gen(24, 10_000), &mut |s| streamed.push_str(s))
        .expect("complete");
    assert_eq!((c.tokens, c.stop), (24, Stop::MaxTokens));
    assert_eq!(streamed, c.text);
    assert!(
        c.prompt_tokens > 16,
        "fed in several n_batch chunks: {}",
        c.prompt_tokens
    );
    assert_eq!(c.evaluated_tokens, c.prompt_tokens);

    let c2 = b
        .complete(&format!("{prompt}more"), &gen(4, 10_000), &mut |_| {})
        .expect("again");
    assert!(c2.evaluated_tokens < 6, "shared prefix reused: {c2:?}");
    let c3 = b
        .complete("different start", &gen(4, 10_000), &mut |_| {})
        .expect("other");
    assert_eq!(
        c3.evaluated_tokens,
        c3.prompt_tokens - 1,
        "only BOS is shared"
    );
}

#[test]
fn stops_at_end_of_text_or_when_the_context_is_full() {
    let _s = serial();
    let tmp = tempfile::tempdir().expect("tmp");
    let model = tiny(tmp.path());
    let mut b = LlamaBackend::new(flag(), false);
    b.load(&load_params(&model, 64, 64)).expect("load");
    let c = b
        .complete("ready ok", &gen(10_000, 10_000), &mut |_| {})
        .expect("complete");
    assert_eq!(c.stop, Stop::ContextFull);
    let ctx = b.model().map_or(0, |m| m.ctx);
    assert!(c.prompt_tokens + c.tokens <= ctx, "{c:?}");
    // Greedy and EOS allowed: whatever happens, it ends cleanly.
    let greedy = GenParams {
        temperature: 0.0,
        ignore_eos: false,
        ..gen(30, 10_000)
    };
    let c = b.complete("ok", &greedy, &mut |_| {}).expect("greedy");
    assert!(matches!(c.stop, Stop::EndOfText | Stop::MaxTokens), "{c:?}");
}

#[test]
fn a_prompt_longer_than_the_context_is_refused() {
    let _s = serial();
    let tmp = tempfile::tempdir().expect("tmp");
    let model = tiny(tmp.path());
    let mut b = LlamaBackend::new(flag(), false);
    b.load(&load_params(&model, 64, 8)).expect("load");
    let long = "vault ".repeat(200);
    match b.complete(&long, &gen(8, 10_000), &mut |_| {}) {
        // llama.cpp rounds tiny contexts up (to 256 here); the error gives the real size.
        Err(BackendError::PromptTooLong { tokens, ctx }) => {
            assert!(ctx >= 64 && tokens > ctx as usize)
        }
        other => panic!("{other:?}"),
    }
    // The backend is still usable.
    b.complete("ok", &gen(4, 10_000), &mut |_| {})
        .expect("after");
}

#[test]
fn the_timeout_returns_at_the_deadline() {
    let _s = serial();
    let tmp = tempfile::tempdir().expect("tmp");
    let model = tiny(tmp.path());
    let mut b = LlamaBackend::new(flag(), false);
    b.load(&load_params(&model, 4096, 128)).expect("load");
    let start = Instant::now();
    let mut pieces = 0;
    let r = b.complete("status", &gen(100_000, 150), &mut |_| pieces += 1);
    let took = start.elapsed();
    match r {
        Err(BackendError::Timeout { seconds, .. }) => assert!((seconds - 0.15).abs() < 1e-9),
        other => panic!("{other:?}"),
    }
    assert!(
        took >= Duration::from_millis(150) && took < Duration::from_millis(600),
        "{took:?}"
    );
    assert!(pieces > 0, "tokens were streamed before the deadline");
    b.complete("status", &gen(4, 10_000), &mut |_| {})
        .expect("usable after a timeout");
}

#[test]
fn ctrl_c_cancels_generation_and_loading() {
    let _s = serial();
    let tmp = tempfile::tempdir().expect("tmp");
    let model = tiny(tmp.path());
    let cancel = flag();
    let mut b = LlamaBackend::new(cancel, false);
    b.load(&load_params(&model, 4096, 128)).expect("load");
    let setter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        cancel.store(true, Ordering::SeqCst);
    });
    let start = Instant::now();
    let r = b.complete("status", &gen(100_000, 60_000), &mut |_| {});
    setter.join().expect("join");
    assert!(matches!(r, Err(BackendError::Cancelled { .. })), "{r:?}");
    assert!(start.elapsed() < Duration::from_millis(1000));
    // With the flag still up, a load is abandoned too.
    assert_eq!(
        b.load(&load_params(&model, 512, 16)),
        Err(BackendError::LoadCancelled)
    );
    cancel.store(false, Ordering::SeqCst);
    b.load(&load_params(&model, 512, 16))
        .expect("load after cancel");
}

#[test]
fn corrupt_files_are_rejected_with_a_reason() {
    let _s = serial();
    let tmp = tempfile::tempdir().expect("tmp");
    let good = tiny(tmp.path());
    let bytes = std::fs::read(&good).expect("read");
    let write = |name: &str, data: &[u8]| {
        let p = tmp.path().join(name);
        std::fs::write(&p, data).expect("write");
        p
    };
    let truncated = write("truncated.gguf", &bytes[..bytes.len() / 2]);
    let header_only = write("header.gguf", &bytes[..64]);
    let mut bad_meta = bytes[..24].to_vec();
    bad_meta[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
    let bad_meta = write("badmeta.gguf", &bad_meta);
    let html = write("page.gguf", b"<!DOCTYPE html><title>404</title>");
    let empty = write("empty.gguf", b"");
    let missing = tmp.path().join("missing.gguf");

    let mut b = LlamaBackend::new(flag(), false);
    let reason = |b: &mut LlamaBackend, p: &Path| match b.load(&load_params(p, 512, 16)) {
        Err(BackendError::Load { path, reason }) => {
            assert_eq!(path, p);
            reason
        }
        other => panic!("{}: {other:?}", p.display()),
    };
    let r = reason(&mut b, &truncated);
    assert!(
        r.contains("file bounds") || r.contains("corrupted or incomplete"),
        "{r}"
    );
    for p in [&header_only, &bad_meta] {
        let r = reason(&mut b, p);
        assert!(
            !r.is_empty() && r != "llama.cpp could not read it",
            "{}: {r}",
            p.display()
        );
    }
    assert!(reason(&mut b, &html).contains("HTML"));
    assert!(reason(&mut b, &empty).contains("truncated"));
    assert!(reason(&mut b, &missing).contains("does not exist"));
    assert!(reason(&mut b, tmp.path()).contains("is a folder"));
    assert!(b.model().is_none());
    let shown = BackendError::Load {
        path: truncated.clone(),
        reason: r,
    }
    .to_string();
    assert!(
        shown.ends_with("Replace the file, or pick another with /model use <name>."),
        "{shown}"
    );
    b.load(&load_params(&good, 512, 16))
        .expect("a good file still loads");
}

#[test]
fn a_context_above_the_trained_one_is_capped_with_a_warning() {
    let _s = serial();
    let tmp = tempfile::tempdir().expect("tmp");
    let p = tmp.path().join("short.gguf");
    let spec = Spec {
        ctx_train: 256,
        ..Spec::tiny()
    };
    gguf_writer::write(&p, &spec).expect("write");
    let mut b = LlamaBackend::new(flag(), false);
    let info = b.load(&load_params(&p, 16_777_216, 128)).expect("load");
    assert_eq!(info.ctx, 256);
    assert_eq!(
        info.notes,
        ["LLAMA_CPP_CTX=16777216 is more than the 256 tokens this model was trained for; using 256"]
    );
    // Within the trained context: no note (llama.cpp pads to 256 itself).
    let info = b.load(&load_params(&p, 200, 128)).expect("load");
    assert_eq!((info.ctx, info.notes.len()), (256, 0));
    let shown = BackendError::Context {
        ctx: 1 << 30,
        reason: "out of memory".into(),
    }
    .to_string();
    assert!(shown.ends_with("lower LLAMA_CPP_CTX."), "{shown}");
}

/// `/status`'s cpu line is what llama.cpp was compiled with: every SIMD
/// feature ggml reports on its own is listed, and a Rust build for a CPU
/// with AVX2 (`-C target-cpu=native` on such a machine) reaches llama.cpp.
#[cfg(not(feature = "portable"))]
#[test]
fn cpu_features_are_the_ones_llama_cpp_was_built_with() {
    let _s = serial();
    let tmp = tempfile::tempdir().expect("tmp");
    let model = tiny(tmp.path());
    let mut b = LlamaBackend::new(flag(), false);
    b.load(&load_params(&model, 256, 16)).expect("load");
    let shown = b.cpu_features();
    let listed: Vec<&str> = shown.split(' ').collect();
    for f in ffi::compiled_cpu_features() {
        assert!(listed.contains(&f), "{f} missing from {shown:?}");
    }
    if cfg!(all(target_arch = "x86_64", target_feature = "avx2")) {
        assert!(listed.contains(&"AVX2"), "{shown:?}");
    }
    if cfg!(all(target_arch = "aarch64", target_feature = "dotprod")) {
        assert!(listed.contains(&"DOTPROD"), "{shown:?}");
    }
    assert_eq!(shown, cpu::from_system_info(&ffi::system_info()));
}

/// The portable build: the cpu line is the loaded variant library's own
/// features, with its name; a CPU with AVX2 (FMA, F16C, BMI2) gets a
/// variant with AVX2, and generation runs on it.
#[cfg(all(feature = "portable", target_arch = "x86_64"))]
#[test]
fn the_portable_build_runs_a_variant_with_this_cpus_simd() {
    let _s = serial();
    if std::env::var_os(variants::FORCE_VAR).is_some() {
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let model = tiny(tmp.path());
    let mut b = LlamaBackend::new(flag(), false);
    b.load(&load_params(&model, 256, 16)).expect("load");
    let c = b
        .complete("ready ok", &gen(8, 10_000), &mut |_| {})
        .expect("complete");
    assert_eq!(c.tokens, 8);
    let shown = b.cpu_features();
    let choice = variants::ensure(None).expect("a variant is loaded");
    assert!(!choice.forced);
    assert_eq!(
        shown,
        format!(
            "{} ({})",
            cpu::from_system_info(&ffi::system_info()),
            choice.describe()
        )
    );
    let listed: Vec<&str> = shown.split(' ').collect();
    let avx2 = std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("fma")
        && std::arch::is_x86_feature_detected!("f16c")
        && std::arch::is_x86_feature_detected!("bmi2");
    if avx2 {
        assert!(listed.contains(&"AVX2"), "{shown:?}");
    } else if !std::arch::is_x86_feature_detected!("avx") {
        assert!(!listed.contains(&"AVX"), "{shown:?}");
    }
}
