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
use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::io::Write;
use std::path::PathBuf;

use crate::cli::Cli;
use crate::orphans::{self, Known};
use crate::prefetch::Prefetch;
use crate::py::py_str;
use crate::write;
use crate::{enrich, par, render, strict, validate, warnings};

/// Lines for stdout and stderr, never a panic. The first error writing
/// stdout is kept for [`stdout_status`]; stderr's are ignored (nowhere
/// left to tell).
fn out(line: &str) {
    let r = writeln!(std::io::stdout().lock(), "{line}");
    note_stdout(r);
}

static STDOUT_ERROR: std::sync::Mutex<Option<std::io::Error>> = std::sync::Mutex::new(None);

fn note_stdout(r: std::io::Result<()>) {
    if let Err(e) = r {
        if let Ok(mut slot) = STDOUT_ERROR.lock() {
            slot.get_or_insert(e);
        }
    }
}

/// The run's status once its report is out: a report that could not be
/// written (a full disk, an I/O error) fails the run, unlike upstream; a
/// reader that closed the pipe early (`| head`) stays quiet.
fn stdout_status(status: i32) -> i32 {
    note_stdout(std::io::stdout().lock().flush());
    let Some(e) = STDOUT_ERROR.lock().ok().and_then(|mut s| s.take()) else {
        return status;
    };
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return status;
    }
    err(&format!("ERROR: cannot write the report to stdout: {e}"));
    1
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
    let status = match crate::lock::take(&cli.base_dir, cli.dry_run, cli.no_wait) {
        Ok(_held) => run_locked(cli),
        Err(e) => fail(&e),
    };
    stdout_status(status)
}

fn run_locked(cli: &Cli) -> i32 {
    // Reads the existing files while the steps before writing run.
    let prefetch = Prefetch::start(&cli.base_dir);
    let loaded = match shared::infra::load(&cli.infra_file) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    for w in &loaded.warnings {
        err(&format!("WARNING: {w}"));
    }
    // Never dropped: the process ends with the run, and freeing the whole
    // tree one node at a time would only cost time.
    let mut infra = std::mem::ManuallyDrop::new(loaded.value);

    let mut errors = if cli.strict {
        strict::unknown_keys(&infra)
    } else {
        Vec::new()
    };
    // The nesting context files are read once for the whole run.
    let nesting = Nesting::read();
    errors.extend(validate::validate(&infra, true, &nesting));
    if !errors.is_empty() {
        return report_errors("Validation errors:", &errors);
    }

    let mut notes = Vec::new();
    let enriched = enrich::enrich(&mut infra, &mut notes);
    notes.iter().for_each(|n| err(n));
    if let Err(e) = enriched {
        return fail(&e);
    }

    let post = validate::validate(&infra, false, &nesting);
    if !post.is_empty() {
        return report_errors("Post-enrichment validation errors:", &post);
    }
    for w in warnings::warnings_with(&infra, &nesting) {
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

    match generate(cli, &infra, &nesting, prefetch).and_then(|()| report_orphans(cli, &infra)) {
        Ok(()) => {
            if !cli.dry_run {
                out("\nDone. Run `make lint` to validate.");
            }
            0
        }
        Err(e) => fail(&e),
    }
}

/// One file to write.
struct Pending {
    path: PathBuf,
    shown: String,
    /// The text before this run, kept for `--diff` only.
    old: Option<String>,
    action: write::Action,
    /// The new text; None once known to be the file's text already
    /// (unless `--diff` shows it).
    new: Option<String>,
}

fn base_shown(base: &OsStr) -> String {
    base.to_string_lossy().into_owned()
}

/// Compute every file, then write (or preview) them in upstream's order.
///
/// Nothing is written before every file is known: a planning error is
/// reported over a reading error (upstream plans all files first), and
/// reading stops at the first file that cannot be read.
fn generate(cli: &Cli, infra: &Value, nesting: &Nesting, prefetch: Prefetch) -> Result<(), Error> {
    let prefix = nesting.prefix();
    let base = base_shown(cli.base_dir.as_os_str());
    let mut files = Files {
        cli,
        shown_in: write::DisplayBase::new(&base),
        latest: HashMap::new(),
        actions: write::Actions::default(),
        pending: Vec::new(),
    };
    // Planned first (a planning error wins over a reading error, as
    // upstream plans every file first), then turned into text on every
    // core, then compared with the files on disk in order.
    let mut planned = Vec::new();
    render::plan(infra, &prefix, |file| planned.push(file))?;
    // Whether each folder exists before anything is written: nothing to
    // open in one that does not.
    let mut folders: Vec<(&str, bool)> = Vec::new();
    for file in &planned {
        let dir = file.rel[0].as_str();
        if !folders.iter().any(|(d, _)| *d == dir) {
            let missing = std::fs::metadata(cli.base_dir.join(dir))
                .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound);
            folders.push((dir, !missing));
        }
    }
    let shown_in = &files.shown_in;
    // The text of every file, on every core, while the reads finish.
    let blocks = par::map(&planned, |file| {
        write::block(&shared::yaml::emit::dump(&file.content))
    });
    // A path planned twice is merged in order (`try_add`); any other is
    // merged here, on every core.
    let mut seen = HashSet::new();
    let twice: HashSet<&[String; 2]> = planned
        .iter()
        .filter(|f| !seen.insert(&f.rel))
        .map(|f| &f.rel)
        .collect();
    let mut found = prefetch.finish();
    let work: Vec<_> = planned
        .iter()
        .zip(blocks)
        .map(|(file, block)| {
            let [dir, name] = &file.rel;
            (file, block, found.take(dir, name))
        })
        .collect();
    let prepared = par::map_owned(work, |(file, block, prefetched)| {
        let [dir, name] = &file.rel;
        let path = cli.base_dir.join(dir).join(name);
        let shown = shown_in.join(&[dir, name]);
        // Nothing to open in a folder that does not exist.
        let folder = folders.iter().any(|(d, exists)| d == dir && *exists);
        let read = match prefetched {
            Some(read) => Ok(read),
            None if folder => write::read_with_state(&path, &shown),
            None => Ok((None, write::OnDisk::Absent)),
        };
        let text = match &read {
            Ok((old, _)) if !twice.contains(&file.rel) => {
                Text::Merged(write::merge(old.as_deref(), block))
            }
            _ => Text::Block(block),
        };
        Prepared {
            text,
            path,
            shown,
            read,
        }
    });
    // The trees are not needed any more; freeing them node by node would
    // only cost time before the process ends.
    let rels: Vec<[String; 2]> = std::mem::ManuallyDrop::new(planned)
        .iter_mut()
        .map(|file| std::mem::take(&mut file.rel))
        .collect();
    for (rel, prep) in rels.into_iter().zip(prepared) {
        files.try_add(rel, prep)?;
    }
    let pending = files.pending;

    if !cli.dry_run {
        let jobs: Vec<write::Job> = pending
            .iter()
            .map(|p| write::Job {
                path: &p.path,
                content: p.new.as_deref().unwrap_or_default(),
                shown: &p.shown,
                action: &p.action,
            })
            .collect();
        write::write_all(&jobs, &cli.base_dir)?;
    }
    // One write for the whole list rather than one per line.
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    for p in &pending {
        let verb = if cli.dry_run {
            "  [DRY-RUN] Would write"
        } else {
            "  Written"
        };
        note_stdout(writeln!(stdout, "{verb}: {}", p.shown));
        if cli.diff {
            let new = p.new.as_deref().unwrap_or_default();
            let d = write::unified_diff(p.old.as_deref(), new, &p.shown);
            if !d.is_empty() {
                note_stdout(write!(stdout, "{d}"));
            }
        }
    }
    note_stdout(stdout.flush());
    Ok(())
}

/// A planned file's new text, as far as it is known before the files are
/// taken in order.
enum Text {
    /// Only the managed block: what it goes into is known in order.
    Block(String),
    /// The whole new text.
    Merged(String),
}

/// A planned file turned into text, with what its path holds now.
struct Prepared {
    text: Text,
    path: PathBuf,
    shown: String,
    read: Result<(Option<String>, write::OnDisk), Error>,
}

/// The files of a run, as they are planned.
struct Files<'a> {
    cli: &'a Cli,
    shown_in: write::DisplayBase,
    /// File → the latest index it was planned at. A domain named `all`
    /// writes group_vars/all.yml twice; the second write reads the first
    /// one's result, as upstream's sequential writes do. (Names are
    /// validated DNS names: equal paths are equal texts.)
    latest: HashMap<[String; 2], usize>,
    actions: write::Actions,
    pending: Vec<Pending>,
}

impl Files<'_> {
    fn try_add(&mut self, rel: [String; 2], prep: Prepared) -> Result<(), Error> {
        let cli = self.cli;
        let Prepared {
            text,
            path,
            shown,
            read,
        } = prep;
        let earlier = self.latest.get(&rel).copied().filter(|_| !cli.dry_run);
        let (old, disk) = match earlier {
            Some(e) => (Some(self.text_of(e)?), write::OnDisk::Unknown),
            None => read?,
        };
        let new = match text {
            Text::Merged(new) => new,
            Text::Block(block) => write::merge(old.as_deref(), block),
        };
        let same = old.as_deref() == Some(new.as_str());
        let action = self.actions.decide(disk, same);
        let keep = matches!(action, write::Action::Keep) && !cli.diff;
        self.latest.insert(rel, self.pending.len());
        self.pending.push(Pending {
            path,
            shown,
            old: old.filter(|_| cli.diff),
            action,
            new: (!keep).then_some(new),
        });
        Ok(())
    }

    /// The new text of an earlier file. One let go because the file holds
    /// it already (and nothing was written yet) is the file's text.
    fn text_of(&self, index: usize) -> Result<String, Error> {
        let p = &self.pending[index];
        match &p.new {
            Some(text) => Ok(text.clone()),
            None => Ok(write::read_with_state(&p.path, &p.shown)?
                .0
                .unwrap_or_default()),
        }
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
            } else if let Some(why) = &o.keep {
                out(&format!(
                    "  Skipped (cannot tell whether it is protected: {why}): {}",
                    o.shown
                ));
            } else {
                std::fs::remove_file(&o.path)
                    .map_err(|e| Error::new(format!("cannot delete {}: {e}", o.shown)))?;
                out(&format!("  Deleted: {}", o.shown));
            }
        }
    }
    Ok(())
}
