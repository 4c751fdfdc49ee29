//! A quick look at a model file before llama.cpp opens it.
//!
//! llama.cpp reports a bad file only through its log; this check catches the
//! common operator mistakes (a half-downloaded file, an HTML error page saved
//! as `.gguf`, a legacy GGML `.bin`) with a sentence that says what to do.

use std::io::Read;
use std::path::Path;

/// The fixed GGUF header: magic, version, tensor count, metadata count.
const HEADER_LEN: usize = 24;

/// Ok(()) when the header looks like GGUF v1-v3; Err with an explanation otherwise.
pub fn check(path: &Path) -> Result<(), String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if meta.is_dir() {
        return Err(format!(
            "{} is a directory, not a .gguf file",
            path.display()
        ));
    }
    let mut head = [0u8; HEADER_LEN];
    let mut file =
        std::fs::File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let n = read_up_to(&mut file, &mut head)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if n >= 4 && &head[..4] != b"GGUF" {
        let what = match &head[..4] {
            b"lmgg" | b"fmgg" | b"tjgg" | b"ggml" | b"ggjt" => {
                "a legacy GGML model; convert it to GGUF"
            }
            [b'<', ..] => "text or HTML (a failed download?)",
            _ => "not a GGUF file",
        };
        return Err(format!(
            "{} is {what} (it does not start with \"GGUF\")",
            path.display()
        ));
    }
    if n < HEADER_LEN {
        return Err(format!(
            "{} is truncated ({n} bytes, shorter than a GGUF header); download it again",
            path.display()
        ));
    }
    let version = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
    if !(1..=3).contains(&version) {
        return Err(format!(
            "{} has GGUF version {version}, which this build does not read",
            path.display()
        ));
    }
    Ok(())
}

fn read_up_to(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(check(&p("ok.gguf", &good)), Ok(()));
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
        assert!(check(&tmp.path().join("none.gguf"))
            .expect_err("missing")
            .contains("cannot read"));
        assert!(check(tmp.path()).expect_err("dir").contains("directory"));
    }
}
