//! The portable build picks llama.cpp's CPU kernels at run time: the best
//! variant this CPU runs by default, the one `EMBER_CPU_VARIANT` names when
//! set, and on an older CPU (an emulated Nehalem: SSE4.2, no AVX) an older
//! variant instead of an illegal instruction. Each run generates tokens.
//!
//! Only in the portable build:
//! `cargo test --release -p ember-repl --features portable --test cpu_dispatch`.
#![cfg(feature = "portable")]

mod common;

use common::{stderr, stdout, Scratch, BIN};
use std::path::Path;
use std::process::{Command, Output};

const TOKENS: u32 = 8;

/// `ember-repl bench` on the tiny model, one run, one thread; through
/// `launcher` (qemu) when given.
fn bench(s: &Scratch, model: &Path, launcher: &[&str], extra: &[(&str, &str)]) -> Output {
    let prompt = s.root().join("prompt.txt");
    std::fs::write(&prompt, "the ember vault status is ready").expect("write");
    let (program, args) = match launcher {
        [first, rest @ ..] => (*first, rest.to_vec()),
        [] => (BIN, Vec::new()),
    };
    let mut cmd = Command::new(program);
    cmd.args(args);
    if !launcher.is_empty() {
        cmd.arg(BIN);
    }
    cmd.arg("bench")
        .arg("--model")
        .arg(model)
        .arg("--prompt-file")
        .arg(&prompt)
        .args(["--tokens", &TOKENS.to_string(), "--runs", "1"])
        .env_remove("EMBER_CPU_VARIANT")
        .env("LLAMA_CPP_THREADS", "1")
        .env("LLAMA_CPP_CTX", "256")
        .env("LLAMA_CPP_BATCH", "64");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd.output().expect("run ember-repl bench")
}

/// The `cpu_features=` line's features and its trailing `(...)` note.
fn cpu_line(o: &Output) -> (Vec<String>, String) {
    let out = stdout(o);
    let line = out
        .lines()
        .find_map(|l| l.strip_prefix("cpu_features="))
        .unwrap_or_else(|| panic!("no cpu_features line:\n{out}{}", stderr(o)));
    let (features, note) = line.rsplit_once(" (").unwrap_or((line, ""));
    let features: Vec<String> = features.split(' ').map(str::to_owned).collect();
    // One CPU backend registered: each feature once.
    let mut once = features.clone();
    once.sort();
    once.dedup();
    assert_eq!(once.len(), features.len(), "{line}");
    (features, note.trim_end_matches(')').to_owned())
}

fn assert_generated(o: &Output) {
    let out = stdout(o);
    assert!(o.status.success(), "{o:?}\n{out}{}", stderr(o));
    assert!(
        out.contains(&format!(" gen_tokens={TOKENS} ")),
        "{out}{}",
        stderr(o)
    );
}

#[test]
fn the_best_variant_this_cpu_runs_is_picked() {
    let s = Scratch::new();
    let model = s.add_model("tiny.gguf");
    let o = bench(&s, &model, &[], &[]);
    assert_generated(&o);
    let (features, note) = cpu_line(&o);
    assert!(note.ends_with(" variant, picked at run time"), "{note}");
    #[cfg(target_arch = "x86_64")]
    {
        let has = |f: &str| features.iter().any(|x| x == f);
        if std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
            && std::arch::is_x86_feature_detected!("f16c")
            && std::arch::is_x86_feature_detected!("bmi2")
        {
            assert!(has("AVX2") && has("FMA") && has("F16C"), "{features:?}");
        }
        if std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx512cd")
        {
            assert!(has("AVX512"), "{features:?}");
        }
        if !std::arch::is_x86_feature_detected!("avx") {
            assert!(!has("AVX"), "{features:?}");
        }
    }
    #[cfg(target_arch = "aarch64")]
    if std::arch::is_aarch64_feature_detected!("dotprod") {
        assert!(features.iter().any(|x| x == "DOTPROD"), "{features:?}");
    }
}

#[test]
fn the_forced_baseline_variant_still_generates() {
    let baseline = if cfg!(target_arch = "aarch64") {
        "armv8.0_1"
    } else {
        "x64"
    };
    let s = Scratch::new();
    let model = s.add_model("tiny.gguf");
    let o = bench(&s, &model, &[], &[("EMBER_CPU_VARIANT", baseline)]);
    assert_generated(&o);
    let (features, note) = cpu_line(&o);
    assert_eq!(
        note,
        format!("{baseline} variant, forced by EMBER_CPU_VARIANT")
    );
    for simd in ["AVX", "AVX2", "FMA", "F16C", "AVX512", "DOTPROD", "SVE"] {
        assert!(
            !features.iter().any(|x| x == simd),
            "{simd} in {features:?}"
        );
    }
}

#[test]
fn an_unknown_variant_is_one_error_line_naming_the_choices() {
    let s = Scratch::new();
    let model = s.add_model("tiny.gguf");
    let o = bench(&s, &model, &[], &[("EMBER_CPU_VARIANT", "../../tmp/evil")]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let err = stderr(&o);
    assert!(
        err.starts_with(
            "ERROR: llama.cpp has no CPU backend: EMBER_CPU_VARIANT=../../tmp/evil is not a CPU variant in "
        ) && err.ends_with("; unset it or pick one of those.\n")
            && err.lines().count() == 1,
        "{err}"
    );
    let choices = err.split("(there: ").nth(1).unwrap_or_default();
    assert!(
        choices.split(' ').any(|v| v == "x64" || v == "armv8.0_1"),
        "{err}"
    );
}

/// qemu's user-mode emulator with a Nehalem CPU model: CPUID says SSE4.2
/// and no AVX, and an AVX instruction would be an illegal instruction.
#[cfg(target_arch = "x86_64")]
#[test]
fn an_older_cpu_gets_an_older_variant() {
    let qemu = "qemu-x86_64";
    if Command::new(qemu).arg("--version").output().is_err() {
        if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
            panic!("{qemu} is missing: scripts/dev-setup.sh installs qemu-user");
        }
        eprintln!("\n*** SKIPPED: {qemu} not installed (apt install qemu-user) ***\n");
        return;
    }
    let s = Scratch::new();
    let model = s.add_model("tiny.gguf");
    let o = bench(&s, &model, &[qemu, "-cpu", "Nehalem"], &[]);
    assert_generated(&o);
    let (features, note) = cpu_line(&o);
    assert_eq!(note, "sse42 variant, picked at run time", "{features:?}");
    assert!(features.iter().any(|x| x == "SSSE3"), "{features:?}");
    assert!(!features.iter().any(|x| x == "AVX"), "{features:?}");
}
