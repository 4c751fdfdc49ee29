//! The run, step by step as upstream's `main`: load → validate → enrich →
//! validate again → warnings → write the files → orphan report.
//!
//! Every message goes where upstream prints it (stdout for the report,
//! stderr for errors, warnings and INFO lines) with upstream's words; the
//! exit status is 0, or 1 after an error. Every file's new text is computed
//! before the first write, so an unreadable file stops the run with nothing
//! half-written.

use shared::nesting::Nesting;
use shared::yaml::Value;
use shared::Error;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::io::Write;
use std::path::PathBuf;

use crate::cli::Cli;
use crate::orphans::{self, Known};
use crate::py::py_str;
use crate::write::{self, display_path};
use crate::{enrich, render, strict, validate, warnings};

/// Lines for stdout and stderr; write errors (a closed pipe) are ignored
/// rather than turned into a panic.
fn out(line: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

fn err(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

fn fail(e: &Error) -> i32 {
    err(&format!("ERROR: {e}"));
    1
}

fn report_errors(title: &str, errors: &[String]) -> i32 {
    err(title);
    for e in errors {
        err(&format!("  - {e}"));
    }
    1
}

/// Run the generator; returns the exit status.
pub fn run(cli: &Cli) -> i32 {
    let loaded = match shared::infra::load(&cli.infra_file) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    for w in &loaded.warnings {
        err(&format!("WARNING: {w}"));
    }
    let mut infra = loaded.value;

    let mut errors = if cli.strict {
        strict::unknown_keys(&infra)
    } else {
        Vec::new()
    };
    errors.extend(validate::validate(&infra, true));
    if !errors.is_empty() {
        return report_errors("Validation errors:", &errors);
    }

    let mut notes = Vec::new();
    let enriched = enrich::enrich(&mut infra, &mut notes);
    notes.iter().for_each(|n| err(n));
    if let Err(e) = enriched {
        return fail(&e);
    }

    let post = validate::validate(&infra, false);
    if !post.is_empty() {
        return report_errors("Post-enrichment validation errors:", &post);
    }
    for w in warnings::warnings(&infra) {
        err(&format!("WARNING: {w}"));
    }

    let Some(domains) = infra.get("domains").filter(|d| d.truthy()) else {
        out("No domains defined. Nothing to generate.");
        return 0;
    };
    let enabled = match domains {
        Value::Map(m) => m
            .values()
            .filter(|d| !matches!(d.get("enabled"), Some(Value::Bool(false))))
            .count(),
        _ => 0,
    };
    let dry = if cli.dry_run { "[DRY-RUN] " } else { "" };
    out(&format!("{dry}Generating files for {enabled} domain(s)..."));

    match generate(cli, &infra).and_then(|()| report_orphans(cli, &infra)) {
        Ok(()) => {
            if !cli.dry_run {
                out("\nDone. Run `make lint` to validate.");
            }
            0
        }
        Err(e) => fail(&e),
    }
}

/// One file's new text, and its text before this run.
struct Pending {
    path: PathBuf,
    shown: String,
    old: Option<String>,
    new: String,
}

fn base_shown(base: &OsStr) -> String {
    base.to_string_lossy().into_owned()
}

/// Compute every file, then write (or preview) them in upstream's order.
fn generate(cli: &Cli, infra: &Value) -> Result<(), Error> {
    let prefix = Nesting::read().prefix();
    let planned = render::plan(infra, &prefix)?;
    let base = base_shown(cli.base_dir.as_os_str());

    // A domain named `all` writes group_vars/all.yml twice; the second
    // write reads the first one's result, as upstream's sequential writes do.
    let mut this_run: HashMap<PathBuf, String> = HashMap::new();
    let mut pending = Vec::with_capacity(planned.len());
    for file in planned {
        let [dir, name] = &file.rel;
        let path = cli.base_dir.join(dir).join(name);
        let shown = display_path(&base, &[dir, name]);
        let block = write::block(&shared::yaml::emit::dump(&file.content));
        let old = match this_run.get(&path).filter(|_| !cli.dry_run) {
            Some(text) => Some(text.clone()),
            None => write::read_existing(&path, &shown)?,
        };
        let new = write::merge(old.as_deref(), &block);
        this_run.insert(path.clone(), new.clone());
        pending.push(Pending {
            path,
            shown,
            old,
            new,
        });
    }

    for p in &pending {
        if !cli.dry_run {
            write::write(&p.path, &p.new, &p.shown)?;
        }
    }
    for p in &pending {
        let verb = if cli.dry_run {
            "  [DRY-RUN] Would write"
        } else {
            "  Written"
        };
        out(&format!("{verb}: {}", p.shown));
        if cli.diff {
            let d = write::unified_diff(p.old.as_deref(), &p.new, &p.shown);
            if !d.is_empty() {
                let _ = write!(std::io::stdout().lock(), "{d}");
            }
        }
    }
    Ok(())
}

/// The names files may be named after: every domain (enabled or not) and
/// every machine, including the ones enrichment added.
fn known_names(infra: &Value) -> Result<Known, Error> {
    let mut known = Known {
        domains: Default::default(),
        machines: Default::default(),
    };
    for dname in enrich::domain_names(infra)? {
        for mname in enrich::machine_names(infra, &dname)? {
            known.machines.insert(py_str(&mname));
        }
        known.domains.insert(py_str(&dname));
    }
    Ok(known)
}

fn report_orphans(cli: &Cli, infra: &Value) -> Result<(), Error> {
    let base = base_shown(cli.base_dir.as_os_str());
    let found = orphans::detect(&cli.base_dir, &base, &known_names(infra)?);
    if found.is_empty() {
        return Ok(());
    }
    out(&format!("\nOrphan files ({}):", found.len()));
    for o in &found {
        if o.protected {
            out(&format!(
                "  PROTECTED (ephemeral=false): {} — manual removal required",
                o.shown
            ));
        } else {
            out(&format!("  ORPHAN: {}", o.shown));
        }
    }
    if cli.clean_orphans && !cli.dry_run {
        for o in &found {
            if o.protected {
                out(&format!("  Skipped (protected): {}", o.shown));
            } else {
                std::fs::remove_file(&o.path)
                    .map_err(|e| Error::new(format!("cannot delete {}: {e}", o.shown)))?;
                out(&format!("  Deleted: {}", o.shown));
            }
        }
    }
    Ok(())
}
