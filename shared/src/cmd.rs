//! Running external programs (`incus`, `ip`, `ansible-inventory`, `systemctl`).
//!
//! Every tool goes through [`Cmd`] so that arguments are always passed as a
//! vector (never through a shell), every call can carry a timeout, and a
//! failure becomes one sentence naming the command and what it said.

use crate::interrupt;
use std::fmt;
use std::io;
use std::time::{Duration, Instant};

/// How often a watched run checks for SIGINT / SIGTERM.
const STOP_POLL: Duration = Duration::from_millis(50);

/// A program invocation, built up and then run once.
#[derive(Debug, Clone)]
pub struct Cmd {
    program: String,
    args: Vec<String>,
    timeout: Option<Duration>,
    stdin: Option<Vec<u8>>,
    env: Vec<(String, String)>,
    dir: Option<std::path::PathBuf>,
}

/// What a finished program left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

/// Why a program did not give us what we needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CmdError {
    /// The program is not installed (or not on PATH).
    NotFound { program: String },
    /// It ran and exited non-zero (or was killed by a signal: `code` None).
    Failed {
        line: String,
        code: Option<i32>,
        stderr: String,
    },
    /// It was still running when the timeout expired, and was killed.
    TimedOut { line: String, after: Duration },
    /// Starting or waiting for it failed for another reason.
    Io { line: String, error: String },
    /// SIGINT or SIGTERM arrived (see [`crate::interrupt`]): it was killed,
    /// or never started.
    Interrupted { line: String },
}

impl CmdError {
    /// The program's stderr, when it ran and failed.
    pub fn stderr(&self) -> &str {
        match self {
            CmdError::Failed { stderr, .. } => stderr,
            _ => "",
        }
    }
}

impl fmt::Display for CmdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CmdError::NotFound { program } => {
                write!(f, "`{program}` is not installed or not on PATH")
            }
            CmdError::Failed { line, code, stderr } => {
                let status = code.map_or("was killed".to_owned(), |c| format!("exited {c}"));
                let said = stderr.trim();
                if said.is_empty() {
                    write!(f, "`{line}` {status}")
                } else {
                    write!(f, "`{line}` {status}: {said}")
                }
            }
            CmdError::TimedOut { line, after } => {
                write!(f, "`{line}` did not finish within {}s", after.as_secs())
            }
            CmdError::Io { line, error } => write!(f, "could not run `{line}`: {error}"),
            CmdError::Interrupted { line } => write!(f, "`{line}` was stopped: interrupted"),
        }
    }
}

impl std::error::Error for CmdError {}

impl From<CmdError> for crate::Error {
    fn from(e: CmdError) -> Self {
        crate::Error::new(e.to_string())
    }
}

impl Cmd {
    pub fn new(program: impl Into<String>) -> Self {
        Cmd {
            program: program.into(),
            args: Vec::new(),
            timeout: None,
            stdin: None,
            env: Vec::new(),
            dir: None,
        }
    }

    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn timeout(mut self, after: Duration) -> Self {
        self.timeout = Some(after);
        self
    }

    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(input.into());
        self
    }

    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// Run in `dir` instead of the current directory.
    pub fn dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// The command as a user would type it, for messages.
    pub fn line(&self) -> String {
        std::iter::once(self.program.as_str())
            .chain(self.args.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Run to completion, capturing output; any exit status is returned.
    pub fn output(&self) -> Result<Output, CmdError> {
        let mut expr = duct::cmd(&self.program, &self.args)
            .stdout_capture()
            .stderr_capture()
            .unchecked();
        expr = match &self.stdin {
            Some(bytes) => expr.stdin_bytes(bytes.clone()),
            None => expr.stdin_null(),
        };
        for (k, v) in &self.env {
            expr = expr.env(k, v);
        }
        if let Some(dir) = &self.dir {
            expr = expr.dir(dir);
        }
        expr = expr.before_spawn(|cmd| {
            interrupt::arm(cmd);
            Ok(())
        });
        if interrupt::interrupted() {
            return Err(self.interrupted());
        }
        let handle = expr.start().map_err(|e| self.start_error(e))?;
        let deadline = self.timeout.map(|after| Instant::now() + after);
        let out = loop {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            // A watched run wakes up now and then to see whether it must stop.
            let slice = match (interrupt::watching(), left) {
                (true, left) => Some(left.map_or(STOP_POLL, |l| l.min(STOP_POLL))),
                (false, left) => left,
            };
            let done = match slice {
                None => Some(handle.wait().map_err(|e| self.io_error(e))?),
                Some(slice) => handle.wait_timeout(slice).map_err(|e| self.io_error(e))?,
            };
            if let Some(out) = done {
                break out;
            }
            if interrupt::interrupted() {
                reap(&handle);
                return Err(self.interrupted());
            }
            if let (Some(after), Some(d)) = (self.timeout, deadline) {
                if Instant::now() >= d {
                    reap(&handle);
                    return Err(CmdError::TimedOut {
                        line: self.line(),
                        after,
                    });
                }
            }
        };
        Ok(Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }

    /// Run and require exit status 0; returns stdout.
    pub fn read(&self) -> Result<String, CmdError> {
        let out = self.output()?;
        if out.success() {
            Ok(out.stdout)
        } else {
            Err(CmdError::Failed {
                line: self.line(),
                code: out.code,
                stderr: out.stderr,
            })
        }
    }

    /// Run with the terminal's stdout/stderr (for commands whose output the
    /// user should see as it comes, such as `incus snapshot list`). Its
    /// stdin is empty (or the bytes given): a child never reads ours, which
    /// may be the rest of a `while read` loop (incus takes it as YAML).
    pub fn status_inherit(&self) -> Result<i32, CmdError> {
        let mut expr = duct::cmd(&self.program, &self.args).unchecked();
        expr = match &self.stdin {
            Some(bytes) => expr.stdin_bytes(bytes.clone()),
            None => expr.stdin_null(),
        };
        for (k, v) in &self.env {
            expr = expr.env(k, v);
        }
        if let Some(dir) = &self.dir {
            expr = expr.dir(dir);
        }
        expr = expr.before_spawn(|cmd| {
            interrupt::arm(cmd);
            Ok(())
        });
        let out = expr.run().map_err(|e| self.start_error(e))?;
        Ok(out.status.code().unwrap_or(1))
    }

    fn interrupted(&self) -> CmdError {
        CmdError::Interrupted { line: self.line() }
    }

    fn start_error(&self, e: io::Error) -> CmdError {
        if e.kind() == io::ErrorKind::NotFound {
            CmdError::NotFound {
                program: self.program.clone(),
            }
        } else {
            self.io_error(e)
        }
    }

    fn io_error(&self, e: io::Error) -> CmdError {
        CmdError::Io {
            line: self.line(),
            error: e.to_string(),
        }
    }
}

/// Kill a child and collect it (duct's `kill` does not wait), so that no
/// zombie is left and the caller knows it is gone.
fn reap(handle: &duct::Handle) {
    let _ = handle.kill();
    let _ = handle.wait_timeout(Duration::from_secs(5));
}

/// Is `program` on PATH (or an existing path)?
pub fn available(program: &str) -> bool {
    if program.contains('/') {
        return std::path::Path::new(program).is_file();
    }
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_stdout_and_exit_code() {
        let out = Cmd::new("sh")
            .args(["-c", "echo out; echo err >&2; exit 3"])
            .output()
            .unwrap();
        assert_eq!(out.code, Some(3));
        assert_eq!(out.stdout, "out\n");
        assert_eq!(out.stderr, "err\n");
    }

    #[test]
    fn arguments_are_not_shell_expanded() {
        let out = Cmd::new("echo").arg("$HOME; rm -rf /").read().unwrap();
        assert_eq!(out, "$HOME; rm -rf /\n");
    }

    #[test]
    fn failure_names_command_and_stderr() {
        let e = Cmd::new("sh")
            .args(["-c", "echo boom >&2; exit 2"])
            .read()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "`sh -c echo boom >&2; exit 2` exited 2: boom"
        );
    }

    #[test]
    fn missing_program_is_not_found() {
        let e = Cmd::new("no-such-program-anklume").read().unwrap_err();
        assert_eq!(
            e.to_string(),
            "`no-such-program-anklume` is not installed or not on PATH"
        );
    }

    #[test]
    fn timeout_kills_and_reports() {
        let t = std::time::Instant::now();
        let e = Cmd::new("sleep")
            .arg("5")
            .timeout(Duration::from_millis(200))
            .read()
            .unwrap_err();
        assert!(matches!(e, CmdError::TimedOut { .. }));
        assert!(t.elapsed() < Duration::from_secs(3));
    }

    #[test]
    fn runs_in_dir() {
        let out = Cmd::new("pwd").dir("/tmp").read().unwrap();
        assert_eq!(out, "/tmp\n");
    }

    #[test]
    fn inherited_output_never_inherits_stdin() {
        // The test harness's stdin may be a terminal or a pipe; either way
        // the child must see end of input at once.
        let code = Cmd::new("sh")
            .args(["-c", "if read -r line; then exit 3; fi; exit 0"])
            .status_inherit()
            .unwrap();
        assert_eq!(code, 0);
    }

    #[test]
    fn stdin_is_fed() {
        let out = Cmd::new("cat").stdin("hello").read().unwrap();
        assert_eq!(out, "hello");
    }
}
