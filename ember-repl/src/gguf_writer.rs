//! Writes small llama-architecture GGUF models with random weights.
//!
//! Tests and the benchmark need a real model file without downloading one:
//! this writes the GGUF v3 layout (header, metadata, tensor infos, 32-byte
//! aligned data) for a llama model with an SPM vocabulary of `<unk> <s> </s>`,
//! the 256 `<0xNN>` byte tokens and synthetic word pieces. Its output is
//! gibberish, but llama.cpp loads it and generates at full speed.

use shared::rng::Rng;
use std::io::{self, BufWriter, Write};
use std::path::Path;

const ALIGN: u64 = 32;
/// `</s>`, the end-of-text token of the vocabulary below.
const EOS_ID: u64 = 2;

/// Weight storage type of the matrices (norms are always F32).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightType {
    F32,
    F16,
    Q8_0,
}

impl WeightType {
    fn ggml_id(self) -> u32 {
        match self {
            WeightType::F32 => 0,
            WeightType::F16 => 1,
            WeightType::Q8_0 => 8,
        }
    }
    fn bytes(self, n: u64) -> u64 {
        match self {
            WeightType::F32 => n * 4,
            WeightType::F16 => n * 2,
            WeightType::Q8_0 => n / 32 * 34,
        }
    }
}

/// Model shape. `n_embd` and `n_ff` must be multiples of 32 for Q8_0.
#[derive(Debug, Clone)]
pub struct Spec {
    pub n_embd: u32,
    pub n_layer: u32,
    pub n_head: u32,
    pub n_ff: u32,
    /// Total vocabulary, at least 259 (specials and bytes) + 26.
    pub n_vocab: u32,
    pub ctx_train: u32,
    pub weights: WeightType,
    pub seed: u64,
    /// `tokenizer.ggml.model` ("llama"; tests write others).
    pub tokenizer: String,
    /// A `llama.block_count` other than `n_layer` (tests of broken models).
    pub block_count_kv: Option<u32>,
    /// Write one token string twice (tests of broken models).
    pub duplicate_token: bool,
    /// Integer metadata written instead of the computed value, by key
    /// (tests of broken models).
    pub overrides: Vec<(String, u32)>,
}

impl Spec {
    /// About 40 K parameters: loads in milliseconds.
    pub fn tiny() -> Spec {
        Spec {
            n_embd: 64,
            n_layer: 2,
            n_head: 4,
            n_ff: 128,
            n_vocab: 512,
            ctx_train: 4096,
            weights: WeightType::F32,
            seed: 7,
            tokenizer: "llama".into(),
            block_count_kv: None,
            duplicate_token: false,
            overrides: Vec::new(),
        }
    }
    /// About 100 M parameters, for measuring throughput.
    pub fn bench() -> Spec {
        Spec {
            n_embd: 768,
            n_layer: 10,
            n_head: 12,
            n_ff: 2048,
            n_vocab: 16000,
            ctx_train: 4096,
            weights: WeightType::Q8_0,
            seed: 11,
            tokenizer: "llama".into(),
            block_count_kv: None,
            duplicate_token: false,
            overrides: Vec::new(),
        }
    }
}

/// The vocabulary: specials, bytes, then pieces like `▁the`, `a`, `▁ab`.
pub fn vocab(n_vocab: u32) -> Vec<String> {
    let mut v: Vec<String> = ["<unk>", "<s>", "</s>"]
        .iter()
        .map(|s| (*s).to_string())
        .collect();
    v.extend((0..=255u8).map(|b| format!("<0x{b:02X}>")));
    let words = [
        "the", "ember", "vault", "status", "model", "node", "is", "ready", "ok", "and", "to", "of",
    ];
    v.push("\u{2581}".to_string());
    v.extend(words.iter().map(|w| format!("\u{2581}{w}")));
    let letters: Vec<char> = ('a'..='z')
        .chain('A'..='Z')
        .chain('0'..='9')
        .chain(".,:;!?-()[]{}\"'/".chars())
        .collect();
    v.extend(letters.iter().map(|c| c.to_string()));
    v.extend(letters.iter().map(|c| format!("\u{2581}{c}")));
    'outer: for a in &letters {
        for b in &letters {
            if v.len() >= n_vocab as usize {
                break 'outer;
            }
            v.push(format!("{a}{b}"));
            if v.len() < n_vocab as usize {
                v.push(format!("\u{2581}{a}{b}"));
            }
        }
    }
    // Pairs can repeat a word above; llama.cpp wants unique pieces.
    let mut seen = std::collections::HashSet::new();
    v.retain(|t| seen.insert(t.clone()));
    v.truncate(n_vocab.max(300) as usize);
    v
}

/// Writes the model to `path`.
pub fn write(path: &Path, spec: &Spec) -> io::Result<()> {
    let mut tokens = vocab(spec.n_vocab);
    if spec.duplicate_token {
        if let Some(prev) = tokens.get(299).cloned() {
            if let Some(t) = tokens.get_mut(300) {
                *t = prev;
            }
        }
    }
    let n_vocab = tokens.len() as u64;
    let (e, ff) = (u64::from(spec.n_embd), u64::from(spec.n_ff));
    let mut tensors: Vec<(String, Vec<u64>, bool)> = vec![
        ("token_embd.weight".into(), vec![e, n_vocab], false),
        ("output_norm.weight".into(), vec![e], true),
        ("output.weight".into(), vec![e, n_vocab], false),
    ];
    for i in 0..spec.n_layer {
        let b = |n: &str| format!("blk.{i}.{n}.weight");
        tensors.push((b("attn_norm"), vec![e], true));
        for n in ["attn_q", "attn_k", "attn_v", "attn_output"] {
            tensors.push((b(n), vec![e, e], false));
        }
        tensors.push((b("ffn_norm"), vec![e], true));
        tensors.push((b("ffn_gate"), vec![e, ff], false));
        tensors.push((b("ffn_up"), vec![e, ff], false));
        tensors.push((b("ffn_down"), vec![ff, e], false));
    }

    // Overrides of keys not written below are added as extra keys.
    let written = [
        "general.alignment",
        "llama.context_length",
        "llama.embedding_length",
        "llama.block_count",
        "llama.feed_forward_length",
        "llama.attention.head_count",
        "llama.attention.head_count_kv",
        "llama.rope.dimension_count",
        "tokenizer.ggml.bos_token_id",
        "tokenizer.ggml.eos_token_id",
        "tokenizer.ggml.unknown_token_id",
    ];
    let extra: Vec<&(String, u32)> = spec
        .overrides
        .iter()
        .filter(|(k, _)| !written.contains(&k.as_str()))
        .collect();
    let kv_u32 = |w: &mut Vec<u8>, k: &str, v: u32| {
        let v = spec
            .overrides
            .iter()
            .find(|(key, _)| key == k)
            .map_or(v, |o| o.1);
        kv_u32(w, k, v)
    };
    // The header goes to memory first: its length decides the data's padding.
    let mut w: Vec<u8> = Vec::new();
    w.write_all(b"GGUF")?;
    w.write_all(&3u32.to_le_bytes())?;
    w.write_all(&(tensors.len() as u64).to_le_bytes())?;
    w.write_all(&(18 + extra.len() as u64).to_le_bytes())?;
    kv_str(&mut w, "general.architecture", "llama")?;
    kv_str(&mut w, "general.name", "ember-fixture")?;
    kv_u32(&mut w, "general.alignment", ALIGN as u32)?;
    kv_u32(&mut w, "llama.context_length", spec.ctx_train)?;
    kv_u32(&mut w, "llama.embedding_length", spec.n_embd)?;
    kv_u32(
        &mut w,
        "llama.block_count",
        spec.block_count_kv.unwrap_or(spec.n_layer),
    )?;
    kv_u32(&mut w, "llama.feed_forward_length", spec.n_ff)?;
    kv_u32(&mut w, "llama.attention.head_count", spec.n_head)?;
    kv_u32(&mut w, "llama.attention.head_count_kv", spec.n_head)?;
    kv_u32(
        &mut w,
        "llama.rope.dimension_count",
        spec.n_embd / spec.n_head.max(1),
    )?;
    key(&mut w, "llama.attention.layer_norm_rms_epsilon", 6)?;
    w.write_all(&1e-5f32.to_le_bytes())?;
    kv_str(&mut w, "tokenizer.ggml.model", &spec.tokenizer)?;
    key(&mut w, "tokenizer.ggml.tokens", 9)?;
    w.write_all(&8u32.to_le_bytes())?;
    w.write_all(&n_vocab.to_le_bytes())?;
    for t in &tokens {
        string(&mut w, t)?;
    }
    key(&mut w, "tokenizer.ggml.scores", 9)?;
    w.write_all(&6u32.to_le_bytes())?;
    w.write_all(&n_vocab.to_le_bytes())?;
    for (i, t) in tokens.iter().enumerate() {
        // SPM merges the highest-scoring piece first: prefer longer pieces.
        let score = if i < 259 {
            0.0
        } else {
            t.chars().count() as f32 - i as f32 * 1e-4
        };
        w.write_all(&score.to_le_bytes())?;
    }
    key(&mut w, "tokenizer.ggml.token_type", 9)?;
    w.write_all(&5u32.to_le_bytes())?;
    w.write_all(&n_vocab.to_le_bytes())?;
    for i in 0..tokens.len() {
        let ty: i32 = match i {
            0 => 2,
            1 | 2 => 3,
            3..=258 => 6,
            _ => 1,
        };
        w.write_all(&ty.to_le_bytes())?;
    }
    kv_u32(&mut w, "tokenizer.ggml.bos_token_id", 1)?;
    kv_u32(&mut w, "tokenizer.ggml.eos_token_id", 2)?;
    kv_u32(&mut w, "tokenizer.ggml.unknown_token_id", 0)?;
    for (k, v) in extra {
        kv_u32(&mut w, k, *v)?;
    }

    let mut offset = 0u64;
    let mut sizes = Vec::new();
    for (name, dims, norm) in &tensors {
        string(&mut w, name)?;
        w.write_all(&(dims.len() as u32).to_le_bytes())?;
        for d in dims {
            w.write_all(&d.to_le_bytes())?;
        }
        let ty = if *norm { WeightType::F32 } else { spec.weights };
        w.write_all(&ty.ggml_id().to_le_bytes())?;
        w.write_all(&offset.to_le_bytes())?;
        let size = ty.bytes(dims.iter().product());
        sizes.push((ty, size));
        offset += size.div_ceil(ALIGN) * ALIGN;
    }
    let padded = (w.len() as u64).div_ceil(ALIGN) * ALIGN;
    w.resize(padded as usize, 0);
    let header = w;
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    w.write_all(&header)?;
    let mut rng = Rng(spec.seed | 1);
    for ((name, dims, norm), (ty, size)) in tensors.iter().zip(&sizes) {
        let n: u64 = dims.iter().product();
        if *norm {
            for _ in 0..n {
                w.write_all(&1.0f32.to_le_bytes())?;
            }
        } else {
            let scale = 1.0 / (dims[0] as f32).sqrt();
            for row in 0..dims[1] {
                // A zero output row gives `</s>` a logit of exactly 0, below
                // the top 40 of the random ones: the fixture never stops by
                // itself, so timeouts and Ctrl-C can be tested reliably.
                let silent = name == "output.weight" && row == EOS_ID;
                write_random(
                    &mut w,
                    *ty,
                    dims[0],
                    if silent { 0.0 } else { scale },
                    &mut rng,
                )?;
            }
        }
        let padded = size.div_ceil(ALIGN) * ALIGN;
        w.write_all(&vec![0u8; (padded - size) as usize])?;
    }
    w.flush()
}

fn write_random(
    w: &mut impl Write,
    ty: WeightType,
    n: u64,
    scale: f32,
    rng: &mut Rng,
) -> io::Result<()> {
    match ty {
        WeightType::F32 => {
            (0..n).try_for_each(|_| w.write_all(&(rng.unit() * scale).to_le_bytes()))
        }
        WeightType::F16 => {
            (0..n).try_for_each(|_| w.write_all(&f16_bits(rng.unit() * scale).to_le_bytes()))
        }
        WeightType::Q8_0 => {
            let mut block = [0u8; 34];
            for _ in 0..n / 32 {
                block[..2].copy_from_slice(&f16_bits(scale / 127.0).to_le_bytes());
                for b in &mut block[2..] {
                    *b = (rng.next() % 255) as u8;
                }
                w.write_all(&block)?;
            }
            Ok(())
        }
    }
}

fn string(w: &mut impl Write, s: &str) -> io::Result<()> {
    w.write_all(&(s.len() as u64).to_le_bytes())?;
    w.write_all(s.as_bytes())
}

fn key(w: &mut impl Write, k: &str, ty: u32) -> io::Result<()> {
    string(w, k)?;
    w.write_all(&ty.to_le_bytes())
}

fn kv_str(w: &mut impl Write, k: &str, v: &str) -> io::Result<()> {
    key(w, k, 8)?;
    string(w, v)
}

fn kv_u32(w: &mut impl Write, k: &str, v: u32) -> io::Result<()> {
    key(w, k, 4)?;
    w.write_all(&v.to_le_bytes())
}

/// IEEE half from a small f32 (weights are within ±1: no overflow handling needed).
fn f16_bits(x: f32) -> u16 {
    let b = x.to_bits();
    let sign = ((b >> 16) & 0x8000) as u16;
    let exp = ((b >> 23) & 0xff) as i32 - 127 + 15;
    if exp <= 0 {
        return sign;
    }
    if exp >= 31 {
        return sign | 0x7c00;
    }
    sign | ((exp as u16) << 10) | ((b >> 13) & 0x3ff) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_aligned_and_sized() {
        let tmp = tempfile::tempdir().expect("tmp");
        let p = tmp.path().join("m.gguf");
        write(&p, &Spec::tiny()).expect("write");
        let bytes = std::fs::read(&p).expect("read");
        assert_eq!(&bytes[..4], b"GGUF");
        assert_eq!(bytes.len() % 32, 0);
        assert!(crate::gguf_check::check(&p).is_ok());
        assert_eq!(vocab(512).len(), 512);
        assert_eq!(f16_bits(1.0), 0x3c00);
        assert_eq!(f16_bits(-0.5), 0xb800);
    }
}
