//! The dead-code section: the audited project's own
//! `scripts/code-analysis.sh dead-code` when it has one (as upstream), else
//! vulture and `shellcheck --include=SC2034` run directly, else a skip that
//! says why.

use crate::pyfmt::universal_newlines;
use shared::cmd::{available, Cmd, CmdError, Output};
use std::path::{Path, PathBuf};
use std::time::Duration;
use walkdir::WalkDir;

/// Upstream's limit for the whole analysis; we apply it to each tool.
pub const TIMEOUT: Duration = Duration::from_secs(60);
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

/// Run the section for `project`.
pub fn run(project: &Path) -> DeadCode {
    // An absolute script path: upstream passed `project/scripts/…` relative
    // *and* set the working directory to `project`, so a relative
    // `--project-dir` made bash look for `project/project/scripts/…`.
    let project = std::path::absolute(project).unwrap_or_else(|_| project.to_path_buf());
    let script = project.join("scripts").join("code-analysis.sh");
    if script.exists() {
        run_script(&project, &script)
    } else {
        run_tools(&project)
    }
}

fn run_script(project: &Path, script: &Path) -> DeadCode {
    let cmd = Cmd::new("bash")
        .arg(script.to_string_lossy())
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

/// The vulture command line: the program, or `python3 -m vulture`.
fn find_vulture() -> Option<Vec<&'static str>> {
    if available("vulture") {
        return Some(vec!["vulture"]);
    }
    let module = Cmd::new("python3")
        .args(["-m", "vulture", "--version"])
        .timeout(TIMEOUT);
    match module.output() {
        Ok(out) if out.success() => Some(vec!["python3", "-m", "vulture"]),
        _ => None,
    }
}

/// Files named `*<ext>` below `dirs`, sorted (`find` order is not stable),
/// skipping `__pycache__`, folders and dangling symlinks (which would only
/// make the tool fail).
fn files_below(dirs: &[PathBuf], ext: &str) -> Vec<String> {
    let mut found: Vec<String> = dirs
        .iter()
        .flat_map(|d| WalkDir::new(d).into_iter().flatten())
        .filter(|e| e.path().is_file())
        .filter(|e| e.file_name().to_string_lossy().ends_with(ext))
        .filter(|e| {
            !e.path()
                .components()
                .any(|c| c.as_os_str() == "__pycache__")
        })
        .map(|e| e.path().to_string_lossy().into_owned())
        .collect();
    found.sort();
    found
}

/// No `code-analysis.sh`: the same two checks, run directly. Findings are
/// informational (return code 0), as the script treats them.
fn run_tools(project: &Path) -> DeadCode {
    let vulture = find_vulture();
    let shellcheck = available("shellcheck");
    if vulture.is_none() && !shellcheck {
        return DeadCode::Skipped {
            reason: NO_TOOLS.to_owned(),
        };
    }
    let mut text =
        String::from("Dead code (scripts/code-analysis.sh not found; tools run directly)\n");
    let python = files_below(&[project.join("scripts"), project.join("tests")], ".py");
    text.push_str("\n[vulture --min-confidence 80] scripts/ and tests/\n");
    match vulture {
        None => text.push_str("vulture is not installed (pip install vulture).\n"),
        Some(_) if python.is_empty() => text.push_str("No Python files.\n"),
        Some(program) => {
            let (first, rest) = program.split_first().unwrap_or((&"vulture", &[]));
            let cmd = Cmd::new(*first)
                .args(rest.iter().copied())
                .args(python)
                .args(["--min-confidence", "80"])
                .timeout(TIMEOUT);
            match cmd.dir(project).output() {
                Ok(out) => push_findings(&mut text, &out, "No dead code found."),
                Err(e) => return failure(e),
            }
        }
    }
    let shell = files_below(&[project.join("scripts")], ".sh");
    text.push_str("\n[shellcheck --include=SC2034] unused variables in scripts/\n");
    if !shellcheck {
        text.push_str("shellcheck is not installed (apt install shellcheck).\n");
    } else if shell.is_empty() {
        text.push_str("No shell scripts.\n");
    } else {
        let cmd = Cmd::new("shellcheck")
            .arg("--include=SC2034")
            .args(shell)
            .timeout(TIMEOUT);
        match cmd.dir(project).output() {
            Ok(out) => push_findings(&mut text, &out, "No unused shell variables found."),
            Err(e) => return failure(e),
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
