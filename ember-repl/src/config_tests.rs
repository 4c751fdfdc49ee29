//! Tests of settings parsing and provenance.

use super::*;
use std::collections::HashMap;

fn load(pairs: &[(&str, &str)]) -> Settings {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Settings::load(&move |k| map.get(k).cloned(), 2)
}

#[test]
fn defaults_match_the_python_runtime() {
    let s = load(&[]);
    assert_eq!(s.max_tokens.value, 128);
    assert_eq!(s.threads.value, 2);
    assert_eq!(s.temperature.value, 0.2);
    assert_eq!(s.top_p.value, 0.95);
    assert_eq!(s.timeout(), Duration::from_secs(120));
    assert_eq!(s.ctx.value, 2048);
    assert_eq!(s.batch.value, 128);
    assert_eq!(s.rope_freq_base.value, None);
    assert_eq!(s.vault_dir.value, PathBuf::from("/vault"));
    assert_eq!(s.log_level.value, LogLevel::Warning);
    assert!(s.warnings.is_empty());
    assert!(s.rows().iter().all(|r| r.source == "default"));
}

#[test]
fn env_values_are_used_and_reported() {
    let s = load(&[
        ("LLAMA_CPP_MAX_TOKENS", "64"),
        ("LLAMA_CPP_TIMEOUT", "0.5"),
        ("LLAMA_CPP_ROPE_FREQ_BASE", "10000"),
        ("EMBER_LOG_LEVEL", "DEBUG"),
        ("VAULT_DIR", "~/vault"),
        ("HOME", "/home/op"),
    ]);
    assert_eq!(
        s.max_tokens,
        Knob {
            value: 64,
            source: Source::Env("LLAMA_CPP_MAX_TOKENS")
        }
    );
    assert_eq!(s.timeout(), Duration::from_millis(500));
    assert_eq!(s.rope_freq_base.value, Some(10000.0));
    assert_eq!(s.log_level.value, LogLevel::Debug);
    assert_eq!(s.vault_dir.value, PathBuf::from("/home/op/vault"));
    let rows = s.rows();
    let row = rows
        .iter()
        .find(|r| r.var == "LLAMA_CPP_MAX_TOKENS")
        .expect("row");
    assert_eq!(
        (row.value.as_str(), row.source.as_str()),
        ("64", "env LLAMA_CPP_MAX_TOKENS")
    );
}

#[test]
fn bad_values_warn_with_the_variable_and_default() {
    let s = load(&[
        ("LLAMA_CPP_THREADS", "lots"),
        ("LLAMA_CPP_MAX_TOKENS", "0"),
        ("LLAMA_CPP_TEMPERATURE", "NaN"),
        ("LLAMA_CPP_TOP_P", "1.5"),
        ("LLAMA_CPP_TIMEOUT", "-3"),
        ("LLAMA_CPP_CTX", "99999999999"),
        ("LLAMA_CPP_ROPE_FREQ_SCALE", "x"),
        ("EMBER_LOG_LEVEL", "loud"),
    ]);
    assert_eq!(s.threads.value, 2);
    assert_eq!(s.threads.source, Source::Rejected("LLAMA_CPP_THREADS"));
    assert_eq!(s.max_tokens.value, 128);
    assert_eq!(s.temperature.value, 0.2);
    assert_eq!(s.top_p.value, 0.95);
    assert_eq!(s.timeout.value, 120.0);
    assert_eq!(s.ctx.value, 2048);
    assert_eq!(s.warnings.len(), 8, "{:#?}", s.warnings);
    assert!(s.warnings[0].contains("LLAMA_CPP_MAX_TOKENS") || s.warnings[0].contains("THREADS"));
    let threads = s
        .warnings
        .iter()
        .find(|w| w.contains("LLAMA_CPP_THREADS"))
        .expect("warn");
    assert!(
        threads.contains("\"lots\"") && threads.contains("default 2"),
        "{threads}"
    );
    assert!(s
        .warnings
        .iter()
        .any(|w| w.contains("EMBER_LOG_LEVEL") && w.contains("warning")));
}
