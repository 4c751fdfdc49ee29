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
use crate::write;
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

    match generate(cli, &infra, &nesting).and_then(|()| report_orphans(cli, &infra)) {
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
/// Each file is turned into text, and its current text read, as soon as
/// it is planned, so that little more than the files to write is held.
/// Nothing is written before every file is known: a planning error is
/// reported over a reading error (upstream plans all files first), and
/// reading stops at the first file that cannot be read.
fn generate(cli: &Cli, infra: &Value, nesting: &Nesting) -> Result<(), Error> {
    let prefix = nesting.prefix();
    let base = base_shown(cli.base_dir.as_os_str());
    let mut files = Files {
        cli,
        shown_in: write::DisplayBase::new(&base),
        latest: HashMap::new(),
        folders: Vec::new(),
        actions: write::Actions::default(),
        pending: Vec::new(),
        failed: None,
    };
    render::plan(infra, &prefix, |file| files.add(file))?;
    if let Some(e) = files.failed {
        return Err(e);
    }
    let pending = files.pending;

    if !cli.dry_run {
        let mut writer = write::Writer::default();
        for p in &pending {
            let text = p.new.as_deref().unwrap_or_default();
            writer.write(&p.path, text, &p.shown, &p.action)?;
        }
    }
    // One write for the whole list rather than one per line.
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    for p in &pending {
        let verb = if cli.dry_run {
            "  [DRY-RUN] Would write"
        } else {
            "  Written"
        };
        let _ = writeln!(stdout, "{verb}: {}", p.shown);
        if cli.diff {
            let new = p.new.as_deref().unwrap_or_default();
            let d = write::unified_diff(p.old.as_deref(), new, &p.shown);
            if !d.is_empty() {
                let _ = write!(stdout, "{d}");
            }
        }
    }
    let _ = stdout.flush();
    Ok(())
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
    /// Whether each folder exists: nothing to open in one that does not.
    folders: Vec<(String, bool)>,
    actions: write::Actions,
    pending: Vec<Pending>,
    /// The first file that could not be read.
    failed: Option<Error>,
}

impl Files<'_> {
    /// The next planned file. After a file that could not be read, the
    /// others are only planned (for a planning error to win).
    fn add(&mut self, file: render::Planned) {
        if self.failed.is_some() {
            return;
        }
        let block = write::block(&shared::yaml::emit::dump(&file.content));
        drop(file.content);
        if let Err(e) = self.try_add(file.rel, block) {
            self.failed = Some(e);
        }
    }

    fn try_add(&mut self, rel: [String; 2], block: String) -> Result<(), Error> {
        let cli = self.cli;
        let [dir, name] = &rel;
        let path = cli.base_dir.join(dir).join(name);
        let shown = self.shown_in.join(&[dir, name]);
        let folder = match self.folders.iter().find(|(d, _)| d == dir) {
            Some(&(_, exists)) => exists,
            None => {
                let missing = std::fs::metadata(cli.base_dir.join(dir))
                    .is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound);
                self.folders.push((dir.clone(), !missing));
                !missing
            }
        };
        let earlier = self.latest.get(&rel).copied().filter(|_| !cli.dry_run);
        let (old, disk) = match earlier {
            Some(e) => (Some(self.text_of(e)?), write::OnDisk::Unknown),
            None if !folder => (None, write::OnDisk::Absent),
            None => write::read_with_state(&path, &shown)?,
        };
        let new = write::merge(old.as_deref(), block);
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
            } else {
                std::fs::remove_file(&o.path)
                    .map_err(|e| Error::new(format!("cannot delete {}: {e}", o.shown)))?;
                out(&format!("  Deleted: {}", o.shown));
            }
        }
    }
    Ok(())
}
