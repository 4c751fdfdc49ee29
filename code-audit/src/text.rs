//! The human-readable report, byte for byte as upstream's `print_report`,
//! except that names and tool output are escaped for the terminal (see
//! [`crate::escape`]).

use crate::deadcode::DeadCode;
use crate::escape;
use crate::report::{Ratio, Report};
use py::{float_repr, strip};
use std::fmt::Write;

const RULE: &str = "============================================================";

/// The whole text report, ending with a newline.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail; the results are ignored on purpose.
    let _ = write_report(&mut out, report);
    out
}

fn write_report(out: &mut String, report: &Report) -> std::fmt::Result {
    let s = &report.summary;
    writeln!(out, "{RULE}\n  anklume Code Audit Report\n{RULE}\n")?;

    writeln!(out, "SUMMARY")?;
    writeln!(
        out,
        "  Implementation (Python+Shell): {} lines",
        s.implementation_lines
    )?;
    writeln!(
        out,
        "  Tests (Python):                {} lines",
        s.test_lines
    )?;
    writeln!(
        out,
        "  Roles (YAML):                  {} lines",
        s.role_lines
    )?;
    let overall = match report.overall_ratio {
        Ratio::IntZero => "0".to_owned(),
        Ratio::Float(x) => float_repr(x),
        Ratio::TestOnly => "inf".to_owned(),
    };
    writeln!(out, "  Test-to-impl ratio:            {overall}x\n")?;

    writeln!(out, "LINE COUNTS BY CATEGORY")?;
    for (_, label, c) in &report.line_counts {
        writeln!(
            out,
            "  {label:<25} {:>6} lines  ({} files)",
            c.total_lines, c.file_count
        )?;
    }
    writeln!(out)?;

    writeln!(out, "TEST-TO-IMPLEMENTATION RATIO PER MODULE")?;
    let mut modules: Vec<_> = report.test_ratios.iter().collect();
    // Stable and descending, like `sorted(..., reverse=True)`.
    modules.sort_by(|a, b| b.1.ratio.sort_key().total_cmp(&a.1.ratio.sort_key()));
    for (module, r) in modules {
        let module = escape::name(module);
        let ratio = match r.ratio {
            Ratio::TestOnly => "test-only".to_owned(),
            Ratio::IntZero => "0.0x".to_owned(),
            Ratio::Float(x) => format!("{x:.1}x"),
        };
        let flag = if r.impl_lines == 0 {
            " <-- no impl"
        } else {
            ""
        };
        writeln!(
            out,
            "  {module:<30} impl={:>5}  test={:>5}  ratio={ratio}{flag}",
            r.impl_lines, r.test_lines
        )?;
    }
    writeln!(out)?;

    writeln!(
        out,
        "SCRIPTS WITHOUT TEST COVERAGE ({})",
        report.untested_scripts.len()
    )?;
    if report.untested_scripts.is_empty() {
        writeln!(out, "  All scripts have tests.")?;
    }
    for script in &report.untested_scripts {
        writeln!(out, "  {}", escape::name(script))?;
    }
    writeln!(out)?;

    writeln!(out, "ROLES BY SIZE (largest first)")?;
    for role in &report.roles {
        let flag = if role.simplification_candidate {
            " ** SIMPLIFICATION CANDIDATE"
        } else {
            ""
        };
        writeln!(
            out,
            "  {:<30} {:>5} lines  ({} files){flag}",
            escape::name(&role.name),
            role.lines,
            role.files
        )?;
    }
    writeln!(out)?;

    writeln!(out, "DEAD CODE DETECTION")?;
    match &report.dead_code {
        DeadCode::Ok { stdout, stderr, .. } => {
            // `print(x)` adds a newline even when x already ends with one.
            for stream in [stdout, stderr] {
                if !strip(stream).is_empty() {
                    writeln!(out, "{}", escape::output(stream))?;
                }
            }
        }
        DeadCode::Skipped { reason } => writeln!(out, "  Skipped: {reason}")?,
        DeadCode::Timeout => writeln!(out, "  Timed out.")?,
        DeadCode::Error { reason } => writeln!(out, "  Error: {}", escape::output(reason))?,
    }
    writeln!(out, "\n{RULE}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Category, Summary};

    fn report(dead_code: DeadCode) -> Report {
        Report {
            project_dir: ".".into(),
            summary: Summary {
                implementation_lines: 0,
                test_lines: 0,
                role_lines: 0,
            },
            overall_ratio: Ratio::IntZero,
            line_counts: [("k", "Label", Category::default()); 5],
            test_ratios: Default::default(),
            untested_scripts: vec![],
            roles: vec![],
            dead_code,
        }
    }

    fn dead_code_section(dc: DeadCode) -> String {
        let text = render(&report(dc));
        let start = text.find("DEAD CODE DETECTION\n").unwrap();
        text[start..].to_owned()
    }

    #[test]
    fn every_dead_code_status_renders_as_upstream() {
        let end = format!("\n{RULE}\n");
        assert_eq!(
            dead_code_section(DeadCode::Timeout),
            format!("DEAD CODE DETECTION\n  Timed out.\n{end}")
        );
        let error = DeadCode::Error {
            reason: "bash not found".into(),
        };
        assert_eq!(
            dead_code_section(error),
            format!("DEAD CODE DETECTION\n  Error: bash not found\n{end}")
        );
        let blank = DeadCode::Ok {
            stdout: " \n\x1c".into(),
            stderr: "err".into(),
            returncode: Some(1),
        };
        assert_eq!(
            dead_code_section(blank),
            format!("DEAD CODE DETECTION\nerr\n{end}")
        );
    }

    #[test]
    fn overall_ratio_keeps_pythons_types() {
        let mut r = report(DeadCode::Timeout);
        assert!(render(&r).contains("ratio:            0x\n"));
        r.overall_ratio = Ratio::Float(0.0);
        assert!(render(&r).contains("ratio:            0.0x\n"));
        r.overall_ratio = Ratio::Float(12.5);
        assert!(render(&r).contains("ratio:            12.5x\n"));
    }
}
