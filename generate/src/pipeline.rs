//! The run, step by step as upstream's `main`: load → validate → enrich →
//! validate again → warnings → the files (`files.rs`: plan, probe,
//! render, merge, write, report) → orphan report.
//!
//! Every message goes where upstream prints it (stdout for the report,
//! stderr for errors, warnings and INFO lines) with upstream's words; the
//! exit status is 0, or 1 after an error (`shared::out::finish` in `main`
//! adds what happened to stdout). The binary and the fuzz target
//! run the same [`execute`]; only their [`Config`] and [`Output`] differ.

use py::yaml::Value;
use shared::nesting::Nesting;
use shared::Error;

use crate::config::Config;
use crate::orphans::{self, Known};
use crate::output::Output;
use crate::prefetch::Prefetch;
use crate::{enrich, files, strict, validate, warnings};
use py::py_str;

/// How far a run got: the binary's exit status, and what the fuzz target
/// checks its seeds reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum End {
    /// The base dir's lock could not be taken.
    NotLocked,
    /// infra.yml could not be read.
    NotLoaded,
    /// Validation errors (with `--strict`, unknown keys too).
    Invalid,
    /// Enrichment failed.
    EnrichFailed,
    /// Post-enrichment validation errors.
    InvalidAfterEnrich,
    /// Valid, with no domains: nothing to generate.
    NoDomains,
    /// Planning, reading or writing the files, or the orphan report, failed.
    Failed,
    /// Every file generated, orphans reported.
    Done,
}

impl End {
    pub fn status(self) -> i32 {
        match self {
            End::NoDomains | End::Done => 0,
            _ => 1,
        }
    }
}

/// Run the generator as the binary does; an error has been reported
/// (upstream's lines), `main` ends with `shared::out::finish`.
pub fn run(cfg: &Config) -> shared::Result<()> {
    let end = execute(cfg, &mut Output::std());
    shared::error::status(end.status())
}

/// The whole run with `cfg`, its lines to `io`.
pub(crate) fn execute(cfg: &Config, io: &mut Output) -> End {
    match crate::lock::take(&cfg.base_dir, cfg.dry_run, cfg.no_wait, io) {
        Ok(_held) => run_locked(cfg, io),
        Err(e) => {
            fail(io, &e);
            End::NotLocked
        }
    }
}

fn run_locked(cfg: &Config, io: &mut Output) -> End {
    // Reads the existing files while the steps before writing run.
    let prefetch = Prefetch::start(&cfg.base_dir);
    let Some(mut infra) = load(cfg, io) else {
        return End::NotLoaded;
    };
    let end = steps(cfg, &mut infra, prefetch, io).unwrap_or_else(|end| end);
    cfg.let_go(infra);
    end
}

/// infra.yml (or infra/), its loader's warnings printed.
fn load(cfg: &Config, io: &mut Output) -> Option<Value> {
    let loaded = match shared::infra::load(&cfg.infra_file) {
        Ok(l) => l,
        Err(e) => {
            fail(io, &e);
            return None;
        }
    };
    for w in &loaded.warnings {
        io.err(&format!("WARNING: {w}"));
    }
    Some(loaded.value)
}

/// Everything after loading; Err is where the run stopped.
fn steps(cfg: &Config, infra: &mut Value, prefetch: Prefetch, io: &mut Output) -> Result<End, End> {
    // The nesting context files are read once for the whole run.
    let nesting = cfg.context.nesting();
    check(cfg, infra, &nesting, io)?;
    enrich(cfg, infra, &nesting, io)?;
    for w in warnings::warnings_with(infra, &nesting) {
        io.err(&format!("WARNING: {w}"));
    }
    let Some(enabled) = enabled_domains(infra) else {
        io.out("No domains defined. Nothing to generate.");
        return Ok(End::NoDomains);
    };
    let dry = if cfg.dry_run { "[DRY-RUN] " } else { "" };
    io.out(&format!("{dry}Generating files for {enabled} domain(s)..."));
    let done = files::generate(cfg, infra, &nesting, prefetch, io)
        .and_then(|()| report_orphans(cfg, infra, io));
    if let Err(e) = done {
        fail(io, &e);
        return Err(End::Failed);
    }
    if !cfg.dry_run {
        io.out("\nDone. Run `make lint` to validate.");
    }
    Ok(End::Done)
}

/// `--strict`'s unknown keys, then the rules (with the host's subnets).
fn check(cfg: &Config, infra: &Value, nesting: &Nesting, io: &mut Output) -> Result<(), End> {
    let mut errors = if cfg.strict {
        strict::unknown_keys(infra)
    } else {
        Vec::new()
    };
    errors.extend(validate::validate(infra, cfg.check_host_subnets, nesting));
    if !errors.is_empty() {
        report_errors(io, "Validation errors:", &errors);
        return Err(End::Invalid);
    }
    Ok(())
}

/// Enrichment, its INFO/WARNING lines, and the rules again.
fn enrich(cfg: &Config, infra: &mut Value, nesting: &Nesting, io: &mut Output) -> Result<(), End> {
    let mut notes = Vec::new();
    let enriched = enrich::enrich(infra, &cfg.resources, &mut notes);
    notes.iter().for_each(|n| io.err(n));
    if let Err(e) = enriched {
        fail(io, &e);
        return Err(End::EnrichFailed);
    }
    let post = validate::validate(infra, false, nesting);
    if !post.is_empty() {
        report_errors(io, "Post-enrichment validation errors:", &post);
        return Err(End::InvalidAfterEnrich);
    }
    Ok(())
}

/// How many domains are enabled; None when there are no domains at all.
fn enabled_domains(infra: &Value) -> Option<usize> {
    let domains = infra.get("domains").filter(|d| d.truthy())?;
    Some(match domains {
        Value::Map(m) => m
            .values()
            .filter(|d| !matches!(d.get("enabled"), Some(Value::Bool(false))))
            .count(),
        _ => 0,
    })
}

fn fail(io: &mut Output, e: &Error) {
    io.err(&format!("ERROR: {e}"));
}

fn report_errors(io: &mut Output, title: &str, errors: &[String]) {
    io.err(title);
    for e in errors {
        io.err(&format!("  - {e}"));
    }
}

/// The names files may be named after: every domain (enabled or not) and
/// every machine, including the ones enrichment added.
fn known_names(infra: &Value) -> Result<Known, Error> {
    let mut known = Known {
        domains: Default::default(),
        machines: Default::default(),
    };
    for (dname, d) in enrich::domains_map(infra)?
        .into_iter()
        .flat_map(|m| m.iter())
    {
        let machines = enrich::machines_map(dname, enrich::as_domain(dname, Some(d))?)?;
        for mname in machines.into_iter().flat_map(|m| m.keys()) {
            known.machines.insert(py_str(mname));
        }
        known.domains.insert(py_str(dname));
    }
    Ok(known)
}

fn report_orphans(cfg: &Config, infra: &Value, io: &mut Output) -> Result<(), Error> {
    let base = cfg.base_shown();
    let found = orphans::detect(&cfg.base_dir, &base, &known_names(infra)?);
    if found.is_empty() {
        return Ok(());
    }
    io.out(&format!("\nOrphan files ({}):", found.len()));
    for o in &found {
        if o.protected {
            io.out(&format!(
                "  PROTECTED (ephemeral=false): {} — manual removal required",
                o.shown
            ));
        } else {
            io.out(&format!("  ORPHAN: {}", o.shown));
        }
    }
    if cfg.clean_orphans && !cfg.dry_run {
        for o in &found {
            if o.protected {
                io.out(&format!("  Skipped (protected): {}", o.shown));
            } else if let Some(why) = &o.keep {
                io.out(&format!(
                    "  Skipped (cannot tell whether it is protected: {why}): {}",
                    o.shown
                ));
            } else {
                std::fs::remove_file(&o.path)
                    .map_err(|e| Error::new(format!("cannot delete {}: {e}", o.shown)))?;
                io.out(&format!("  Deleted: {}", o.shown));
            }
        }
    }
    Ok(())
}
