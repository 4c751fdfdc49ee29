//! llama.cpp's log: kept quiet, captured, and mined for error messages.
//!
//! llama.cpp and ggml print to stderr by default, which would scribble over
//! the REPL. The hook in `ffi` hands every piece here, which keeps the recent lines in memory
//! (echoing them to stderr only with `EMBER_LOG_LEVEL=debug`) so a failed
//! load can tell the operator what llama.cpp objected to.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use llama_cpp_sys_2 as sys;

const KEEP: usize = 256;

static ECHO: AtomicBool = AtomicBool::new(false);
static LOG: Mutex<Log> = Mutex::new(Log {
    lines: VecDeque::new(),
    seq: 0,
    open: None,
});

struct Log {
    /// (sequence number, level, text) of finished lines.
    lines: VecDeque<(u64, sys::ggml_log_level, String)>,
    seq: u64,
    /// A line still being written (llama.cpp logs in pieces).
    open: Option<(sys::ggml_log_level, String)>,
}

/// Whether to copy llama.cpp's log to stderr (`EMBER_LOG_LEVEL=debug`).
pub fn set_echo(on: bool) {
    ECHO.store(on, Ordering::Relaxed);
}

/// One piece of llama.cpp's log, from the hook in `ffi`. Never panics (it
/// runs inside C code).
pub fn record(level: sys::ggml_log_level, text: &str) {
    if ECHO.load(Ordering::Relaxed) {
        // Not eprint!: it panics when stderr is closed, and a panic cannot
        // unwind through llama.cpp.
        use std::io::Write as _;
        let _ = std::io::stderr().write_all(text.as_bytes());
    }
    let mut log = LOG
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    log.push(level, text);
}

impl Log {
    fn push(&mut self, level: sys::ggml_log_level, text: &str) {
        let (lvl, mut line) = match self.open.take() {
            Some((l, s)) if level == sys::GGML_LOG_LEVEL_CONT || !s.is_empty() => (l, s),
            _ => (level, String::new()),
        };
        for ch in text.chars() {
            if ch == '\n' {
                self.seq += 1;
                self.lines
                    .push_back((self.seq, lvl, std::mem::take(&mut line)));
                if self.lines.len() > KEEP {
                    self.lines.pop_front();
                }
            } else {
                line.push(ch);
            }
        }
        self.open = Some((lvl, line));
    }
}

/// A point in the log; errors logged after it are returned by [`errors_since`].
pub fn mark() -> u64 {
    LOG.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .seq
}

/// Error lines logged since `mark`, without llama.cpp's `function: ` prefixes.
pub fn errors_since(mark: u64) -> Vec<String> {
    let log = LOG
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut out: Vec<String> = log
        .lines
        .iter()
        .filter(|(seq, lvl, _)| *seq > mark && *lvl == sys::GGML_LOG_LEVEL_ERROR)
        .map(|(_, _, line)| clean(line))
        .filter(|l| !l.is_empty())
        .collect();
    out.dedup();
    out
}

/// `llama_model_load: error loading model: tensor ...` → `tensor ...`.
fn clean(line: &str) -> String {
    let mut s = line.trim();
    for _ in 0..3 {
        match s.split_once(": ") {
            Some((head, tail)) if !head.contains(' ') || head.starts_with("error ") => {
                s = tail.trim()
            }
            _ => break,
        }
    }
    s.trim_end_matches('.').to_string()
}

/// The most telling error since `mark`, or `fallback`.
pub fn reason_since(mark: u64, fallback: &str) -> String {
    let errors = errors_since(mark);
    // The last line is usually llama.cpp's summary ("failed to load model");
    // the one before it says why.
    let useful: Vec<&String> = errors
        .iter()
        .filter(|e| !e.starts_with("failed to load model"))
        .collect();
    match useful.last() {
        Some(e) => (*e).clone(),
        None => errors
            .last()
            .cloned()
            .unwrap_or_else(|| fallback.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_prefixes() {
        assert_eq!(
            clean("llama_model_load: error loading model: tensor 'x' data is not within the file bounds."),
            "tensor 'x' data is not within the file bounds"
        );
        assert_eq!(
            clean("gguf_init_from_file_impl: invalid magic characters: 'abcd'"),
            "invalid magic characters: 'abcd'"
        );
        assert_eq!(clean("plain words: here"), "plain words: here");
    }

    #[test]
    fn joins_pieces_into_lines() {
        let mut log = Log {
            lines: VecDeque::new(),
            seq: 0,
            open: None,
        };
        log.push(sys::GGML_LOG_LEVEL_ERROR, "a: first ");
        log.push(sys::GGML_LOG_LEVEL_CONT, "part\nsecond");
        log.push(sys::GGML_LOG_LEVEL_INFO, " line\n");
        let lines: Vec<_> = log.lines.iter().map(|(_, l, s)| (*l, s.clone())).collect();
        assert_eq!(
            lines,
            [
                (sys::GGML_LOG_LEVEL_ERROR, "a: first part".to_string()),
                (sys::GGML_LOG_LEVEL_ERROR, "second line".to_string())
            ]
        );
    }
}
