//! A look at a model file before llama.cpp opens it.
//!
//! llama.cpp reports a bad file only through its log, and some bad files it
//! does not report at all: it aborts the process (a `block_count` of 0 or
//! 2^31, two identical token strings, a `"bert"` tokenizer on a llama model)
//! or runs away (`"rwkv"` on llama grows memory without end). This check
//! catches the operator mistakes (a half-downloaded file, an HTML error page
//! saved as `.gguf`, a legacy GGML `.bin`, a FIFO or a folder) and those
//! known crashes, each with a sentence that says what is wrong. What it
//! cannot foresee, the probe (`probe`) catches in a child process.
//!
//! The metadata is read as a stream with every count and length bounded by
//! what is left of the file and by what real models hold (keys, strings,
//! vocabulary size), so a lying header in a 50 GB file cannot make it
//! allocate or loop for long: a check takes milliseconds.

use crate::safe_read::{self, ReadError};
use std::collections::HashSet;
use std::io::{BufReader, Read};
use std::path::Path;

/// Layers above this are not a real model (the largest have ~130).
pub const MAX_BLOCKS: u64 = 4096;
/// Metadata keys: real models have a few dozen.
const MAX_KEYS: u64 = 65_536;
/// A key, a name or a token read into memory (others are skipped).
const MAX_STRING: u64 = 1024 * 1024;
/// Tokens in a vocabulary: the largest have about a million.
const MAX_TOKENS: u64 = 16 * 1024 * 1024;

/// What the metadata says that matters to loading.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GgufInfo {
    pub arch: Option<String>,
    /// `<arch>.context_length`: the context the model was trained for.
    pub context_length: Option<u64>,
}

/// Ok with what was learnt when the file looks loadable; Err with an
/// explanation (to follow "could not load <path>: ") otherwise.
pub fn check(path: &Path) -> Result<GgufInfo, String> {
    let shown = path.display();
    let (file, meta) = safe_read::open_regular(path).map_err(|e| match e {
        ReadError::NotRegular(kind) => format!("{shown} is {kind}, not a .gguf file"),
        ReadError::Missing => format!("{shown} does not exist"),
        other => format!("cannot read {shown}: {other}"),
    })?;
    let mut r = Reader {
        inner: BufReader::with_capacity(64 * 1024, file),
        left: meta.len(),
    };
    let mut head = [0u8; 8];
    let n = r.fill(&mut head);
    if n >= 4 && &head[..4] != b"GGUF" {
        let what = match &head[..4] {
            b"lmgg" | b"fmgg" | b"tjgg" | b"ggml" | b"ggjt" => {
                "a legacy GGML model; convert it to GGUF"
            }
            [b'<', ..] => "text or HTML (a failed download?)",
            _ => "not a GGUF file",
        };
        return Err(format!(
            "{shown} is {what} (it does not start with \"GGUF\")"
        ));
    }
    if meta.len() < 24 {
        return Err(format!(
            "{shown} is truncated ({} bytes, shorter than a GGUF header); download it again",
            meta.len()
        ));
    }
    let version = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
    if !(2..=3).contains(&version) {
        return Err(format!(
            "{shown} has GGUF version {version}, which this build does not read"
        ));
    }
    metadata(&mut r).map_err(|e| format!("{shown} {e}"))
}

/// The key/value section, checked.
fn metadata(r: &mut Reader) -> Result<GgufInfo, String> {
    let _tensors = r.u64()?;
    let n_kv = r.u64()?;
    if n_kv > MAX_KEYS {
        return Err(format!("claims {n_kv} metadata keys; it is corrupt"));
    }
    let mut info = GgufInfo::default();
    let mut tokenizer: Option<String> = None;
    // Keys naming the architecture are known only once it is read (it comes
    // first in every converter's output, but nothing requires that).
    let mut numbers: Vec<(String, u64)> = Vec::new();
    for _ in 0..n_kv {
        let key = r.string()?;
        let ty = r.u32()?;
        match (key.as_str(), ty) {
            ("general.architecture", 8) => info.arch = Some(r.string()?),
            ("tokenizer.ggml.model", 8) => tokenizer = Some(r.string()?),
            ("tokenizer.ggml.tokens", 9) => unique_tokens(r)?,
            (k, 0..=5 | 10 | 11)
                if k.ends_with(".block_count") || k.ends_with(".context_length") =>
            {
                numbers.push((key.clone(), r.int(ty)?));
            }
            _ => r.skip_value(ty, 0)?,
        }
    }
    let arch = info.arch.clone().unwrap_or_default();
    for (key, value) in numbers {
        if key == format!("{arch}.block_count") && (value == 0 || value > MAX_BLOCKS) {
            return Err(format!(
                "says it has {value} layers ({key}), which no model has; it would crash llama.cpp"
            ));
        }
        if key == format!("{arch}.context_length") {
            info.context_length = Some(value);
        }
    }
    if let Some(t) = tokenizer {
        tokenizer_fits(&arch, &t)?;
    }
    Ok(info)
}

/// Whether llama.cpp can run tokenizer `t` with architecture `arch`: the
/// WordPiece (`bert`) and RWKV tokenizers make it abort or run away on any
/// other architecture, and a model without vocabulary cannot take a prompt.
fn tokenizer_fits(arch: &str, t: &str) -> Result<(), String> {
    let fits = match t {
        "bert" => arch.contains("bert"),
        "rwkv" => arch.starts_with("rwkv"),
        "none" | "no_vocab" => {
            return Err(
                "has no vocabulary (tokenizer.ggml.model is \"none\"): it cannot take a prompt"
                    .into(),
            )
        }
        _ => true,
    };
    if fits {
        Ok(())
    } else {
        Err(format!(
            "pairs the \"{t}\" tokenizer with the \"{arch}\" architecture (tokenizer.ggml.model), which would crash llama.cpp"
        ))
    }
}

/// `tokenizer.ggml.tokens`: an array of strings, each present once.
fn unique_tokens(r: &mut Reader) -> Result<(), String> {
    let elem = r.u32()?;
    let len = r.u64()?;
    if elem != 8 {
        return r.skip_array(elem, len, 1);
    }
    if len > MAX_TOKENS {
        return Err(format!(
            "claims {len} tokens in its vocabulary; it is corrupt"
        ));
    }
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    for i in 0..len {
        let token = r.bytes()?;
        if !seen.insert(token) {
            return Err(format!(
                "lists token {i} twice in its vocabulary (tokenizer.ggml.tokens), which would crash llama.cpp"
            ));
        }
    }
    Ok(())
}

/// A bounded reader: never asked for more than the file holds.
struct Reader {
    inner: BufReader<std::fs::File>,
    left: u64,
}

const TRUNCATED: &str = "is truncated (its metadata ends early); download it again";

impl Reader {
    /// As many bytes as there are, up to `buf.len()`.
    fn fill(&mut self, buf: &mut [u8]) -> usize {
        let mut n = 0;
        while n < buf.len() {
            match self.inner.read(&mut buf[n..]) {
                Ok(0) | Err(_) => break,
                Ok(k) => n += k,
            }
        }
        n
    }

    fn exact<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut b = [0u8; N];
        if self.left < N as u64 || self.fill(&mut b) < N {
            return Err(TRUNCATED.into());
        }
        self.left -= N as u64;
        Ok(b)
    }

    fn u32(&mut self) -> Result<u32, String> {
        self.exact::<4>().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Result<u64, String> {
        self.exact::<8>().map(u64::from_le_bytes)
    }

    /// An integer value of GGUF type `ty` (negative as 0).
    fn int(&mut self, ty: u32) -> Result<u64, String> {
        Ok(match ty {
            0 => u64::from(self.exact::<1>()?[0]),
            1 => u64::try_from(i8::from_le_bytes(self.exact::<1>()?)).unwrap_or(0),
            2 => u64::from(u16::from_le_bytes(self.exact::<2>()?)),
            3 => u64::try_from(i16::from_le_bytes(self.exact::<2>()?)).unwrap_or(0),
            4 => u64::from(self.u32()?),
            5 => u64::try_from(i32::from_le_bytes(self.exact::<4>()?)).unwrap_or(0),
            10 => self.u64()?,
            _ => u64::try_from(i64::from_le_bytes(self.exact::<8>()?)).unwrap_or(0),
        })
    }

    fn bytes(&mut self) -> Result<Vec<u8>, String> {
        let len = self.u64()?;
        if len > self.left {
            return Err(TRUNCATED.into());
        }
        if len > MAX_STRING {
            return Err(format!(
                "holds a metadata string of {len} bytes; it is corrupt"
            ));
        }
        let len = usize::try_from(len).map_err(|_| TRUNCATED.to_string())?;
        let mut b = vec![0u8; len];
        if self.fill(&mut b) < len {
            return Err(TRUNCATED.into());
        }
        self.left -= len as u64;
        Ok(b)
    }

    fn string(&mut self) -> Result<String, String> {
        self.bytes()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    fn skip(&mut self, n: u64) -> Result<(), String> {
        if n > self.left {
            return Err(TRUNCATED.into());
        }
        let n = i64::try_from(n).map_err(|_| TRUNCATED.to_string())?;
        self.inner
            .seek_relative(n)
            .map_err(|_| TRUNCATED.to_string())?;
        self.left -= n.unsigned_abs();
        Ok(())
    }

    /// Skips one value of type `ty`; arrays nest at most a few levels.
    fn skip_value(&mut self, ty: u32, depth: u32) -> Result<(), String> {
        match fixed_size(ty) {
            Some(n) => self.skip(n),
            None if ty == 8 => {
                let len = self.u64()?;
                self.skip(len)
            }
            None if ty == 9 && depth < 4 => {
                let elem = self.u32()?;
                let len = self.u64()?;
                self.skip_array(elem, len, depth + 1)
            }
            None => Err(format!(
                "holds a value of unknown type {ty} in its metadata; it is corrupt"
            )),
        }
    }

    fn skip_array(&mut self, elem: u32, len: u64, depth: u32) -> Result<(), String> {
        if let Some(n) = fixed_size(elem) {
            return self.skip(n.checked_mul(len).ok_or(TRUNCATED)?);
        }
        // Each element takes at least 8 bytes: a lying length ends at EOF.
        if len > self.left / 8 {
            return Err(TRUNCATED.into());
        }
        (0..len).try_for_each(|_| self.skip_value(elem, depth))
    }
}

/// Bytes of a fixed-size GGUF value type.
fn fixed_size(ty: u32) -> Option<u64> {
    match ty {
        0 | 1 | 7 => Some(1),
        2 | 3 => Some(2),
        4..=6 => Some(4),
        10..=12 => Some(8),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gguf_writer::{self, Spec};

    #[test]
    fn explains_what_is_wrong() {
        let tmp = tempfile::tempdir().expect("tmp");
        let p = |name: &str, bytes: &[u8]| {
            let path = tmp.path().join(name);
            std::fs::write(&path, bytes).expect("write");
            path
        };
        let mut good = b"GGUF".to_vec();
        good.extend_from_slice(&3u32.to_le_bytes());
        good.extend_from_slice(&[0; 16]);
        assert_eq!(check(&p("ok.gguf", &good)), Ok(GgufInfo::default()));
        let e = check(&p("html.gguf", b"<!DOCTYPE html>")).expect_err("html");
        assert!(e.contains("HTML"), "{e}");
        assert!(check(&p("short.gguf", b"GGUF\x03"))
            .expect_err("short")
            .contains("truncated"));
        assert!(check(&p("empty.gguf", b""))
            .expect_err("empty")
            .contains("truncated"));
        assert!(check(&p("ggml.bin", b"ggjt...."))
            .expect_err("legacy")
            .contains("legacy"));
        let mut v9 = good.clone();
        v9[4] = 9;
        assert!(check(&p("v9.gguf", &v9))
            .expect_err("v9")
            .contains("version 9"));
        let mut lying = good.clone();
        lying[16] = 0xff; // 255 keys in a 24-byte file
        assert!(check(&p("lying.gguf", &lying))
            .expect_err("lying")
            .contains("truncated"));
        lying[20] = 0xff; // 2^32 keys and more
        assert!(check(&p("keys.gguf", &lying))
            .expect_err("keys")
            .contains("metadata keys; it is corrupt"));
        // One key with a 40 GB name, in a sparse file: refused, not read.
        let mut huge = good.clone();
        huge[16] = 1;
        huge.extend_from_slice(&(40u64 << 30).to_le_bytes());
        let sparse = p("sparse.gguf", &huge);
        std::fs::File::options()
            .write(true)
            .open(&sparse)
            .and_then(|f| f.set_len(41 << 30))
            .expect("sparse");
        let start = std::time::Instant::now();
        assert!(check(&sparse)
            .expect_err("huge")
            .contains("metadata string of 42949672960 bytes"));
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
        assert!(check(&tmp.path().join("none.gguf"))
            .expect_err("missing")
            .contains("does not exist"));
        assert!(check(tmp.path()).expect_err("dir").contains("is a folder"));
        let fifo = tmp.path().join("fifo.gguf");
        crate::testutil::mkfifo(&fifo);
        assert!(check(&fifo)
            .expect_err("fifo")
            .ends_with("is a FIFO, not a .gguf file"));
    }

    fn model(tmp: &Path, name: &str, edit: impl FnOnce(&mut Spec)) -> std::path::PathBuf {
        let mut spec = Spec::tiny();
        edit(&mut spec);
        let path = tmp.join(name);
        gguf_writer::write(&path, &spec).expect("write");
        path
    }

    #[test]
    fn models_that_would_crash_llama_cpp_are_refused() {
        let tmp = tempfile::tempdir().expect("tmp");
        let t = tmp.path();
        let ok = check(&model(t, "ok.gguf", |_| {})).expect("ok");
        assert_eq!(ok.arch.as_deref(), Some("llama"));
        assert_eq!(ok.context_length, Some(4096));
        for (name, edit, want) in [
            (
                "zero.gguf",
                Box::new(|s: &mut Spec| s.block_count_kv = Some(0)) as Box<dyn FnOnce(&mut Spec)>,
                "0 layers",
            ),
            (
                "huge.gguf",
                Box::new(|s: &mut Spec| s.block_count_kv = Some(1 << 31)),
                "2147483648 layers",
            ),
            (
                "dup.gguf",
                Box::new(|s: &mut Spec| s.duplicate_token = true),
                "twice",
            ),
            (
                "bert.gguf",
                Box::new(|s: &mut Spec| s.tokenizer = "bert".into()),
                "\"bert\" tokenizer with the \"llama\"",
            ),
            (
                "rwkv.gguf",
                Box::new(|s: &mut Spec| s.tokenizer = "rwkv".into()),
                "\"rwkv\" tokenizer",
            ),
            (
                "none.gguf",
                Box::new(|s: &mut Spec| s.tokenizer = "none".into()),
                "no vocabulary",
            ),
        ] {
            let e = check(&model(t, name, edit)).expect_err(name);
            assert!(e.contains(want), "{name}: {e}");
        }
    }
}
