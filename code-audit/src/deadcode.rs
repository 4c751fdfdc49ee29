//! The dead-code section: the audited project's own
//! `scripts/code-analysis.sh dead-code` when it has one (as upstream), else
//! vulture and `shellcheck --include=SC2034` run directly, else a skip that
//! says why. The project's script is run only when the user named the
//! project (`--project-dir`); a folder found by searching upward gets the
//! tools run directly instead, with one line on stderr saying why.
//!
//! File lists are passed in batches, as `xargs` does: one command line for
//! sixty thousand scripts would exceed the kernel's argument limit.

use py::universal_newlines;
use shared::cmd::{available, Cmd, CmdError, Output};
use std::path::Path;
use std::time::{Duration, Instant};
use walkdir::WalkDir;

/// Upstream's limit for the whole analysis; we apply it to each tool (all
/// of its batches together).
pub const TIMEOUT: Duration = Duration::from_secs(60);
/// Bytes of file arguments per command line: `xargs`'s default, far below
/// the kernel's limit (a quarter of the stack limit, at least 128 KiB).
const BATCH_BYTES: usize = 128 * 1024;
/// `python3 -m vulture` without the current directory on `sys.path`, so a
/// `vulture.py` in the audited tree (or wherever we were started) is never
/// imported; `-P` would do the same but needs Python 3.11.
const VULTURE_MODULE: &str = "import runpy, sys; del sys.path[0]; sys.argv[0] = 'vulture'; \
runpy.run_module('vulture', run_name='__main__', alter_sys=True)";
/// The heading when the project has no script of its own.
const HEADING_NO_SCRIPT: &str =
    "Dead code (scripts/code-analysis.sh not found; tools run directly)";
/// The heading when the project's script was found but not trusted.
const HEADING_NOT_NAMED: &str =
    "Dead code (scripts/code-analysis.sh not run: the project was not named with --project-dir; tools run directly)";
/// Reason given when `--no-dead-code` is passed.
pub const DISABLED: &str = "disabled with --no-dead-code";
/// Reason given when there is nothing to run.
pub const NO_TOOLS: &str =
    "code-analysis.sh not found, and neither vulture nor shellcheck is installed";

/// What the dead-code step produced; the variants are upstream's `status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeadCode {
    Ok {
        stdout: String,
        stderr: String,
        /// `None` when the program was killed by a signal.
        returncode: Option<i32>,
    },
    Skipped {
        reason: String,
    },
    Timeout,
    Error {
        reason: String,
    },
}

/// Run the section for `project`; `named` says the user named it, so its
/// own script may be run.
pub fn run(project: &Path, named: bool) -> DeadCode {
    let project = std::path::absolute(project).unwrap_or_else(|_| project.to_path_buf());
    let script = project.join("scripts").join("code-analysis.sh");
    if !script.exists() {
        run_tools(&project, HEADING_NO_SCRIPT)
    } else if named {
        run_script(&project)
    } else {
        crate::app::note(&format!(
            "code-audit: not running {}: the folder was found by searching upward, not named with --project-dir",
            crate::escape::name(&script.to_string_lossy())
        ));
        run_tools(&project, HEADING_NOT_NAMED)
    }
}

fn run_script(project: &Path) -> DeadCode {
    // Relative to the project, which is the working directory: upstream
    // passed `project/scripts/…` relative *and* ran inside `project`, so a
    // relative `--project-dir` made bash look for `project/project/…`; and
    // a project path that is not UTF-8 could not be passed as text.
    let cmd = Cmd::new("bash")
        .arg("scripts/code-analysis.sh")
        .arg("dead-code")
        .timeout(TIMEOUT);
    match cmd.dir(project).output() {
        Ok(out) => ok(out),
        Err(CmdError::NotFound { .. }) => DeadCode::Error {
            reason: "bash not found".to_owned(),
        },
        Err(e) => failure(e),
    }
}

fn ok(out: Output) -> DeadCode {
    DeadCode::Ok {
        stdout: universal_newlines(&out.stdout),
        stderr: universal_newlines(&out.stderr),
        returncode: out.code,
    }
}

fn failure(e: CmdError) -> DeadCode {
    match e {
        CmdError::TimedOut { .. } => DeadCode::Timeout,
        other => DeadCode::Error {
            reason: other.to_string(),
        },
    }
}

/// The vulture command line: the program, or the `vulture` module.
fn find_vulture() -> Option<Vec<&'static str>> {
    if available("vulture") {
        return Some(vec!["vulture"]);
    }
    let module = Cmd::new("python3")
        .args(["-c", VULTURE_MODULE, "--version"])
        .dir("/")
        .timeout(TIMEOUT);
    match module.output() {
        Ok(out) if out.success() => Some(vec!["python3", "-c", VULTURE_MODULE]),
        _ => None,
    }
}

/// Files named `*<ext>` below `dirs` of `project`, relative to it (the
/// tools run inside it), sorted (`find` order is not stable), skipping
/// `__pycache__`, folders and dangling symlinks (which would only make the
/// tool fail).
fn files_below(project: &Path, dirs: &[&str], ext: &str) -> Vec<String> {
    let mut found: Vec<String> = dirs
        .iter()
        .flat_map(|d| WalkDir::new(project.join(d)).into_iter().flatten())
        .filter(|e| e.path().is_file())
        .filter(|e| e.file_name().to_string_lossy().ends_with(ext))
        .filter(|e| {
            !e.path()
                .components()
                .any(|c| c.as_os_str() == "__pycache__")
        })
        .map(|e| {
            let rel = e.path().strip_prefix(project).unwrap_or(e.path());
            rel.to_string_lossy().into_owned()
        })
        .collect();
    found.sort();
    found
}

/// `program` run on `files` in as many command lines as they need, each
/// ending with `trailing`, inside `project`. The outputs are concatenated;
/// the status is the first failing batch's, else 0. All batches together
/// get [`TIMEOUT`].
fn run_batched(
    program: &[&str],
    files: &[String],
    trailing: &[&str],
    project: &Path,
) -> Result<Output, DeadCode> {
    let name = program.first().copied().unwrap_or("tool");
    let deadline = Instant::now() + TIMEOUT;
    let mut all = Output {
        code: Some(0),
        stdout: String::new(),
        stderr: String::new(),
    };
    for batch in batches(files, BATCH_BYTES) {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(DeadCode::Timeout);
        }
        let (first, rest) = program.split_first().unwrap_or((&name, &[]));
        let cmd = Cmd::new(*first)
            .args(rest.iter().copied())
            .args(batch.iter().cloned())
            .args(trailing.iter().copied())
            .timeout(left);
        match cmd.dir(project).output() {
            Ok(out) => {
                all.stdout.push_str(&out.stdout);
                all.stderr.push_str(&out.stderr);
                if all.code == Some(0) {
                    all.code = out.code;
                }
            }
            Err(CmdError::TimedOut { .. }) => return Err(DeadCode::Timeout),
            // Named by program only: the command line may be 128 KiB long.
            Err(CmdError::Io { error, .. }) => {
                return Err(DeadCode::Error {
                    reason: format!("could not run `{name}`: {error}"),
                })
            }
            Err(e) => return Err(failure(e)),
        }
    }
    Ok(all)
}

/// `files` cut into runs whose lengths (plus a separator each) stay within
/// `limit` bytes; a file longer than `limit` gets a run of its own.
fn batches(files: &[String], limit: usize) -> Vec<&[String]> {
    let mut out = Vec::new();
    let (mut start, mut size) = (0, 0);
    for (i, f) in files.iter().enumerate() {
        if i > start && size + f.len() + 1 > limit {
            out.extend(files.get(start..i));
            (start, size) = (i, 0);
        }
        size += f.len() + 1;
    }
    if start < files.len() {
        out.extend(files.get(start..));
    }
    out
}

/// No `code-analysis.sh`: the same two checks, run directly. Findings are
/// informational (return code 0), as the script treats them.
fn run_tools(project: &Path, heading: &str) -> DeadCode {
    let vulture = find_vulture();
    let shellcheck = available("shellcheck");
    if vulture.is_none() && !shellcheck {
        return DeadCode::Skipped {
            reason: NO_TOOLS.to_owned(),
        };
    }
    let mut text = format!("{heading}\n");
    let python = files_below(project, &["scripts", "tests"], ".py");
    text.push_str("\n[vulture --min-confidence 80] scripts/ and tests/\n");
    match vulture {
        None => text.push_str("vulture is not installed (pip install vulture).\n"),
        Some(_) if python.is_empty() => text.push_str("No Python files.\n"),
        Some(program) => {
            match run_batched(&program, &python, &["--min-confidence", "80"], project) {
                Ok(out) => push_findings(&mut text, &out, "No dead code found."),
                Err(e) => return e,
            }
        }
    }
    let shell = files_below(project, &["scripts"], ".sh");
    text.push_str("\n[shellcheck --include=SC2034] unused variables in scripts/\n");
    if !shellcheck {
        text.push_str("shellcheck is not installed (apt install shellcheck).\n");
    } else if shell.is_empty() {
        text.push_str("No shell scripts.\n");
    } else {
        match run_batched(&["shellcheck", "--include=SC2034"], &shell, &[], project) {
            Ok(out) => push_findings(&mut text, &out, "No unused shell variables found."),
            Err(e) => return e,
        }
    }
    DeadCode::Ok {
        stdout: text,
        stderr: String::new(),
        returncode: Some(0),
    }
}

/// A tool's stdout then stderr, or `none` when it said nothing.
fn push_findings(text: &mut String, out: &Output, none: &str) {
    let said = universal_newlines(&format!("{}{}", out.stdout, out.stderr));
    if said.trim().is_empty() {
        text.push_str(none);
        text.push('\n');
    } else {
        text.push_str(said.trim_end_matches('\n'));
        text.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_stay_within_the_limit_and_keep_every_file_in_order() {
        let files: Vec<String> = (0..1000).map(|i| format!("scripts/f{i}.sh")).collect();
        let runs = batches(&files, 1000);
        assert!(runs.len() > 10);
        for run in &runs {
            assert!(run.iter().map(|f| f.len() + 1).sum::<usize>() <= 1000);
        }
        assert_eq!(runs.concat(), files);
        let long = vec!["x".repeat(50), "y".into(), "z".repeat(50)];
        assert_eq!(batches(&long, 10).len(), 3);
        assert!(batches(&[], 10).is_empty());
    }

    #[test]
    fn timeouts_and_failures_map_to_upstream_statuses() {
        let timed_out = CmdError::TimedOut {
            line: "bash x dead-code".into(),
            after: TIMEOUT,
        };
        assert_eq!(failure(timed_out), DeadCode::Timeout);
        let io = CmdError::Io {
            line: "bash".into(),
            error: "boom".into(),
        };
        assert_eq!(
            failure(io),
            DeadCode::Error {
                reason: "could not run `bash`: boom".into()
            }
        );
    }

    #[test]
    fn output_gets_universal_newlines() {
        let out = Output {
            code: None,
            stdout: "a\r\nb\r".into(),
            stderr: String::new(),
        };
        assert_eq!(
            ok(out),
            DeadCode::Ok {
                stdout: "a\nb\n".into(),
                stderr: String::new(),
                returncode: None
            }
        );
    }
}
