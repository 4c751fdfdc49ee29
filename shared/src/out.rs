//! The one output layer of the tools: every line a tool prints goes through
//! here, and `main` ends with [`finish`], the only place a tool's exit code
//! is decided.
//!
//! - Each call ([`out!`](crate::out!), [`outln!`](crate::outln!),
//!   [`text`]) is written whole under one lock and flushed, so lines of
//!   worker threads never mix and stdout and stderr keep their order, as
//!   the scripts' `echo`s did. A large report is handed over in one call.
//! - **A closed pipe** (`snap list | head -1`): the first failed write is
//!   remembered and everything after it is dropped, quietly; the tool
//!   finishes the work it started (a snapshot run is never cut in half by
//!   `| head`), loops that only print stop early ([`closed`]), and the
//!   exit code is 141, what a shell reports for upstream's bash scripts
//!   killed by SIGPIPE (128 + 13). A failure of the run itself keeps its
//!   own code.
//! - **Any other write error** on stdout (a full disk, `> /dev/full`, an
//!   I/O error): same, but [`finish`] reports it in one line,
//!   `ERROR: cannot write the report to stdout: <why>`, and the exit code
//!   is 1 (unless the run failed with its own).
//! - Errors writing stderr are ignored: there is nowhere left to tell.

use crate::Error;
use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::{Mutex, MutexGuard};

/// Exit code after the reader of stdout went away (128 + SIGPIPE).
pub const CLOSED_PIPE: i32 = 141;

/// The first error writing stdout; once set, stdout is not written again.
static STDOUT_ERROR: Mutex<Option<io::Error>> = Mutex::new(None);

fn state() -> MutexGuard<'static, Option<io::Error>> {
    STDOUT_ERROR.lock().unwrap_or_else(|p| p.into_inner())
}

/// Write `bytes` to stdout, whole, then flush.
pub fn bytes(bytes: &[u8]) {
    let mut failed = state();
    if failed.is_some() {
        return;
    }
    let mut stdout = io::stdout().lock();
    if let Err(e) = stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        *failed = Some(e);
    }
}

/// Write `s` to stdout as is (a whole report, a usage text).
pub fn text(s: &str) {
    bytes(s.as_bytes());
}

/// Write `s` to stderr as is.
pub fn err_text(s: &str) {
    // Taken so that a line on stderr cannot land inside one on stdout
    // when both go to the same file.
    let _held = state();
    let _ = io::stderr().lock().write_all(s.as_bytes());
}

/// [`crate::out!`]'s body.
pub fn out_fmt(args: fmt::Arguments<'_>) {
    match args.as_str() {
        Some(s) => text(s),
        None => text(&args.to_string()),
    }
}

/// [`crate::eout!`]'s body.
pub fn err_fmt(args: fmt::Arguments<'_>) {
    match args.as_str() {
        Some(s) => err_text(s),
        None => err_text(&args.to_string()),
    }
}

/// Has writing stdout failed (reader gone, disk full)? Then nothing more
/// reaches it: a loop that only prints can stop.
pub fn closed() -> bool {
    state().is_some()
}

/// stdout through the layer, for code that wants an [`io::Write`] (a
/// renderer). Writes always "succeed": a failure is kept for [`finish`].
#[derive(Debug, Default, Clone, Copy)]
pub struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        bytes(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The end of every `main`: report the run's error (`ERROR: <message>`
/// on stderr, unless already reported) and what happened to stdout, and
/// give the exit code.
pub fn finish(result: Result<(), Error>) -> ExitCode {
    finish_as(result, "ERROR: ")
}

/// [`finish`] with the tool's own error prefix (snapshot-apply indents its
/// messages: `  ERROR: `).
pub fn finish_as(result: Result<(), Error>, prefix: &str) -> ExitCode {
    let stdout = state().take();
    let code = exit_code(&result, stdout.as_ref(), |line| {
        err_text(&format!("{prefix}{line}\n"))
    });
    // What `std::process::exit` would have done with a code out of range.
    ExitCode::from((code & 0xff) as u8)
}

/// The exit code for a run's result and the first stdout error, telling
/// the user through `report` (one line each, without the prefix).
fn exit_code(
    result: &Result<(), Error>,
    stdout: Option<&io::Error>,
    mut report: impl FnMut(&str),
) -> i32 {
    let run = match result {
        Ok(()) => 0,
        Err(e) => {
            if !e.is_reported() {
                report(e.message());
            }
            e.code()
        }
    };
    let written = match stdout {
        None => 0,
        Some(e) if e.kind() == io::ErrorKind::BrokenPipe => CLOSED_PIPE,
        Some(e) => {
            report(&format!("cannot write the report to stdout: {e}"));
            1
        }
    };
    if run != 0 {
        run
    } else {
        written
    }
}

/// `print!` through the output layer.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::out::out_fmt(format_args!($($arg)*)) };
}

/// `println!` through the output layer: the line and its newline in one
/// write.
#[macro_export]
macro_rules! outln {
    () => { $crate::out::text("\n") };
    ($($arg:tt)*) => { $crate::out::text(&format!("{}\n", format_args!($($arg)*))) };
}

/// `eprint!` through the output layer.
#[macro_export]
macro_rules! eout {
    ($($arg:tt)*) => { $crate::out::err_fmt(format_args!($($arg)*)) };
}

/// `eprintln!` through the output layer.
#[macro_export]
macro_rules! eoutln {
    () => { $crate::out::err_text("\n") };
    ($($arg:tt)*) => { $crate::out::err_text(&format!("{}\n", format_args!($($arg)*))) };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(result: Result<(), Error>, stdout: Option<io::ErrorKind>) -> (i32, Vec<String>) {
        let e = stdout.map(|k| io::Error::new(k, "why"));
        let mut lines = Vec::new();
        let code = exit_code(&result, e.as_ref(), |l| lines.push(l.to_owned()));
        (code, lines)
    }

    #[test]
    fn success_and_errors() {
        assert_eq!(run(Ok(()), None), (0, vec![]));
        assert_eq!(
            run(Err(Error::new("bad")), None),
            (1, vec!["bad".to_owned()])
        );
        assert_eq!(run(Err(Error::exit(7)), None), (7, vec![]));
    }

    #[test]
    fn closed_pipe_is_quiet() {
        assert_eq!(run(Ok(()), Some(io::ErrorKind::BrokenPipe)), (141, vec![]));
        // The run's own failure wins over the reader going away.
        assert_eq!(
            run(Err(Error::exit(3)), Some(io::ErrorKind::BrokenPipe)),
            (3, vec![])
        );
    }

    #[test]
    fn other_write_errors_are_reported() {
        assert_eq!(
            run(Ok(()), Some(io::ErrorKind::Other)),
            (1, vec!["cannot write the report to stdout: why".to_owned()])
        );
        assert_eq!(
            run(
                Err(Error::with_code(2, "usage")),
                Some(io::ErrorKind::Other)
            )
            .0,
            2
        );
    }
}
