//! One run: resolve the project, plan and count, add dead code, render,
//! and deliver to stdout or the `--output` file.

use crate::cli::Cli;
use crate::{count, deadcode, json, project, report, text};
use shared::{err, Result};
use std::io;
use std::path::Path;

pub fn run(cli: &Cli) -> Result<()> {
    let project = project::resolve(cli.project_dir())?;
    let (plan, lines) = count::plan_and_count(&project.path);
    if let Some(first) = plan.too_long.first() {
        note(&too_long_warning(plan.too_long.len(), first));
    }
    let mut report = report::build(project.display, &plan, &lines);
    if !cli.no_dead_code {
        report.dead_code = deadcode::run(&project.path, project.named);
    }

    let rendered = if cli.json {
        json::dumps(&json::to_json(&report))
    } else {
        text::render(&report)
    };
    match cli.output_file() {
        Some(path) => {
            write_file(path, rendered.as_bytes())
                .map_err(|e| err!("cannot write {}: {e}", path.display()))?;
            note(&format!("Report written to {}", path.display()));
        }
        None => {
            // `print(json)` adds a newline; the text report already ends with one.
            let mut rendered = rendered;
            if cli.json {
                rendered.push('\n');
            }
            shared::out::text(&rendered);
        }
    }
    Ok(())
}

/// The one line saying which folders were not counted, naming the first
/// by its last 120 bytes (the whole path is over 4,096).
fn too_long_warning(count: usize, first: &Path) -> String {
    let bytes = first.as_os_str().as_encoded_bytes();
    let tail = String::from_utf8_lossy(
        bytes
            .get(bytes.len().saturating_sub(120)..)
            .unwrap_or(bytes),
    );
    let folders = if count == 1 { "folder" } else { "folders" };
    format!(
        "code-audit: WARNING: {count} {folders} not counted: path longer than the system limit of 4096 bytes (…{})",
        crate::escape::name(&tail)
    )
}

/// One line on stderr (through `shared::out`: never a panic).
pub fn note(line: &str) {
    shared::eoutln!("{line}");
}

/// Through `shared::write`: a regular file is replaced atomically
/// (parents created, as upstream's `mkdir(parents=True)`) keeping its
/// mode, owner and attributes; a symlink is followed, as upstream, but
/// only to a regular file; a FIFO or character device the user named, such
/// as `/dev/stdout`, is written into.
fn write_file(path: &Path, content: &[u8]) -> io::Result<()> {
    let policy = shared::write::Policy {
        create_dirs: true,
        streams: true,
        ..Default::default()
    };
    shared::write::write_file(path, content, &policy)
}
